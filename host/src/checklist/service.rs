//! Building checklists from the store: one child's (recorded as a compact view, see
//! [`crate::runs::views`]), and an IRO's upcoming reviews with each child's counts by status.
//! Who may ask is the HTTP layer's and the records domain's business; this module reads,
//! evaluates and arranges.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use serde::Serialize;
use serde_json::Value;

use super::{Checklist, RecordBrief, Subject, assemble, default_review_date};
use crate::access::audit::AuditEntry;
use crate::plugins::{PolicyOutcome, PolicySet};
use crate::records::{ChildFilter, StoredVersion, queries};
use crate::runs::views::{self, NewView, results_digest};
use crate::store::{ChildKey, Pager, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ChecklistError {
    /// No such child (the caller's right to see it is checked before).
    #[error("not found")]
    NotFound,
    #[error("no policy {0:?} is loaded")]
    UnknownPolicy(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("the evaluation workers failed: {0}")]
    Workers(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the caller asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Evaluate as of this date (default: the next review due, or today).
    pub review_date: Option<NaiveDate>,
    /// Only this policy.
    pub policy: Option<String>,
}

/// Evaluates records off the async runtime, each as of its own date.
async fn evaluate(
    policies: &Arc<PolicySet>,
    records: Vec<(Value, NaiveDate)>,
    only: Option<String>,
) -> Result<Vec<Vec<PolicyOutcome>>, ChecklistError> {
    let policies = policies.clone();
    Ok(tokio::task::spawn_blocking(move || {
        records
            .iter()
            .map(|(record, as_of)| policies.evaluate(record, *as_of, only.as_deref()))
            .collect()
    })
    .await?)
}

/// Arranges one child's outcomes as of `(review date, where it came from)`.
fn arrange(
    policies: &PolicySet,
    key: &ChildKey,
    current: &StoredVersion,
    (review_date, from): (NaiveDate, &'static str),
    next_review_due: Option<NaiveDate>,
    outcomes: &[PolicyOutcome],
) -> Checklist {
    let brief = RecordBrief::from_body(&current.body);
    assemble(
        policies,
        &Subject {
            authority: &key.authority,
            child_id: &key.child_id,
            record_version: current.version,
            brief: &brief,
            review_date,
            review_date_from: from,
            next_review_due,
        },
        outcomes,
    )
}

/// One child's checklist, recorded as a view together with `read`, the audit entry of the read
/// it makes (the caller has checked that the read is allowed); returns it with the view's id.
pub async fn view(
    store: &Store,
    policies: &Arc<PolicySet>,
    key: &ChildKey,
    today: NaiveDate,
    options: &Options,
    read: &AuditEntry,
) -> Result<(Checklist, String), ChecklistError> {
    if let Some(policy) = &options.policy
        && policies.policy(policy).is_none()
    {
        return Err(ChecklistError::UnknownPolicy(policy.clone()));
    }
    let current = queries::current(store, key)
        .await?
        .ok_or(ChecklistError::NotFound)?;
    let filter = ChildFilter {
        authorities: Some(vec![key.authority.clone()]),
        child_id: Some(key.child_id.clone()),
        ..Default::default()
    };
    let next_due = queries::list_children(store, &filter, None, 1)
        .await?
        .first()
        .and_then(|c| c.next_review_due);
    let (review_date, from) = match options.review_date {
        Some(date) => (date, "requested"),
        None => default_review_date(next_due, today),
    };
    let value: Value = serde_json::from_str(&current.body).map_err(StoreError::from)?;
    let outcomes = evaluate(policies, vec![(value, review_date)], options.policy.clone())
        .await?
        .remove(0);
    let checklist = arrange(
        policies,
        key,
        &current,
        (review_date, from),
        next_due,
        &outcomes,
    );
    let view_id = views::record(
        store,
        policies,
        &NewView {
            key,
            record_version: current.version,
            as_of: review_date,
            policy: options.policy.as_deref(),
            results_sha256: results_digest(&outcomes),
        },
        read,
    )
    .await?;
    Ok((checklist, view_id))
}

/// One child in an IRO's upcoming reviews.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UpcomingReview {
    pub authority: String,
    pub child_id: String,
    pub first_name: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub next_review_due: NaiveDate,
    /// Whether the review is already late.
    pub overdue: bool,
    /// Days from today to the review due (negative when it is late).
    pub days_until_due: i64,
    /// The date the counts are evaluated as of (the checklist's default review date).
    #[schema(value_type = String, format = Date)]
    pub review_date: NaiveDate,
    /// The checklist's items by status.
    pub counts: BTreeMap<String, u32>,
}

/// The children assigned to `iro` in `authorities` whose next review is due within `days` of
/// `today` (late ones included), soonest first, each with its checklist's counts.
pub async fn upcoming(
    store: &Store,
    policies: &Arc<PolicySet>,
    authorities: Option<Vec<String>>,
    iro: &str,
    today: NaiveDate,
    days: u32,
) -> Result<Vec<UpcomingReview>, ChecklistError> {
    let until = today
        .checked_add_days(Days::new(u64::from(days)))
        .ok_or_else(|| ChecklistError::BadRequest("days is too large".into()))?;
    let filter = ChildFilter {
        authorities,
        iro: Some((iro.to_string(), today)),
        review_due_by: Some(until),
        child_id: None,
    };
    let mut children = Vec::new();
    let mut pages = Pager::new(1000);
    while let Some(page) = pages
        .next(async |after, limit| queries::list_children(store, &filter, after, limit).await)
        .await?
    {
        children.extend(page);
    }
    let mut read = Vec::with_capacity(children.len());
    for child in &children {
        let key = ChildKey::new(&child.authority, &child.child_id);
        let Some(current) = queries::current(store, &key).await? else {
            continue;
        };
        let Some(due) = child.next_review_due else {
            continue;
        };
        read.push((key, current, due));
    }
    let inputs = read
        .iter()
        .map(|(_, current, due)| {
            let value: Value = serde_json::from_str(&current.body).map_err(StoreError::from)?;
            Ok((value, default_review_date(Some(*due), today).0))
        })
        .collect::<Result<Vec<_>, ChecklistError>>()?;
    let evaluated = evaluate(policies, inputs, None).await?;
    let mut out = Vec::with_capacity(read.len());
    for ((key, current, due), outcomes) in read.iter().zip(evaluated) {
        let date = default_review_date(Some(*due), today);
        let checklist = arrange(policies, key, current, date, Some(*due), &outcomes);
        let review_date = date.0;
        out.push(UpcomingReview {
            authority: key.authority.clone(),
            child_id: key.child_id.clone(),
            first_name: checklist.first_name,
            next_review_due: *due,
            overdue: *due < today,
            days_until_due: (*due - today).num_days(),
            review_date,
            counts: checklist.counts,
        });
    }
    out.sort_by(|a, b| {
        (a.next_review_due, &a.authority, &a.child_id).cmp(&(
            b.next_review_due,
            &b.authority,
            &b.child_id,
        ))
    });
    Ok(out)
}
