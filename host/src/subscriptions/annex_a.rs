//! Ofsted's ILACS Annex A child-level lists for inspectors: **List 8** (children in care) and
//! **List 9** (care leavers), in Ofsted's column order, as far as the care record supports them.
//! A column the record does not hold is present and empty, and named in [`List::empty_columns`]
//! so the report's notes can say so.
//!
//! Readings: List 8 holds the children looked after on the report date and those whose last
//! period of care ended in the six months before it; "number of placements in the last 12
//! months" counts placements that overlap those months; the placement columns describe the
//! latest placement that started on or before the report date. List 9 holds relevant and former
//! relevant young people (SDK `care_leaver_status`), with the eligibility category in words.
//! Free text is kept from being read as a spreadsheet formula (a leading `=`, `+`, `-`, `@`, tab
//! or carriage return gets a `'` before it).

use carecheck_sdk::CareRecord;
use carecheck_sdk::care_leavers::{CareLeaverStatus, care_leaver_status};
use carecheck_sdk::dates::age_on;
use carecheck_sdk::record::Sex;
use chrono::NaiveDate;
use serde::Serialize;

use super::content::months_before;

/// One list: its columns and rows, each row one value (possibly empty) per column.
#[derive(Debug, Clone, Serialize)]
pub struct List {
    pub name: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl List {
    /// The columns that are empty in every row.
    pub fn empty_columns(&self) -> Vec<&'static str> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(i, _)| self.rows.iter().all(|r| r[*i].is_empty()))
            .map(|(_, c)| *c)
            .collect()
    }

    /// How many rows fill each column.
    pub fn filled(&self) -> Vec<(&'static str, usize)> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, self.rows.iter().filter(|r| !r[i].is_empty()).count()))
            .collect()
    }

    /// The list as CSV, header first.
    pub fn csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.columns).expect("writing to memory");
        for row in &self.rows {
            w.write_record(row.iter().map(|v| defuse(v)))
                .expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }
}

/// Text a spreadsheet would read as a formula gets a leading `'`.
pub fn defuse(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

pub const LIST_8: [&str; 34] = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Disability",
    "Unaccompanied Asylum Seeking Child (UASC)",
    "Date Started to be Looked After",
    "Child's Category of Need",
    "Is this the second or subsequent period of being looked after within the last 12 months?",
    "Start date of current legal status",
    "Legal Status",
    "Date of Latest Statutory Review",
    "Date of Last Social Work Visit",
    "Does the Child have a Permanence Plan?",
    "Date of Last IRO Visit",
    "Date of Last Health Assessment",
    "Date of Last Dental Check",
    "Number of Placements in the Last 12 months",
    "Start Date of Most Recent Placement",
    "Placement Type",
    "Placement Provider",
    "Placement Postcode",
    "Placement Location (In/Out LA Boundary)",
    "LA of Placement",
    "URN of Placement",
    "Number of Missing Episodes in the Last 12 months",
    "Number of Absent Episodes in the Last 12 months",
    "Number of Return Interviews Offered",
    "Number of Return Interviews Accepted",
    "Date Ceased to be Looked After",
    "Reason Ceased to be Looked After",
    "Allocated Team",
    "Allocated Worker",
];

pub const LIST_9: [&str; 17] = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age (Years)",
    "Disability",
    "Unaccompanied Asylum Seeking Child (UASC)",
    "Eligibility Category",
    "In Touch",
    "Allocated Personal Advisor",
    "Latest Pathway Plan Review Date",
    "Type of Accommodation",
    "Suitability of Accommodation",
    "Activity Status",
    "Date of Last Contact",
    "Allocated Team",
    "Allocated Worker",
];

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

fn gender(sex: Option<Sex>) -> String {
    match sex {
        Some(Sex::Male) => "Male",
        Some(Sex::Female) => "Female",
        Some(Sex::Unknown) => "Not known",
        None => "",
    }
    .into()
}

fn text(v: Option<&String>) -> String {
    v.cloned().unwrap_or_default()
}

/// Builds List 8 and List 9 child by child.
pub struct Lists {
    as_of: NaiveDate,
    pub list_8: List,
    pub list_9: List,
}

impl Lists {
    pub fn new(as_of: NaiveDate) -> Self {
        Self {
            as_of,
            list_8: List {
                name: "Annex A List 8: children in care",
                columns: LIST_8.to_vec(),
                rows: Vec::new(),
            },
            list_9: List {
                name: "Annex A List 9: care leavers",
                columns: LIST_9.to_vec(),
                rows: Vec::new(),
            },
        }
    }

