//! One check result per row, as `carecheck check` prints them and the API returns them: a
//! child's outcomes flattened, each result carrying its check's basis from the policy metadata
//! of the child's authority's set, and the regulator whose plugin made it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::plugins::PolicyOutcome;
use crate::plugins::sets::PolicySets;
use crate::store::ChildKey;

/// One check result as printed by `carecheck check` and returned by the API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ResultRow {
    pub authority: String,
    pub child_id: String,
    pub policy: String,
    /// The regulator whose plugin made this result (`null` for the pack's own policies).
    pub regulator: Option<String>,
    pub check: String,
    /// met, upcoming, due_soon, breach, warning, not_applicable, insufficient_data, or error
    /// (the plugin failed).
    pub status: String,
    /// statutory, guidance or local.
    pub basis: String,
    pub due: Option<String>,
    pub subject: String,
    pub message: String,
    pub citation: String,
}

/// One check result as [`ResultRow`] says it, borrowed from the outcomes it flattens: what
/// `carecheck check` prints, a row per result, without copying every string of a run first.
/// Serialised, it is the NDJSON line `check` prints: keys in alphabetical order, as they have
/// always been printed, and no authority (the run's scope says it).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Row<'a> {
    #[serde(skip)]
    pub authority: &'a str,
    pub basis: &'a str,
    pub check: &'a str,
    pub child_id: &'a str,
    pub citation: &'a str,
    pub due: Option<NaiveDate>,
    pub message: &'a str,
    pub policy: &'a str,
    pub regulator: Option<&'a str>,
    pub status: &'a str,
    pub subject: &'a str,
}

impl Row<'_> {
    pub fn to_owned(self) -> ResultRow {
        ResultRow {
            authority: self.authority.to_owned(),
            child_id: self.child_id.to_owned(),
            policy: self.policy.to_owned(),
            regulator: self.regulator.map(str::to_owned),
            check: self.check.to_owned(),
            status: self.status.to_owned(),
            basis: self.basis.to_owned(),
            due: self.due.map(|d| d.to_string()),
            subject: self.subject.to_owned(),
            message: self.message.to_owned(),
            citation: self.citation.to_owned(),
        }
    }
}

/// Hands `each` one child's outcomes as rows, in order, with each check's basis from its
/// policy's metadata; a failed policy is one `error` row.
pub fn each_row(
    policies: &PolicySets,
    key: &ChildKey,
    outcomes: &[PolicyOutcome],
    mut each: impl FnMut(Row<'_>),
) {
    let set = policies.for_authority(&key.authority);
    for outcome in outcomes {
        let metadata = set.policy(&outcome.policy).map(|p| &p.plugin.metadata);
        let base = Row {
            authority: &key.authority,
            child_id: &key.child_id,
            policy: &outcome.policy,
            regulator: outcome.regulator.as_deref(),
            check: "-",
            status: "error",
            basis: "-",
            due: None,
            subject: "policy",
            message: "",
            citation: "",
        };
        if let Some(error) = &outcome.error {
            let message = format!("The policy could not be evaluated: it {error}.");
            each(Row {
                message: &message,
                ..base
            });
        }
        for r in outcome.results.views() {
            let basis = metadata
                .and_then(|m| m.check(r.check))
                .map_or("-", |c| c.basis.as_str());
            each(Row {
                check: r.check,
                status: r.status.as_str(),
                basis,
                due: r.due,
                subject: r.subject,
                message: r.message,
                citation: r.citation,
                ..base
            });
        }
    }
}

/// Flattens one child's outcomes into rows ([`each_row`]'s, owned).
pub fn rows(policies: &PolicySets, key: &ChildKey, outcomes: &[PolicyOutcome]) -> Vec<ResultRow> {
    let mut rows = Vec::new();
    each_row(policies, key, outcomes, |row| rows.push(row.to_owned()));
    rows
}
