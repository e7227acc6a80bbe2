//! The SSDA903 tables and how a file's header row identifies one.

use serde::Serialize;

/// A table of the SSDA903 return, recognised by its column set (never by the file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Table {
    Header,
    Episodes,
    Reviews,
    Oc2,
    Uasc,
    Oc3,
    Missing,
    Ad1,
    PlacedAdoption,
    PrevPerm,
    SwEpisodes,
}

impl Table {
    /// Every table, in the order used for output and for breaking ties.
    pub const ALL: [Table; 11] = [
        Table::Header,
        Table::Episodes,
        Table::Reviews,
        Table::Oc2,
        Table::Uasc,
        Table::Oc3,
        Table::Missing,
        Table::Ad1,
        Table::PlacedAdoption,
        Table::PrevPerm,
        Table::SwEpisodes,
    ];

    /// The DfE name of the table.
    pub fn name(self) -> &'static str {
        match self {
            Table::Header => "Header",
            Table::Episodes => "Episodes",
            Table::Reviews => "Reviews",
            Table::Oc2 => "OC2",
            Table::Uasc => "UASC",
            Table::Oc3 => "OC3",
            Table::Missing => "Missing",
            Table::Ad1 => "AD1",
            Table::PlacedAdoption => "PlacedAdoption",
            Table::PrevPerm => "PrevPerm",
            Table::SwEpisodes => "SWEpisodes",
        }
    }

    /// The columns a file must have to be this table (others are ignored). Rows read from it
    /// keep their cells in this order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Header => &["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
            Table::Episodes => &[
                "CHILD",
                "DECOM",
                "RNE",
                "LS",
                "CIN",
                "PLACE",
                "PLACE_PROVIDER",
                "DEC",
                "REC",
                "REASON_PLACE_CHANGE",
                "HOME_POST",
                "PL_POST",
                "URN",
            ],
            Table::Reviews => &["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
            Table::Oc2 => &[
                "CHILD",
                "DOB",
                "SDQ_SCORE",
                "SDQ_REASON",
                "CONVICTED",
                "HEALTH_CHECK",
                "IMMUNISATIONS",
                "TEETH_CHECK",
                "HEALTH_ASSESSMENT",
                "SUBSTANCE_MISUSE",
                "INTERVENTION_RECEIVED",
                "INTERVENTION_OFFERED",
            ],
            Table::Uasc => &["CHILD", "SEX", "DOB", "DUC"],
            Table::Oc3 => &["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
            Table::Missing => &["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
            Table::Ad1 => &[
                "CHILD",
                "DOB",
                "DATE_INT",
                "DATE_MATCH",
                "FOSTER_CARE",
                "NB_ADOPTR",
                "SEX_ADOPTR",
                "LS_ADOPTR",
            ],
            Table::PlacedAdoption => &[
                "CHILD",
                "DOB",
                "DATE_PLACED",
                "DATE_PLACED_CEASED",
                "REASON_PLACED_CEASED",
            ],
            Table::PrevPerm => &["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
            Table::SwEpisodes => &["CHILD", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
        }
    }

    /// Position of a column in [`Table::columns`].
    pub(crate) fn col(self, name: &str) -> usize {
        self.columns()
            .iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("{} has no column {name}", self.name()))
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Columns shared by several tables: they say nothing about which table a file is.
const SHARED: [&str; 3] = ["CHILD", "DOB", "SEX"];

/// What a header row says about its file.
pub(crate) enum Recognised {
    /// The table and, for each of its columns, the position of that column in the file.
    Table(Table, Vec<usize>),
    /// Most like this table, but these required columns are absent.
    MissingColumns(Table, Vec<&'static str>),
    Unknown,
}

/// Identifies the table from a header row (names already trimmed and upper-cased). Column order
/// does not matter and extra columns are ignored. When several tables' columns are all present,
/// the one with the most columns wins (ties: [`Table::ALL`] order).
pub(crate) fn recognise(header: &[String]) -> Recognised {
    let find = |name: &str| header.iter().position(|h| h == name);
    let mut best_full: Option<(Table, Vec<usize>)> = None;
    let mut best_partial: Option<(Table, usize)> = None;
    let mut partial_tie = false;
    for table in Table::ALL {
        let positions: Vec<Option<usize>> = table.columns().iter().map(|c| find(c)).collect();
        if positions.iter().all(Option::is_some) {
            let longer = best_full
                .as_ref()
                .is_none_or(|(t, _)| table.columns().len() > t.columns().len());
            if longer {
                best_full = Some((table, positions.into_iter().flatten().collect()));
            }
            continue;
        }
        let distinctive = table
            .columns()
            .iter()
            .zip(&positions)
            .filter(|(c, p)| p.is_some() && !SHARED.contains(c))
            .count();
        if distinctive == 0 {
            continue;
        }
        match best_partial {
            Some((_, n)) if n > distinctive => {}
            Some((_, n)) if n == distinctive => partial_tie = true,
            _ => {
                best_partial = Some((table, distinctive));
                partial_tie = false;
            }
        }
    }
    if let Some((table, positions)) = best_full {
        return Recognised::Table(table, positions);
    }
    match best_partial {
        Some((table, _)) if !partial_tie => {
            let missing = table
                .columns()
                .iter()
                .copied()
                .filter(|c| find(c).is_none())
                .collect();
            Recognised::MissingColumns(table, missing)
        }
        _ => Recognised::Unknown,
    }
}

/// "Header (CHILD, SEX, ...); Episodes (...); ..." for messages about unrecognised files.
pub(crate) fn expected_headers() -> String {
    Table::ALL
        .iter()
        .map(|t| format!("{} ({})", t.name(), t.columns().join(",")))
        .collect::<Vec<_>>()
        .join("; ")
}
