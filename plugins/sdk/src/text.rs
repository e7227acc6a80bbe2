//! Sentences, subjects and evidence written into one buffer of the right size.
//!
//! Why: a result's message is a sentence of several parts, most of them dates. Built from
//! temporaries (`format_long` for each date, `plural` for each count, `concat` of the lot,
//! sometimes a second `concat` around the first), one message cost half a dozen allocations,
//! and allocation was a third of the pack's time inside the sandbox. [`text!`] writes every
//! part straight into one `String`, allocated once with room for all of them; [`Long`],
//! [`Iso`] and [`Plural`] are the date and count parts, written digit by digit (`core::fmt` is
//! several times slower inside the sandbox).
//!
//! ```
//! use carecheck_sdk::text::{Long, Plural};
//! use carecheck_sdk::{NaiveDate, text};
//!
//! let due = NaiveDate::from_ymd_opt(2026, 8, 29).unwrap();
//! let message = text!["The review was due by ", Long(due), ", ", Plural(2, "day"), " ago."];
//! assert_eq!(message, "The review was due by 29 Aug 2026, 2 days ago.");
//! ```

use chrono::{Datelike, NaiveDate};

/// A part of a sentence: how many bytes it may take, and writing it.
pub trait Piece {
    /// At least the number of bytes [`Piece::push_onto`] appends (the buffer's capacity is their
    /// sum, so a low figure costs a reallocation, never a wrong sentence).
    fn size(&self) -> usize;
    fn push_onto(&self, out: &mut String);
}

/// Writes `pieces` into one `String`, allocated once: each piece is evaluated once, in order.
/// A piece is any `&str` or `String`, a `char`, a whole number, or a [`Long`], [`Iso`] or
/// [`Plural`] (or a policy's own [`Piece`]).
#[macro_export]
macro_rules! text {
    ($($piece:expr),* $(,)?) => {
        $crate::text!(@bind new [] $($piece,)*)
    };
    // Each piece is bound once (macro hygiene keeps every `piece` apart), then measured, then
    // written: into a new `String` of exactly that capacity, or onto `out`.
    (@bind new [$($bound:ident)*]) => {{
        let mut text = ::std::string::String::with_capacity(
            0 $(+ $crate::text::Piece::size(&$bound))*
        );
        $($crate::text::Piece::push_onto(&$bound, &mut text);)*
        text
    }};
    (@bind (onto $out:ident) [$($bound:ident)*]) => {{
        $out.reserve(0 $(+ $crate::text::Piece::size(&$bound))*);
        $($crate::text::Piece::push_onto(&$bound, $out);)*
    }};
    (@bind $mode:tt [$($bound:ident)*] $head:expr, $($rest:expr,)*) => {
        match $head {
            piece => $crate::text!(@bind $mode [$($bound)* piece] $($rest,)*),
        }
    };
}

/// As [`text!`], appending to a `String` already begun (`push_text!(message; ", ", Long(d))`),
/// growing it once at most: for a sentence whose parts depend on what the record holds.
#[macro_export]
macro_rules! push_text {
    ($out:expr; $($piece:expr),* $(,)?) => {{
        let out: &mut ::std::string::String = $out;
        $crate::text!(@bind (onto out) [] $($piece,)*)
    }};
}

impl Piece for str {
    fn size(&self) -> usize {
        self.len()
    }

