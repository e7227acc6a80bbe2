//! Strict dd/mm/yyyy dates.

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DateError {
    #[error("not a date in the form dd/mm/yyyy")]
    Format,
    #[error("not a date in the form dd/mm/yyyy or yyyy-mm-dd")]
    FormatXml,
    #[error("not a real date")]
    NotReal,
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Exactly `dd/mm/yyyy` (two-digit day and month, four-digit year), and a date that exists.
pub(crate) fn parse_dmy(s: &str) -> Result<NaiveDate, DateError> {
    let b = s.as_bytes();
    if b.len() != 10 || b[2] != b'/' || b[5] != b'/' {
        return Err(DateError::Format);
    }
    let (Some(d), Some(m), Some(y)) = (digits(&b[0..2]), digits(&b[3..5]), digits(&b[6..10]))
    else {
        return Err(DateError::Format);
    };
    ymd(y, m, d)
}

/// XML files may also use the XML Schema form `yyyy-mm-dd`.
pub(crate) fn parse_xml(s: &str) -> Result<NaiveDate, DateError> {
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let (Some(y), Some(m), Some(d)) = (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
        else {
            return Err(DateError::Format);
        };
        return ymd(y, m, d);
    }
    parse_dmy(s).map_err(|e| match e {
        DateError::Format => DateError::FormatXml,
        other => other,
    })
}

fn ymd(y: u32, m: u32, d: u32) -> Result<NaiveDate, DateError> {
    i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        .ok_or(DateError::NotReal)
}

/// dd/mm/yyyy, as the return writes dates.
pub(crate) fn fmt(d: NaiveDate) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// yyyy-mm-dd, for identifiers.
pub(crate) fn iso(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict() {
        assert_eq!(
            parse_dmy("01/02/2017"),
            Ok(NaiveDate::from_ymd_opt(2017, 2, 1).unwrap())
        );
        assert_eq!(parse_dmy("29/02/2016").map(|d| d.day()), Ok(29));
        assert_eq!(parse_dmy("31/02/2017"), Err(DateError::NotReal));
        assert_eq!(parse_dmy("29/02/2017"), Err(DateError::NotReal));
        assert_eq!(parse_dmy("00/01/2017"), Err(DateError::NotReal));
        for bad in [
            "1/2/2017",
            "2017-02-01",
            "01-02-2017",
            "01/02/17",
            "",
            "ab/cd/efgh",
            "01/02/2017x",
        ] {
            assert_eq!(parse_dmy(bad), Err(DateError::Format), "{bad}");
        }
        assert_eq!(parse_xml("2017-02-01"), parse_dmy("01/02/2017"));
        assert_eq!(parse_xml("2017-02-30"), Err(DateError::NotReal));
        assert_eq!(fmt(parse_dmy("03/04/2029").unwrap()), "03/04/2029");
    }
}
