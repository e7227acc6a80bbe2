//! Check results in the contract's packed form (since 1.2, `evaluate-packed` in
//! `plugins/wit/policy.wit`, which documents the layout byte for byte).
//!
//! Why: across a whole pack the results are most of the work of an evaluation (122 results,
//! 45 KB of JSON for a typical child across thirteen policies). As JSON text the guest escapes
//! every string and writes every date out, and the host scans it all back; packed, strings are
//! copied as they are, dates cross as day numbers and the host borrows each string straight
//! from the bytes while it checks them. The encoding is postcard's, over [`CheckResult`]'s
//! fields in their JSON order, so the packed and the JSON answer say exactly the same thing.
//!
//! The guest packs ([`pack`]); the host checks the results in place ([`take_checked`], which
//! allocates nothing) or reads them so ([`views`]), refusing anything that is not exactly one
//! list of results: a status past the seven, a day number that is not a date, text that is not
//! UTF-8, trailing bytes. It keeps the bytes as they came, for its decision log, and reads them
//! into values ([`unpack`]) only where something needs them so.

use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};

use crate::dates::{from_unix_day, unix_day};
use crate::outcome::{CheckResult, Name, Status};

/// One result as it crosses: strings borrowed, dates as days since 1970-01-01. Generic over the
/// evidence so the host reads borrowed pairs, or only checks them; the guest writes the same
/// wire form by hand ([`pack_onto`]).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct Wire<'a, E> {
    check: &'a str,
    status: Status,
    due: Option<i32>,
    done: Option<i32>,
    subject: &'a str,
    message: &'a str,
    evidence: E,
    citation: &'a str,
    current: bool,
}

/// The results packed, as `evaluate-packed` answers them.
pub fn pack(results: &[CheckResult]) -> Vec<u8> {
    pack_onto(results, Vec::new())
}

/// The results packed after the bytes already in `out` (the host's decision log keeps each
/// outcome's results in this form, after a head of its own).
///
/// Written by hand rather than through postcard's serializer, which the host still reads them
/// with: inside the sandbox, postcard's writer (each byte and each string handed to `Extend`
/// separately) was an eighth of a whole pack's guest time. The tests hold the two to the same
/// bytes.
pub fn pack_onto(results: &[CheckResult], mut out: Vec<u8>) -> Vec<u8> {
    // Room for all of it first: grown as it is written, the vector would be copied a dozen
    // times for a child's results, and inside the sandbox each copy is a reallocation.
    out.reserve(packed_len_bound(results));
    push_varint(&mut out, results.len() as u64);
    for r in results {
        push_text(&mut out, &r.check);
        // Its number ([`Status`]), a varint of one byte.
        out.push(r.status as u8);
        push_day(&mut out, r.due);
        push_day(&mut out, r.done);
        push_text(&mut out, &r.subject);
        push_text(&mut out, &r.message);
        push_varint(&mut out, r.evidence.len() as u64);
        for (key, value) in &r.evidence {
            push_text(&mut out, key);
            push_text(&mut out, value);
        }
        push_text(&mut out, &r.citation);
        out.push(u8::from(r.current));
    }
    out
}

/// `varint`: unsigned LEB128, seven bits a byte, low bits first.
fn push_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// `string`: its length in bytes, then its UTF-8.
fn push_text(out: &mut Vec<u8>, text: &str) {
    push_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// `day?`: absent, or present and its day number zigzagged.
fn push_day(out: &mut Vec<u8>, day: Option<NaiveDate>) {
    match day.map(unix_day) {
        None => out.push(0),
        Some(n) => {
            out.push(1);
            push_varint(out, u64::from(((n << 1) ^ (n >> 31)) as u32));
        }
    }
}

/// At least as many bytes as `results` pack into: every length, count and day as the longest
/// varint of its type (10 bytes, a 64-bit value's), each status and flag as one byte.
fn packed_len_bound(results: &[CheckResult]) -> usize {
    const VARINT: usize = 10;
    let text = |s: &str| VARINT + s.len();
    VARINT
        + results
            .iter()
            .map(|r| {
                text(&r.check)
                    + 1 // status
                    + 2 * (1 + VARINT) // due and done: a presence byte and a day
                    + text(&r.subject)
                    + text(&r.message)
                    + VARINT
                    + r.evidence.iter().map(|(k, v)| text(k) + text(v)).sum::<usize>()
                    + text(&r.citation)
                    + 1 // current
            })
            .sum::<usize>()
}

/// Reads packed results back, or says why they are not a list of results.
pub fn unpack(bytes: &[u8]) -> Result<Vec<CheckResult>, String> {
    Ok(views(bytes)?.iter().map(View::to_owned).collect())
}

/// One packed result read in place, its text borrowed from the bytes: what the host checks an
/// answer with, and prints or logs it from, without copying every string into a
/// [`CheckResult`] first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View<'a> {
    pub check: &'a str,
    pub status: Status,
    pub due: Option<NaiveDate>,
    pub done: Option<NaiveDate>,
    pub subject: &'a str,
    pub message: &'a str,
    pub evidence: Vec<(&'a str, &'a str)>,
    pub citation: &'a str,
    pub current: bool,
}

