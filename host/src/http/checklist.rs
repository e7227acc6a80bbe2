//! The IRO's pre-review checklist and upcoming reviews over HTTP. Each checklist view is audited
//! (by the read check) and recorded compactly in the decision log (`runs::views`).

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::{AppState, ChildPath, checked_id};
use crate::access::audit::{self, Outcome};
use crate::access::{Principal, Role};
use crate::checklist::Checklist;
use crate::checklist::service::{self, Options, UpcomingReview};
use crate::ids::Kind;
use crate::iros::{self, Caseload};
use crate::records;
use crate::store::ChildKey;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/children/{authority}/{child_id}/checklist", get(checklist))
        .route("/iros/{iro}/upcoming", get(upcoming))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChecklistQuery {
    /// The review the checklist prepares for: evaluated as of this date (default: the next
    /// review due, or today when it is late or unknown).
    pub review_date: Option<NaiveDate>,
    /// The same as `review_date` (the name this endpoint had before it was grouped).
    pub as_of: Option<NaiveDate>,
    /// Only this policy.
    pub policy: Option<String>,
}

impl ChecklistQuery {
    pub fn options(self) -> Result<Options, ApiError> {
        if self.review_date.is_some() && self.as_of.is_some() {
            return Err(ApiError::BadRequest(
                "give review_date or as_of, not both (they mean the same)".into(),
            ));
        }
        Ok(Options {
            review_date: self.review_date.or(self.as_of),
            policy: self.policy,
        })
    }
}

/// A checklist as one view of it: its id in the decision log (`carecheck replay VIEW`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChecklistView {
    pub view_id: String,
    #[serde(flatten)]
    pub checklist: Checklist,
}

/// Authorises, reads and records one view of a child's checklist. A refusal is audited at once;
/// an allowed read is audited in the same transaction that records the view, so a view costs
/// one write, and no view is recorded without its audit entry or the other way round.
pub async fn view_checklist(
    state: &AppState,
    principal: &Principal,
    key: &ChildKey,
    options: &Options,
) -> Result<ChecklistView, ApiError> {
    let today = state.today();
    let allowed = records::may_read(&state.store, principal, key, today).await?;
    let outcome = if allowed {
        Outcome::Ok
    } else {
        Outcome::Denied
    };
    let read = principal.actor().entry(
        "checklist",
        Some(&key.authority),
        Some(&key.child_id),
        outcome,
    );
    if !allowed {
        audit::record(&state.store, &[read]).await?;
        return Err(ApiError::NotFound);
    }
    let sets = state.policies.current();
    let policies = sets.for_authority(&key.authority);
    let viewed = service::view(&state.store, policies, key, today, options, &read).await;
    let (checklist, view_id) = match viewed {
        Ok(view) => view,
        Err(e) => {
            // Nothing was recorded: the attempt is still filed.
            audit::record(&state.store, &[read]).await?;
            return Err(e.into());
        }
    };
    Ok(ChecklistView { view_id, checklist })
}

/// The pre-review checklist for one child, grouped for the meeting.
#[utoipa::path(get, path = "/api/v1/children/{authority}/{child_id}/checklist", params(ChecklistQuery),
    responses((status = 200, body = ChecklistView), (status = 404, body = super::error::ErrorBody)),
    security(("bearer" = [])), tag = "checklist")]
