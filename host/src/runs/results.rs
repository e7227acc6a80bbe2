//! One check result per row, as `carecheck check` prints them and the API returns them: a
//! child's outcomes flattened, each result carrying its check's basis from the policy metadata
//! of the child's authority's set, and the regulator whose plugin made it.

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

/// Flattens one child's outcomes into rows, with each check's basis from its policy's metadata.
pub fn rows(policies: &PolicySets, key: &ChildKey, outcomes: &[PolicyOutcome]) -> Vec<ResultRow> {
    let set = policies.for_authority(&key.authority);
    let mut rows = Vec::new();
    for outcome in outcomes {
        let metadata = set.policy(&outcome.policy).map(|p| &p.plugin.metadata);
        if let Some(error) = &outcome.error {
            rows.push(ResultRow {
                authority: key.authority.clone(),
                child_id: key.child_id.clone(),
                policy: outcome.policy.clone(),
                regulator: outcome.regulator.clone(),
                check: "-".into(),
                status: "error".into(),
                basis: "-".into(),
                due: None,
                subject: "policy".into(),
                message: format!("The policy could not be evaluated: it {error}."),
                citation: String::new(),
            });
        }
        for r in &outcome.results {
            let basis = metadata
                .and_then(|m| m.check(&r.check))
                .map_or("-", |c| c.basis.as_str());
            rows.push(ResultRow {
                authority: key.authority.clone(),
                child_id: key.child_id.clone(),
                policy: outcome.policy.clone(),
                regulator: outcome.regulator.clone(),
                check: r.check.clone(),
                status: r.status.as_str().into(),
                basis: basis.into(),
                due: r.due.map(|d| d.to_string()),
                subject: r.subject.clone(),
                message: r.message.clone(),
                citation: r.citation.clone(),
            });
        }
    }
    rows
}
