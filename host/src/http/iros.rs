//! The IRO directory over HTTP, for admins in scope: list IROs with their caseloads, add or
//! change one. An admin of another authority is answered as if the IRO did not exist.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;

use super::error::ApiError;
use super::{AppState, checked_id};
use crate::access::audit::{self, Outcome};
use crate::access::{Principal, Role};
use crate::ids::Kind;
use crate::iros::{self, Iro, IroWithCaseload};
use crate::records::strict_json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/iros", get(list_iros))
        .route("/iros/{iro}", put(put_iro))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IroListQuery {
    /// Only this authority.
    pub authority: Option<String>,
}

/// The IROs in the caller's scope, with the directory's details where it has them, and each
/// one's caseload against the guide (50-70 per full-time IRO, scaled by working hours).
pub async fn iros_in_scope(
    state: &AppState,
    principal: &Principal,
    authority: Option<&str>,
) -> Result<Vec<IroWithCaseload>, ApiError> {
    principal.require(&[Role::Admin])?;
    if let Some(authority) = authority {
        checked_id(Kind::Authority, "authority", authority)?;
    }
    let authorities = principal.narrow(authority)?;
    let list = iros::with_caseloads(
        &state.store,
        authorities.as_deref(),
        state.today(),
        state.config.iro_caseload,
    )
    .await?;
    let entry = principal
        .actor()
        .entry("list_iros", authority, None, Outcome::Ok);
    audit::record(&state.store, &[entry]).await?;
    Ok(list)
}

#[utoipa::path(get, path = "/api/v1/iros", params(IroListQuery),
    responses((status = 200, body = [IroWithCaseload])), security(("bearer" = [])), tag = "iros")]
pub async fn list_iros(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<IroListQuery>,
) -> Result<Json<Vec<IroWithCaseload>>, ApiError> {
    Ok(Json(
        iros_in_scope(&state, &principal, q.authority.as_deref()).await?,
    ))
}

/// Adds or replaces an IRO's entry: `{"authority", "name", "email", "working_hours"}`
/// (`authority` may be left out by an admin of one authority). Every problem is a `422` with
/// its JSON pointer.
#[utoipa::path(put, path = "/api/v1/iros/{iro}",
    request_body(content = Object, description = "authority, name, email, working_hours (fraction of full time)"),
    responses((status = 200, body = Iro), (status = 201, body = Iro), (status = 422, body = super::error::ErrorBody)),
    security(("bearer" = [])), tag = "iros")]
pub async fn put_iro(
    State(state): State<AppState>,
    principal: Principal,
    Path(iro): Path<String>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Iro>), ApiError> {
    principal.require(&[Role::Admin])?;
    checked_id(Kind::Iro, "the path's IRO id", &iro)?;
    let value = strict_json::parse(&body).map_err(|problem| ApiError::Invalid(vec![problem]))?;
    let single = match principal.authorities.as_deref() {
        Some([one]) => Some(one.as_str()),
        _ => None,
    };
    let fields = iros::parse_fields(&value, single).map_err(ApiError::Invalid)?;
    let actor = principal.actor();
    if !principal.in_scope(&fields.authority) {
        let entry = actor.entry("iro_set", Some(&fields.authority), None, Outcome::Denied);
        audit::record(&state.store, &[entry]).await?;
        return Err(ApiError::NotFound);
    }
    let (iro, created) = iros::set(&state.store, &iro, &fields, &actor).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(iro)))
}