    fn push_onto(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn size(&self) -> usize {
        self.len()
    }

    fn push_onto(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for char {
    fn size(&self) -> usize {
        self.len_utf8()
    }

    fn push_onto(&self, out: &mut String) {
        out.push(*self);
    }
}

impl<P: Piece + ?Sized> Piece for &P {
    fn size(&self) -> usize {
        (**self).size()
    }

    fn push_onto(&self, out: &mut String) {
        (**self).push_onto(out);
    }
}

/// A piece that may be absent: nothing is written for `None`.
impl<P: Piece> Piece for Option<P> {
    fn size(&self) -> usize {
        self.as_ref().map_or(0, Piece::size)
    }

    fn push_onto(&self, out: &mut String) {
        if let Some(piece) = self {
            piece.push_onto(out);
        }
    }
}

/// Whole numbers, as `Display` writes them.
macro_rules! whole_number_piece {
    ($($t:ty: $magnitude:expr),*) => {
        $(impl Piece for $t {
            fn size(&self) -> usize {
                // A sign and twenty digits: any 64-bit value.
                21
            }

            fn push_onto(&self, out: &mut String) {
                let n = *self;
                #[allow(unused_comparisons)]
                if n < 0 {
                    out.push('-');
                }
                push_digits(out, $magnitude(n) as u64);
            }
        })*
    };
}

whole_number_piece!(
    u8: |n| n, u16: |n| n, u32: |n| n, u64: |n| n, usize: |n| n,
    i8: i8::unsigned_abs, i16: i16::unsigned_abs, i32: i32::unsigned_abs,
    i64: i64::unsigned_abs, isize: isize::unsigned_abs
);

/// A date as IRO-facing messages give it: "29 Aug 2026" ([`crate::dates::format_long`]).
#[derive(Debug, Clone, Copy)]
pub struct Long(pub NaiveDate);

impl Piece for Long {
    fn size(&self) -> usize {
        // "29 Aug 2026"
        11 + beyond_four_digits(self.0)
    }

    fn push_onto(&self, out: &mut String) {
        self.0.day().push_onto(out);
        out.push(' ');
        out.push_str(MONTH_ABBREVIATIONS[self.0.month0() as usize]);
        out.push(' ');
        self.0.year().push_onto(out);
    }
}

/// A date in ISO 8601, as `NaiveDate`'s `Display` writes it: "2024-02-29" ([`crate::dates::iso_text`]).
#[derive(Debug, Clone, Copy)]
pub struct Iso(pub NaiveDate);

impl Piece for Iso {
    fn size(&self) -> usize {
        // "2024-02-29"
        10 + beyond_four_digits(self.0)
    }

    fn push_onto(&self, out: &mut String) {
        let Ok(year @ 0..=9999) = u32::try_from(self.0.year()) else {
            out.push_str(&self.0.to_string());
            return;
        };
        for power in [1000, 100, 10, 1] {
            out.push(digit(year / power % 10));
        }
        for n in [self.0.month(), self.0.day()] {
            out.push('-');
            out.push(digit(n / 10));
            out.push(digit(n % 10));
        }
    }
}

/// A count and its unit: "1 day", "3 days", "-1 working day" ([`crate::dates::plural`]). The unit is
/// singular for 1 and -1; otherwise "s" is appended, which is right for the units messages use
/// (day, working day, week, month, year).
#[derive(Debug, Clone, Copy)]
pub struct Plural<'a>(pub i64, pub &'a str);

impl Piece for Plural<'_> {
    fn size(&self) -> usize {
        21 + 1 + self.1.len() + 1
    }

    fn push_onto(&self, out: &mut String) {
        self.0.push_onto(out);
        out.push(' ');
        out.push_str(self.1);
        if self.0.unsigned_abs() != 1 {
            out.push('s');
        }
    }
}

/// The room a date's year may take beyond four digits: none for 0-9999; otherwise 7 more,
/// enough for chrono's signed years (which reach ±262,143).
fn beyond_four_digits(d: NaiveDate) -> usize {
    if (0..=9999).contains(&d.year()) { 0 } else { 7 }
}

const MONTH_ABBREVIATIONS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Appends the digits of `magnitude`, as `Display` writes them.
fn push_digits(out: &mut String, magnitude: u64) {
    let mut power = 1;
    while power <= magnitude / 10 {
        power *= 10;
    }
    while power > 0 {
        out.push(digit((magnitude / power % 10) as u32));
        power /= 10;
    }
}

/// The character of a decimal digit (0-9).
fn digit(n: u32) -> char {
    char::from(b'0' + n as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ymd;

    #[test]
    fn pieces_write_what_display_and_the_date_helpers_write() {
        let leap = ymd(2024, 2, 29);
        let message = text![
            "Due ",
            Long(leap),
            " (",
            Iso(leap),
            "), ",
            Plural(1, "day"),
            " and ",
            Plural(-3, "working day"),
            "; ",
            String::from("owned"),
            ' ',
            7u32,
            ' ',
            -42i64,
            ' ',
            usize::MAX,
        ];
        assert_eq!(
            message,
            format!(
                "Due 29 Feb 2024 (2024-02-29), 1 day and -3 working days; owned 7 -42 {}",
                usize::MAX
            )
        );
        // Every day of a leap year, against chrono's own formatting.
        for day in leap.with_ordinal(1).unwrap().iter_days().take(366) {
            assert_eq!(text![Long(day)], day.format("%-d %b %Y").to_string());
            assert_eq!(text![Iso(day)], day.to_string());
        }
        assert_eq!(
            text![Plural(-1, "day"), ", ", Plural(0, "week")],
            "-1 day, 0 weeks"
        );
        assert_eq!(text![i64::MIN], i64::MIN.to_string());
        assert_eq!(text![u64::MAX], u64::MAX.to_string());
    }

    #[test]
    fn years_beyond_four_digits_are_written_as_chrono_writes_them() {
        for d in [
            ymd(-1, 12, 31),
            ymd(10_000, 1, 1),
            NaiveDate::MIN,
            NaiveDate::MAX,
        ] {
            assert_eq!(text![Iso(d)], d.to_string());
            assert!(text![Iso(d)].len() <= Iso(d).size(), "{d}");
            assert!(text![Long(d)].len() <= Long(d).size(), "{d}");
        }
    }

    #[test]
    fn each_piece_is_evaluated_once_and_fits_the_room_reserved() {
        let mut calls = 0;
        let mut part = || {
            calls += 1;
            String::from("part")
        };
        let date = Long(ymd(2026, 12, 31));
        let count = Plural(20, "working day");
        let message = text![part(), ", ", date, ", ", count, None::<&str>, Some('.')];
        assert_eq!(calls, 1);
        assert_eq!(message, "part, 31 Dec 2026, 20 working days.");
        // Allocated once, with the room the pieces asked for: grown, it would hold more.
        let room = "part".size() + 2 * ", ".size() + date.size() + count.size() + 1;
        assert_eq!(message.capacity(), room);
        let mut out = String::from("a");
        crate::push_text!(&mut out; ' ', Plural(2, "week"), ", ", Iso(ymd(2026, 2, 28)));
        assert_eq!(out, "a 2 weeks, 2026-02-28");
    }
}