pub async fn checklist(
    State(state): State<AppState>,
    principal: Principal,
    ChildPath(key): ChildPath,
    Query(q): Query<ChecklistQuery>,
) -> Result<Json<ChecklistView>, ApiError> {
    let options = q.options()?;
    Ok(Json(
        view_checklist(&state, &principal, &key, &options).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UpcomingQuery {
    /// Reviews due within this many days (default 28, at most 366); late ones are always listed.
    pub days: Option<u32>,
    /// The IRO's authority, when an admin's scope holds more than one with this IRO id.
    pub authority: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Upcoming {
    pub iro_id: String,
    pub authority: String,
    /// From the IRO directory, when the IRO is in it.
    pub name: Option<String>,
    pub days: u32,
    #[schema(value_type = String, format = Date)]
    pub today: NaiveDate,
    pub caseload: Caseload,
    pub reviews: Vec<UpcomingReview>,
}

/// Default and largest look-ahead for upcoming reviews.
pub const DEFAULT_DAYS: u32 = 28;
pub const MAX_DAYS: u32 = 366;

/// An IRO's upcoming reviews, for that IRO or an admin in scope (anyone else is told it does
/// not exist, or may not ask); every child listed is audited.
pub async fn upcoming_for(
    state: &AppState,
    principal: &Principal,
    iro: &str,
    q: &UpcomingQuery,
) -> Result<Upcoming, ApiError> {
    checked_id(Kind::Iro, "the path's IRO id", iro)?;
    if let Some(authority) = &q.authority {
        checked_id(Kind::Authority, "authority", authority)?;
    }
    let days = q.days.unwrap_or(DEFAULT_DAYS);
    if days > MAX_DAYS {
        return Err(ApiError::BadRequest(format!(
            "days must be at most {MAX_DAYS}"
        )));
    }
    let actor = principal.actor();
    let refuse = async |error: ApiError| -> Result<Upcoming, ApiError> {
        let entry = actor.entry("upcoming", q.authority.as_deref(), None, Outcome::Denied);
        audit::record(&state.store, &[entry]).await?;
        Err(error)
    };
    let authorities = match principal.role {
        Role::Iro if principal.iro_id.as_deref() == Some(iro) => principal.authorities.clone(),
        Role::Iro => return refuse(ApiError::NotFound).await,
        Role::Admin => match principal.narrow(q.authority.as_deref()) {
            Ok(a) => a,
            Err(_) => return refuse(ApiError::NotFound).await,
        },
        _ => return refuse(ApiError::Forbidden).await,
    };
    let today = state.today();
    let guide = state.config.iro_caseload;
    let matches: Vec<_> = iros::with_caseloads(&state.store, authorities.as_deref(), today, guide)
        .await?
        .into_iter()
        .filter(|i| i.iro_id == iro)
        .collect();
    let found = match matches.as_slice() {
        [] => return refuse(ApiError::NotFound).await,
        [one] => one.clone(),
        _ => {
            return Err(ApiError::BadRequest(format!(
                "{iro} is an IRO of several authorities in scope: add ?authority=CODE"
            )));
        }
    };
    let sets = state.policies.current();
    let reviews = service::upcoming(
        &state.store,
        sets.for_authority(&found.authority),
        Some(vec![found.authority.clone()]),
        iro,
        today,
        days,
    )
    .await?;
    let mut entries = vec![actor.entry("upcoming", Some(&found.authority), None, Outcome::Ok)];
    entries.extend(reviews.iter().map(|r| {
        actor.entry(
            "upcoming",
            Some(&r.authority),
            Some(&r.child_id),
            Outcome::Ok,
        )
    }));
    audit::record(&state.store, &entries).await?;
    Ok(Upcoming {
        iro_id: iro.to_string(),
        authority: found.authority,
        name: found.name,
        days,
        today,
        caseload: found.caseload,
        reviews,
    })
}

/// An IRO's children with a review due in the next `days` days (and late ones), each with its
/// checklist's counts by status, and the IRO's caseload against the guide.
#[utoipa::path(get, path = "/api/v1/iros/{iro}/upcoming", params(UpcomingQuery),
    responses((status = 200, body = Upcoming), (status = 404, body = super::error::ErrorBody)),
    security(("bearer" = [])), tag = "checklist")]
pub async fn upcoming(
    State(state): State<AppState>,
    principal: Principal,
    Path(iro): Path<String>,
    Query(q): Query<UpcomingQuery>,
) -> Result<Json<Upcoming>, ApiError> {
    Ok(Json(upcoming_for(&state, &principal, &iro, &q).await?))
}
