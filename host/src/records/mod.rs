//! Care records: validation ([`validate`]), the one write path ([`write`]), reads and listings
//! ([`queries`]), and who may read a child's record.
//!
//! Every read or write of a child's record is audited (who, what, when, from where), including
//! refused ones; a caller who may not see a child gets the same answer as for a child that does
//! not exist.

pub mod queries;
pub mod strict_json;
pub mod validate;
pub mod write;

use carecheck_sdk::dates::Calendar;
use carecheck_sdk::reviews::Intervals;
use chrono::NaiveDate;
use serde::Serialize;

use crate::access::audit::{self, Outcome};
use crate::access::{Principal, Role};
use crate::problem::Problem;
use crate::store::{ChildKey, Keyed, Store, StoreError};

pub use write::{Checked, PreparedBatch, Submission, Writer};

/// Why a records operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// No such child, or one the caller may not see (the two are indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    #[error("this token may not do that")]
    Forbidden,
    #[error("the record is not valid")]
    Invalid(Vec<Problem>),
    #[error("{0}")]
    Conflict(String),
    /// The writer's `If-Match` names a version that is no longer the current one.
    #[error("{}, not the version {wanted} this write was based on; read it again and reapply the change", match current {
        Some(version) => format!("the record is at version {version}"),
        None => "there is no such record yet".to_string(),
    })]
    Stale { wanted: i64, current: Option<i64> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RecordError {
    fn from(e: sqlx::Error) -> Self {
        RecordError::Store(e.into())
    }
}

/// What deriving a child's next review date needs: the pack's calendar and the review intervals
/// the pack's `statutory-review-timeliness` policy uses, so listings agree with its verdicts.
#[derive(Debug, Clone)]
pub struct DueDates {
    pub calendar: Calendar,
    pub intervals: Intervals,
}

impl DueDates {
    /// A warning when the calendar ends within a year of `today`: past its end, no working-day
    /// deadline can be counted and checks answer `insufficient_data`.
    pub fn calendar_warning(&self, today: chrono::NaiveDate) -> Option<String> {
        let ends = self.calendar.to();
        (ends < today + chrono::Days::new(365)).then(|| {
            format!(
                "the bank-holiday calendar ends on {ends}, within a year: extend it (policies/calendars/) before deadlines run past it"
            )
        })
    }
}

/// A stored version of a child's record.
#[derive(Debug, Clone, Serialize)]
pub struct StoredVersion {
    pub version: i64,
    pub written_at: String,
    pub written_by: String,
    pub source: String,
    #[serde(skip)]
    pub body: String,
}

/// A child's current record, as a run reads it.
#[derive(Debug, Clone)]
pub struct CurrentRecord {
    pub key: ChildKey,
    pub version: i64,
    pub body: String,
}

impl Keyed for CurrentRecord {
    fn key(&self) -> ChildKey {
        self.key.clone()
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteOutcome {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Written {
    pub authority: String,
    pub child_id: String,
    pub version: i64,
    pub outcome: WriteOutcome,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ChildSummary {
    pub authority: String,
    pub child_id: String,
    pub current_version: i64,
    #[schema(value_type = Option<String>, format = Date)]
    pub next_review_due: Option<NaiveDate>,
    pub updated_at: String,
}

impl Keyed for ChildSummary {
    fn key(&self) -> ChildKey {
        ChildKey::new(&self.authority, &self.child_id)
    }
}

/// Which children a listing returns.
#[derive(Debug, Clone, Default)]
pub struct ChildFilter {
    /// Only these authorities (`None`: all).
    pub authorities: Option<Vec<String>>,
    /// Only children assigned to this IRO on this date.
    pub iro: Option<(String, NaiveDate)>,
    /// Only children whose next review is due on or before this date.
    pub review_due_by: Option<NaiveDate>,
    /// Only children with this id (in any authority in scope).
    pub child_id: Option<String>,
}

/// Whether the caller may read this child's record (admin or inspector in scope, or the child's
/// current IRO). Not audited: a caller that reads on a `true` must file the read itself, as
/// [`authorize_read`] does (or commit it with what the read produced, as a checklist view does).
pub async fn may_read(
    store: &Store,
    principal: &Principal,
    key: &ChildKey,
    today: NaiveDate,
) -> Result<bool, StoreError> {
    Ok(match principal.role {
        Role::Admin | Role::Inspector => principal.in_scope(&key.authority),
        Role::Iro => match &principal.iro_id {
            Some(iro) => {
                principal.in_scope(&key.authority)
                    && queries::is_assigned(store, key, iro, today).await?
            }
            None => false,
        },
        Role::Board | Role::Regulator => false,
    })
}

/// Checks read access and audits the attempt as `action`; a refusal is [`RecordError::NotFound`],
/// exactly like a missing child.
pub async fn authorize_read(
    store: &Store,
    principal: &Principal,
    action: &'static str,
    key: &ChildKey,
    today: NaiveDate,
) -> Result<(), RecordError> {
    let allowed = may_read(store, principal, key, today).await?;
    let outcome = if allowed {
        Outcome::Ok
    } else {
        Outcome::Denied
    };
    let entry = principal
        .actor()
        .entry(action, Some(&key.authority), Some(&key.child_id), outcome);
    audit::record(store, &[entry]).await?;
    if allowed {
        Ok(())
    } else {
        Err(RecordError::NotFound)
    }
}

/// Checks that the caller may write this child's record (an admin in scope); a refusal is
/// audited and answered [`RecordError::Forbidden`].
pub async fn authorize_write(
    store: &Store,
    principal: &Principal,
    key: &ChildKey,
) -> Result<(), RecordError> {
    if principal.role == Role::Admin && principal.in_scope(&key.authority) {
        return Ok(());
    }
    let refused = principal.actor().entry(
        "write_record",
        Some(&key.authority),
        Some(&key.child_id),
        Outcome::Denied,
    );
    audit::record(store, &[refused]).await?;
    Err(RecordError::Forbidden)
}