    pub fn add(&mut self, r: &CareRecord) {
        let as_of = self.as_of;
        let dob = r.child.date_of_birth;
        let age = dob
            .map(|d| age_on(d, as_of).to_string())
            .unwrap_or_default();
        let six_months_ago = months_before(as_of, 6);
        let year_ago = months_before(as_of, 12);
        let latest_period = r
            .periods_of_care
            .iter()
            .filter(|p| p.start().is_some_and(|s| s <= as_of))
            .max_by_key(|p| p.start());
        let in_list_8 = latest_period.is_some_and(|p| {
            p.contains(as_of) || p.end().is_some_and(|e| e >= six_months_ago && e < as_of)
        });
        if let (true, Some(period)) = (in_list_8, latest_period) {
            let start = period.start();
            let previous_ended_within_year = r.periods_of_care.iter().any(|p| {
                p.end()
                    .is_some_and(|e| start.is_some_and(|s| e < s && e >= months_before(s, 12)))
            });
            let episodes: Vec<_> = period
                .episodes
                .iter()
                .filter(|e| e.start <= as_of)
                .collect();
            let last = episodes.last();
            let legal_status = last.and_then(|e| e.legal_status.clone());
            let legal_since = last.map(|l| {
                episodes
                    .iter()
                    .rev()
                    .take_while(|e| e.legal_status == l.legal_status)
                    .last()
                    .map_or(l.start, |e| e.start)
            });
            let ceased = period.end().filter(|e| *e <= as_of);
            let reason_ceased =
                ceased.and(period.episodes.last().and_then(|e| e.reason_ended.clone()));
            let placement = r
                .placements
                .iter()
                .filter(|p| p.start <= as_of)
                .max_by_key(|p| p.start);
            let placements = r
                .placements
                .iter()
                .filter(|p| p.start <= as_of && p.end.is_none_or(|e| e > year_ago))
                .count();
            let in_out = placement
                .and_then(|p| p.location_authority.as_ref())
                .map(|la| {
                    if *la == r.child.responsible_authority {
                        "In".to_string()
                    } else {
                        "Out".to_string()
                    }
                })
                .unwrap_or_default();
            let latest =
                |dates: &mut dyn Iterator<Item = NaiveDate>| dates.filter(|d| *d <= as_of).max();
            self.list_8.rows.push(vec![
                r.child.id.clone(),
                gender(r.child.sex),
                String::new(),
                date(dob),
                age.clone(),
                String::new(),
                String::new(),
                date(start),
                String::new(),
                if previous_ended_within_year {
                    "Yes"
                } else {
                    "No"
                }
                .into(),
                date(legal_since),
                text(legal_status.as_ref()),
                date(latest(&mut r.reviews.iter().map(|v| v.date))),
                String::new(),
                String::new(),
                String::new(),
                date(latest(&mut r.health.assessments.iter().map(|a| a.date))),
                date(latest(&mut r.health.dental_checks.iter().copied())),
                placements.to_string(),
                date(placement.map(|p| p.start)),
                text(placement.and_then(|p| p.placement_type.as_ref())),
                text(placement.and_then(|p| p.provider.as_ref())),
                text(placement.and_then(|p| p.postcode.as_ref())),
                in_out,
                text(placement.and_then(|p| p.location_authority.as_ref())),
                text(placement.and_then(|p| p.urn.as_ref())),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                date(ceased),
                text(reason_ceased.as_ref()),
                String::new(),
                String::new(),
            ]);
        }
        let category = match care_leaver_status(r, as_of) {
            Ok(CareLeaverStatus::Relevant { .. }) => "Relevant",
            Ok(CareLeaverStatus::FormerRelevant { .. }) => "Former relevant",
            _ => return,
        };
        let leaving = r.leaving_care.as_ref();
        self.list_9.rows.push(vec![
            r.child.id.clone(),
            gender(r.child.sex),
            String::new(),
            date(dob),
            age,
            String::new(),
            String::new(),
            category.into(),
            String::new(),
            text(
                leaving
                    .and_then(|l| l.personal_adviser.as_ref())
                    .map(|a| &a.name),
            ),
            date(leaving.and_then(|l| {
                l.pathway_plan_reviews
                    .iter()
                    .filter(|d| **d <= as_of)
                    .max()
                    .copied()
            })),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_columns_line_up() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("Oak House"), "Oak House");
        assert_eq!(LIST_8.len(), 34);
        let list = List {
            name: "t",
            columns: vec!["a", "b"],
            rows: vec![
                vec!["1".into(), String::new()],
                vec!["+2".into(), String::new()],
            ],
        };
        assert_eq!(list.empty_columns(), ["b"]);
        assert_eq!(String::from_utf8(list.csv()).unwrap(), "a,b\n1,\n'+2,\n");
    }
}
