//! A policy's results for one child as the host keeps them: in the contract's packed form, as a
//! 1.2 plugin answered them (checked when they crossed), read into [`CheckResult`]s only when
//! something asks for them as values.
//!
//! Why: a whole-pack run yields over a hundred results per child, each with five or more
//! strings. Copying every string into its own allocation as the answer crossed, packing them
//! all again for the decision log, and freeing them all after, was a quarter of a run's host
//! time; the log now keeps the answer's bytes as they came, and printing and summing read them
//! in place ([`Results::views`]). A plugin answering JSON (contract 1.0 and 1.1), a row of the
//! log written before, or a value built by hand, holds its results as values.

use std::ops::Deref;
use std::sync::OnceLock;

use carecheck_sdk::outcome::CheckResult;
use carecheck_sdk::packed::{self, View};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One policy's results for one child.
#[derive(Clone, Default)]
pub struct Results(Held);

#[derive(Clone)]
enum Held {
    /// Packed bytes, checked when they were kept ([`Results::packed`]), and their values once
    /// read.
    Packed {
        bytes: Vec<u8>,
        len: usize,
        values: OnceLock<Vec<CheckResult>>,
    },
    Values(Vec<CheckResult>),
}

impl Default for Held {
    fn default() -> Self {
        Held::Values(Vec::new())
    }
}

impl Results {
    /// Results in their packed form, checked in place (`check` sees each result's check too, to
    /// refuse what the layout alone allows) and then kept as they came.
    pub fn packed(
        bytes: Vec<u8>,
        check: impl FnMut(&str) -> Result<(), String>,
    ) -> Result<Self, String> {
        let len = packed::checked(&bytes, check)?;
        Ok(Self::kept(bytes, len))
    }

    /// Packed results checked at the front of `bytes` and kept, and what follows them: how the
    /// decision log, which keeps several lists in a row, reads each.
    pub fn take_packed(bytes: &[u8]) -> Result<(Self, &[u8]), String> {
        let (len, rest) = packed::take_checked(bytes, |_| Ok(()))?;
        Ok((
            Self::kept(bytes[..bytes.len() - rest.len()].to_vec(), len),
            rest,
        ))
    }

    /// Bytes `packed::checked` has read as exactly `len` results.
    fn kept(bytes: Vec<u8>, len: usize) -> Self {
        Results(Held::Packed {
            bytes,
            len,
            values: OnceLock::new(),
        })
    }

    /// The packed form, when the results are held in it.
    pub fn packed_bytes(&self) -> Option<&[u8]> {
        match &self.0 {
            Held::Packed { bytes, .. } => Some(bytes),
            Held::Values(_) => None,
        }
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Held::Packed { len, .. } => *len,
            Held::Values(values) => values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The results read in place, their text borrowed.
    pub fn views(&self) -> Vec<View<'_>> {
        match &self.0 {
            Held::Packed { bytes, .. } => {
                packed::views(bytes).expect("packed results are checked when they are kept")
            }
            Held::Values(values) => values.iter().map(View::from).collect(),
        }
    }
}

/// The results as values, read from the packed form the first time they are asked for.
impl Deref for Results {
    type Target = [CheckResult];

    fn deref(&self) -> &[CheckResult] {
        match &self.0 {
            Held::Packed { bytes, values, .. } => values.get_or_init(|| {
                packed::unpack(bytes).expect("packed results are checked when they are kept")
            }),
            Held::Values(values) => values,
        }
    }
}

impl<'a> IntoIterator for &'a Results {
    type Item = &'a CheckResult;
    type IntoIter = std::slice::Iter<'a, CheckResult>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl From<Vec<CheckResult>> for Results {
    fn from(values: Vec<CheckResult>) -> Self {
        Results(Held::Values(values))
    }
}

impl FromIterator<CheckResult> for Results {
    fn from_iter<I: IntoIterator<Item = CheckResult>>(iter: I) -> Self {
        Results(Held::Values(iter.into_iter().collect()))
    }
}

/// Results are equal when they say the same, however they are held.
impl PartialEq for Results {
    fn eq(&self, other: &Self) -> bool {
        self.views() == other.views()
    }
}

impl Eq for Results {}

impl std::fmt::Debug for Results {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// As the list of results the API and the JSON rows of the log have always shown.
impl Serialize for Results {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Results {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<CheckResult>::deserialize(deserializer).map(Results::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carecheck_sdk::{NaiveDate, Status};

    fn results() -> Vec<CheckResult> {
        vec![CheckResult {
            check: "first-review".into(),
            status: Status::Breach,
            due: NaiveDate::from_ymd_opt(2024, 2, 29),
            done: None,
            subject: "review due 2024-02-29".into(),
            message: "Not held — 20 working days late.".into(),
            evidence: vec![("placement_start".into(), "2024-01-31".into())],
            citation: "CPPCR 2010 reg 33(2)(a)".into(),
            current: true,
        }]
    }

    /// Packed results say what their values say: the same length, views, values, JSON and
    /// equality; only they hand the log their bytes.
    #[test]
    fn packed_results_read_as_their_values() {
        let values = results();
        let bytes = packed::pack(&values);
        let kept = Results::packed(bytes.clone(), |_| Ok(())).unwrap();
        let held = Results::from(values.clone());
        assert_eq!(kept.len(), 1);
        assert_eq!(kept.views(), held.views());
        assert_eq!(kept, held);
        assert_eq!(&*kept, &values[..]);
        assert_eq!(
            serde_json::to_string(&kept).unwrap(),
            serde_json::to_string(&values).unwrap()
        );
        assert_eq!(kept.packed_bytes(), Some(&bytes[..]));
        assert_eq!(held.packed_bytes(), None);
        let read: Results = serde_json::from_str(&serde_json::to_string(&kept).unwrap()).unwrap();
        assert_eq!(read, kept);
        assert!(Results::default().is_empty());
        let refused = Results::packed(bytes.clone(), |check| Err(check.to_owned()));
        assert_eq!(refused.unwrap_err(), "first-review");
        assert!(Results::packed(bytes[..bytes.len() - 1].to_vec(), |_| Ok(())).is_err());
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(
            Results::packed(trailing, |_| Ok(())).unwrap_err(),
            "1 bytes follow the last of 1 results"
        );
    }
}
