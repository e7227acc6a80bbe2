//! One grammar for every identifier the service keys data by — authority codes, child ids, IRO
//! ids — checked at every entry point (records, URLs, query strings, tokens, imports) before any
//! database sees it, so both backends give the same answer: 1 to 64 characters, ASCII letters,
//! digits, `-`, `_` and `.`, starting with a letter or digit. No spaces (`D000022 ` is not a
//! second child), no control characters, no NUL (which PostgreSQL cannot store at all).

/// The longest identifier accepted.
pub const MAX_LEN: usize = 64;

/// What kind of identifier, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Authority,
    Child,
    Iro,
    Regulator,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Authority => "an authority code",
            Kind::Child => "a child id",
            Kind::Iro => "an IRO id",
            Kind::Regulator => "a regulator's name",
        }
    }
}

/// Checks `value` against the grammar; the error says what is wrong without echoing the value.
pub fn check(kind: Kind, value: &str) -> Result<(), String> {
    let name = kind.name();
    if value.is_empty() || value.len() > MAX_LEN {
        return Err(format!("{name} must be 1 to {MAX_LEN} characters long"));
    }
    if !value.as_bytes()[0].is_ascii_alphanumeric() {
        return Err(format!("{name} must start with a letter or a digit"));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        let shown = if bad.is_control() || bad.is_whitespace() {
            format!("U+{:04X}", u32::from(bad))
        } else {
            format!("{bad:?}")
        };
        return Err(format!(
            "{name} may hold only letters, digits, '-', '_' and '.', not {shown}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grammar() {
        for good in [
            "E10000001",
            "D000022",
            "IRO-001",
            "a.b_c-9",
            &"x".repeat(64),
        ] {
            assert_eq!(check(Kind::Child, good), Ok(()), "{good:?}");
        }
        for (bad, why) in [
            ("", "1 to 64"),
            (&"x".repeat(65), "1 to 64"),
            ("D000022 ", "U+0020"),
            ("X\0", "U+0000"),
            ("A\tB", "U+0009"),
            ("-A", "start with"),
            ("a/b", "'/'"),
            ("aé", "'é'"),
            ("é", "start with"),
        ] {
            let error = check(Kind::Authority, bad).unwrap_err();
            assert!(error.contains(why), "{bad:?}: {error}");
            assert!(error.contains("authority code"), "{error}");
        }
    }
}