impl View<'_> {
    pub fn to_owned(&self) -> CheckResult {
        CheckResult {
            check: Name::Owned(self.check.to_owned()),
            status: self.status,
            due: self.due,
            done: self.done,
            subject: self.subject.to_owned(),
            message: self.message.to_owned(),
            evidence: self
                .evidence
                .iter()
                .map(|(k, v)| (Name::Owned((*k).to_owned()), (*v).to_owned()))
                .collect(),
            citation: Name::Owned(self.citation.to_owned()),
            current: self.current,
        }
    }
}

impl<'a> From<&'a CheckResult> for View<'a> {
    fn from(r: &'a CheckResult) -> Self {
        View {
            check: &r.check,
            status: r.status,
            due: r.due,
            done: r.done,
            subject: &r.subject,
            message: &r.message,
            evidence: r
                .evidence
                .iter()
                .map(|(k, v)| (k.as_ref(), v.as_str()))
                .collect(),
            citation: &r.citation,
            current: r.current,
        }
    }
}

/// Reads packed results in place, or says why they are not exactly a list of results.
pub fn views(bytes: &[u8]) -> Result<Vec<View<'_>>, String> {
    let (views, rest) = take_views(bytes)?;
    nothing_after(rest, views.len())?;
    Ok(views)
}

/// Checks packed results in place ([`take_checked`]), or says why they are not exactly a list
/// of results; how many there are.
pub fn checked(
    bytes: &[u8],
    each: impl FnMut(&str) -> Result<(), String>,
) -> Result<usize, String> {
    let (count, rest) = take_checked(bytes, each)?;
    nothing_after(rest, count)?;
    Ok(count)
}

/// Refuses bytes after a list of `count` results that should be all there is.
fn nothing_after(rest: &[u8], count: usize) -> Result<(), String> {
    match rest.len() {
        0 => Ok(()),
        n => Err(format!("{n} bytes follow the last of {count} results")),
    }
}

/// Checks one packed list of results at the front of `bytes`, refusing exactly what
/// [`take_views`] refuses, without keeping anything: `each` is handed every result's check (and
/// may refuse it). The number of results, and what follows them. How the host checks every
/// answer as it crosses: reading it into views allocated a list of evidence per result and the
/// list of views, for a hundred results per child, only to count them.
pub fn take_checked(
    bytes: &[u8],
    mut each: impl FnMut(&str) -> Result<(), String>,
) -> Result<(usize, &[u8]), String> {
    let not_packed = |e: postcard::Error| format!("not packed results: {e}");
    // A list is its length (the varint a `usize` is, as `deserialize_seq` reads it) then its
    // elements, each in its own wire form.
    let (count, mut rest): (usize, _) = postcard::take_from_bytes(bytes).map_err(not_packed)?;
    for i in 0..count {
        let (wire, after): (Wire<CheckedPairs>, _) =
            postcard::take_from_bytes(rest).map_err(not_packed)?;
        date(i, wire.due, "due")?;
        date(i, wire.done, "done")?;
        each(wire.check)?;
        rest = after;
    }
    Ok((count, rest))
}

/// Result `i`'s `field`, a day number, as a date, or why it is not one.
fn date(i: usize, days: Option<i32>, field: &str) -> Result<Option<NaiveDate>, String> {
    days.map(|d| {
        from_unix_day(d)
            .ok_or_else(|| format!("result {i}: {field} is day {d} after 1970-01-01, not a date"))
    })
    .transpose()
}

/// A result's evidence read only to check it: a list of (key, value) pairs of UTF-8 text.
struct CheckedPairs;

impl<'de> Deserialize<'de> for CheckedPairs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = CheckedPairs;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of (key, value) pairs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CheckedPairs, A::Error> {
                while seq.next_element::<(&'de str, &'de str)>()?.is_some() {}
                Ok(CheckedPairs)
            }
        }
        deserializer.deserialize_seq(Pairs)
    }
}

