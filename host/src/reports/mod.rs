//! Aggregate reports for boards (safeguarding partnership, corporate parenting board, health and
//! wellbeing board) and inspectors: counts by authority, policy, check and status from an
//! evaluation run. No child-level identifier, name or date of birth ever appears here.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::runs::{Run, log};
use crate::store::{Pager, Store, StoreError};

/// Children read per page while counting.
const PAGE: i64 = 1000;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub run_id: String,
    pub as_of: String,
    pub children: u64,
    pub rows: Vec<SummaryRow>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SummaryRow {
    pub authority: String,
    pub policy: String,
    /// The regulator whose plugin the policy is (`null` for the pack's own policies).
    pub regulator: Option<String>,
    pub check: String,
    pub status: String,
    /// Number of results (a child can have several per check, e.g. one per review).
    pub results: u64,
    /// Number of children with at least one such result.
    pub children: u64,
}

/// (authority, policy, regulator, check, status)
type CountKey = (String, String, Option<String>, String, String);

/// Counts a run's results for the children of `authorities` (`None`: every authority).
pub async fn summarise(
    store: &Store,
    run: &Run,
    authorities: Option<&[String]>,
) -> Result<Summary, StoreError> {
    let mut counts: BTreeMap<CountKey, (u64, u64)> = BTreeMap::new();
    let mut children = 0u64;
    let mut pages = Pager::new(PAGE);
    while let Some(page) = pages
        .next(async |after, limit| log::children(store, &run.id, authorities, after, limit).await)
        .await?
    {
        for child in &page {
            children += 1;
            let mut seen = HashSet::new();
            for o in &child.outcomes {
                let keys: Vec<(String, String)> = if o.error.is_some() {
                    vec![("-".into(), "error".into())]
                } else {
                    o.results
                        .iter()
                        .map(|r| (r.check.to_string(), r.status.as_str().to_string()))
                        .collect()
                };
                for (check, status) in keys {
                    let key = (
                        child.key.authority.clone(),
                        o.policy.clone(),
                        o.regulator.clone(),
                        check,
                        status,
                    );
                    let entry = counts.entry(key.clone()).or_default();
                    entry.0 += 1;
                    if seen.insert(key) {
                        entry.1 += 1;
                    }
                }
            }
        }
    }
    let rows = counts
        .into_iter()
        .map(
            |((authority, policy, regulator, check, status), (results, children))| SummaryRow {
                authority,
                policy,
                regulator,
                check,
                status,
                results,
                children,
            },
        )
        .collect();
    Ok(Summary {
        run_id: run.id.clone(),
        as_of: run.as_of.to_string(),
        children,
        rows,
    })
}
