//! A problem with something a caller sent, located precisely: the shape every domain reports
//! invalid input in and the API returns (`422` lists them).

use serde::Serialize;

/// One problem with a request, located by JSON pointer (or line number for NDJSON).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Problem {
    /// JSON pointer to the offending value (`""` for the whole document).
    pub path: String,
    /// What is wrong, in plain English.
    pub message: String,
}

impl Problem {
    /// A problem whose path and message are [`bounded`]: a message quoting a megabyte of what
    /// the caller sent quotes its beginning and end only.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: bounded(&path.into()),
            message: bounded(&message.into()),
        }
    }
}

/// Longest text (in bytes) a problem or an error message echoes back.
pub const MAX_ECHO_BYTES: usize = 256;

/// `text` if it is at most [`MAX_ECHO_BYTES`] long; otherwise its beginning and its end (where
/// a message usually says what was wrong) with the number of bytes left out between them.
pub fn bounded(text: &str) -> String {
    if text.len() <= MAX_ECHO_BYTES {
        return text.to_string();
    }
    let keep = MAX_ECHO_BYTES / 2 - 16;
    let mut head = keep;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - keep;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{}…[{} bytes left out]…{}",
        &text[..head],
        tail - head,
        &text[tail..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_echoes_keep_their_ends_and_short_ones_are_untouched() {
        assert_eq!(bounded("short"), "short");
        let long = format!("\"2026-{}\" is not a \"date\"", "é".repeat(1_000_000));
        let b = bounded(&long);
        assert!(b.len() <= MAX_ECHO_BYTES + 40, "{}", b.len());
        assert!(b.starts_with("\"2026-é"), "{b}");
        assert!(b.ends_with("é\" is not a \"date\""), "{b}");
        assert!(b.contains("bytes left out"), "{b}");
        let p = Problem::new("/x".repeat(1000), long);
        assert!(p.path.len() <= MAX_ECHO_BYTES + 40);
    }
}