/// Reads one packed list of results in place from the front of `bytes`, and what follows it.
pub fn take_views(bytes: &[u8]) -> Result<(Vec<View<'_>>, &[u8]), String> {
    type Borrowed<'a> = Wire<'a, Vec<(&'a str, &'a str)>>;
    let (wires, rest): (Vec<Borrowed>, _) =
        postcard::take_from_bytes(bytes).map_err(|e| format!("not packed results: {e}"))?;
    let views = wires
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            Ok(View {
                check: w.check,
                status: w.status,
                due: date(i, w.due, "due")?,
                done: date(i, w.done, "done")?,
                subject: w.subject,
                message: w.message,
                evidence: w.evidence,
                citation: w.citation,
                current: w.current,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok((views, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ymd;

    /// The results as postcard's own serializer writes them: what [`pack_onto`], written by
    /// hand, must reproduce, and what the host reads with postcard's deserializer.
    fn postcard_packed(results: &[CheckResult]) -> Vec<u8> {
        struct Results<'a>(&'a [CheckResult]);
        impl serde::Serialize for Results<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.iter().map(|r| Wire {
                    check: &r.check,
                    status: r.status,
                    due: r.due.map(unix_day),
                    done: r.done.map(unix_day),
                    subject: &r.subject,
                    message: &r.message,
                    evidence: &r.evidence,
                    citation: &r.citation,
                    current: r.current,
                }))
            }
        }
        postcard::to_allocvec(&Results(results)).unwrap()
    }

    /// Random results, every status and both flags, lengths and counts either side of each
    /// varint's byte boundaries (127/128, 16,383/16,384), days before and after 1970 up to
    /// chrono's limits, multi-byte text: packed by hand, the same bytes as postcard's, read
    /// back as the same results.
    #[test]
    fn packs_exactly_what_postcard_writes() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        let lengths = [0, 1, 127, 128, 16_383, 16_384];
        let days = [
            None,
            Some(NaiveDate::MIN),
            Some(ymd(1969, 12, 31)),
            Some(ymd(1970, 1, 1)),
            Some(ymd(2024, 2, 29)),
            Some(NaiveDate::MAX),
        ];
        // Mostly short text, as results carry; one string in fifty from the whole range.
        let text = |next: &mut dyn FnMut(u64) -> u64| -> String {
            let len = match next(50) {
                0 => lengths[next(lengths.len() as u64) as usize],
                short => short as usize,
            };
            ["a", "é", "—"][next(3) as usize].repeat(len)
        };
        for round in 0..200 {
            let results: Vec<CheckResult> = (0..[0, 1, 3, 130][round % 4])
                .map(|_| CheckResult {
                    check: text(&mut next).into(),
                    status: Status::ALL[next(7) as usize],
                    due: days[next(6) as usize],
                    done: days[next(6) as usize],
                    subject: text(&mut next),
                    message: text(&mut next),
                    evidence: (0..[0, 1, 2, 129][next(4) as usize])
                        .map(|_| (text(&mut next).into(), text(&mut next)))
                        .collect(),
                    citation: text(&mut next).into(),
                    current: next(2) == 1,
                })
                .collect();
            let packed = pack(&results);
            assert_eq!(packed, postcard_packed(&results), "round {round}");
            assert_eq!(unpack(&packed).unwrap(), results);
            let mut after = vec![0xaa, 0xbb];
            after = pack_onto(&results, after);
            assert_eq!(after[..2], [0xaa, 0xbb]);
            assert_eq!(after[2..], packed);
        }
    }

    /// The shared vector every guest library's packer must reproduce byte for byte.
    const VECTOR: &str = include_str!("../../guest/vectors/packed.json");

    fn vector() -> (Vec<CheckResult>, Vec<u8>) {
        let v: serde_json::Value = serde_json::from_str(VECTOR).unwrap();
        let results = serde_json::from_value(v["results"].clone()).unwrap();
        let hex = v["packed"].as_str().unwrap();
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        (results, bytes)
    }

    /// The vector, worked by hand from the layout in `policy.wit`:
    /// - `02`: two results.
    /// - First: `0c` + "first-review" (12 bytes); `03` breach; due 2024-02-29 is day 19,782,
    ///   zigzag 39,564 = 0b10_0110101_0001100, so LEB128 `8c b5 02` after the `01` of a present
    ///   option; done 2024-03-01, day 19,783, zigzag 39,566: `01 8e b5 02`; `11` + the 17-byte
    ///   subject; `10` + the 16-byte message; `01` pair: `04` "held", `0a` "2024-03-01";
    ///   `17` + the 23-byte citation; `00` not current.
    /// - Second: `01` "x"; `00` met; due 1969-12-31 is day -1, zigzag 1: `01 01`; `00` no done;
    ///   `00` empty subject; `02 c3 a9` the message "é" (two bytes of UTF-8); `00` no evidence;
    ///   `01` "c"; `01` current.
    #[test]
    fn packs_the_shared_vector_byte_for_byte_and_reads_it_back() {
        let (results, bytes) = vector();
        assert_eq!(results[0].due, Some(ymd(2024, 2, 29)));
        assert_eq!(results[1].due, Some(ymd(1969, 12, 31)));
        assert_eq!(&bytes[..2], [0x02, 0x0c]);
        assert_eq!(
            &bytes[14..23],
            [0x03, 0x01, 0x8c, 0xb5, 0x02, 0x01, 0x8e, 0xb5, 0x02]
        );
        assert_eq!(
            &bytes[bytes.len() - 14..],
            [
                0x01, b'x', 0x00, 0x01, 0x01, 0x00, 0x00, 0x02, 0xc3, 0xa9, 0x00, 0x01, b'c', 0x01
            ]
        );
        assert_eq!(pack(&results), bytes);
        assert_eq!(unpack(&bytes).unwrap(), results);
        // Read in place, the same results, their text borrowed from the bytes.
        let views = views(&bytes).unwrap();
        assert_eq!(views, results.iter().map(View::from).collect::<Vec<_>>());
        assert_eq!(views[1].message, "é");
        assert!(std::ptr::eq(
            views[1].message.as_ptr(),
            &bytes[bytes.len() - 6]
        ));
        assert_eq!(unpack(&pack(&[])).unwrap(), []);
        // Checked in place: the count, each check in order, and what follows.
        let mut checks = Vec::new();
        let mut trailing = bytes.clone();
        trailing.extend_from_slice(b"next");
        let (count, rest) = take_checked(&trailing, |check| {
            checks.push(check.to_owned());
            Ok(())
        })
        .unwrap();
        assert_eq!((count, rest), (2, &b"next"[..]));
        assert_eq!(checks, ["first-review", "x"]);
        assert_eq!(checked(&bytes, |_| Ok(())), Ok(2));
        assert_eq!(
            checked(&trailing, |_| Ok(())).unwrap_err(),
            "4 bytes follow the last of 2 results"
        );
        assert_eq!(
            take_checked(&bytes, |check| Err(format!("not {check}"))).unwrap_err(),
            "not first-review"
        );
    }

    /// The room reserved before packing is never too little (so packing never grows the vector),
    /// whatever the lengths' varints take: one byte below 128, two from 128, three from 16,384.
    #[test]
    fn reserves_at_least_what_results_pack_into() {
        let (mut results, bytes) = vector();
        assert!(packed_len_bound(&results) >= bytes.len());
        results[0].message = "x".repeat(20_000);
        results[0].evidence = (0..200)
            .map(|i| (format!("key {i}").into(), "v".repeat(i * 100)))
            .collect();
        results[1].due = Some(NaiveDate::MIN);
        for n in [0, 1, 2] {
            let packed = pack(&results[..n]);
            assert!(
                packed_len_bound(&results[..n]) >= packed.len(),
                "{n} results"
            );
            assert_eq!(unpack(&packed).unwrap(), results[..n]);
        }
    }

    /// Refused alike by every reader: read into values, read in place, and checked in place.
    #[test]
    fn refuses_what_is_not_exactly_a_list_of_results() {
        let refused = |bytes: &[u8]| {
            let error = unpack(bytes).unwrap_err();
            assert_eq!(checked(bytes, |_| Ok(())).unwrap_err(), error);
            error
        };
        let (results, bytes) = vector();
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(refused(&trailing), "1 bytes follow the last of 2 results");
        refused(&bytes[..bytes.len() - 1]); // cut short
        // The second result's status byte, 7: past `insufficient_data`.
        let mut status = bytes.clone();
        let at = bytes.len() - 12;
        assert_eq!(status[at], 0x00);
        status[at] = 0x07;
        refused(&status);
        // Its message, "é", with its second byte broken: not UTF-8.
        let mut text = bytes.clone();
        text[bytes.len() - 5] = 0x28;
        refused(&text);
        // Its evidence: one pair ("k", "é") with the value's second byte broken.
        let mut pairs = results[1..].to_vec();
        pairs[0].evidence = vec![("k".into(), "é".into())];
        let mut evidence = pack(&pairs);
        let broken = evidence.len() - 4; // the value's second byte, before citation and flag
        assert_eq!(evidence[broken], 0xa9);
        evidence[broken] = 0x28;
        refused(&evidence);
        // A due date past chrono's range: day i32::MAX.
        let mut far = results[1..].to_vec();
        far[0].due = None;
        let mut packed = pack(&far);
        let due = 4; // count, "x" (2 bytes), status: then the due option
        assert_eq!(&packed[due..due + 2], [0x00, 0x00]);
        packed.splice(due..due + 1, [0x01, 0xfe, 0xff, 0xff, 0xff, 0x0f]);
        let far_due = format!(
            "result 0: due is day {} after 1970-01-01, not a date",
            i32::MAX
        );
        assert_eq!(refused(&packed), far_due);
    }
}
