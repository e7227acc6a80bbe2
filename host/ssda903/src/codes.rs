//! SSDA903 code lists (DfE children looked after guidance, collection years 2022-23 onwards).

/// PLACE codes valid from the 2022-23 collection.
pub(crate) const PLACE: &[&str] = &[
    "A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2", "P3", "R1", "R2", "R3", "R5", "S1", "T0",
    "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1",
];

/// PLACE codes of earlier collections, no longer valid: the episode is kept with a warning.
/// (A1/A2 before the A3-A6 adoption codes, F1-F6 and Q1/Q2 before U1-U6, M2/M3 before the
/// Missing table, P4 and R4.) Anything on neither list is an error.
pub(crate) const PLACE_RETIRED: &[&str] = &[
    "A1", "A2", "F1", "F2", "F3", "F4", "F5", "F6", "M2", "M3", "P4", "Q1", "Q2", "R4",
];

/// Legal status (LS).
pub(crate) const LS: &[&str] = &[
    "C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4",
];

/// Reason for new episode (RNE).
pub(crate) const RNE: &[&str] = &["B", "L", "P", "S", "T", "U"];

/// Reason episode ceased (REC). X1: care continues in a new episode.
pub(crate) const REC: &[&str] = &[
    "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E45", "E46", "E47", "E48",
    "E4A", "E4B", "E5", "E6", "E7", "E8", "E9", "X1",
];

/// Placement provider (PLACE_PROVIDER).
pub(crate) const PLACE_PROVIDER: &[&str] = &["PR0", "PR1", "PR2", "PR3", "PR4", "PR5"];

/// Reason for placement change (REASON_PLACE_CHANGE).
pub(crate) const REASON_PLACE_CHANGE: &[&str] = &[
    "ALLEG", "APPRR", "CARPL", "CHILD", "CLOSE", "CREQB", "CREQO", "CUSTOD", "LAREQ", "OTHER",
    "PLACE", "STAND",
];

/// Reason no SDQ score (SDQ_REASON).
pub(crate) const SDQ_REASON: &[&str] = &["SDQ1", "SDQ2", "SDQ3", "SDQ4", "SDQ5"];

/// The code in canonical (upper-case) form, if it is on the list.
pub(crate) fn lookup(list: &[&'static str], value: &str) -> Option<&'static str> {
    list.iter().copied().find(|c| c.eq_ignore_ascii_case(value))
}
