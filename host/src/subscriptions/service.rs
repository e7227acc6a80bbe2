//! What the API and the command line do with subscriptions and their reports, and who may.
//! Admins manage the subscriptions wholly inside their scope (the command line, run on the
//! server, manages every one). Board tokens may read board reports, inspector tokens board and
//! inspector reports, of the authorities in their scope; anything else answers exactly like a
//! subscription or report that does not exist.

use chrono::{DateTime, Utc};

use super::queries::{self, Report, ReportFile};
use super::{Audience, Offered, Spec, Subscription, SubscriptionError, SubscriptionRequest};
use crate::access::{Principal, Role};
use crate::store::{Store, now};

/// A new subscription, and its webhook secret if it was generated (shown this once).
#[derive(Debug)]
pub struct Created {
    pub subscription: Subscription,
    pub generated_secret: Option<String>,
}

/// Checks and stores a subscription for `principal` (`None`: the command line).
pub async fn create(
    store: &Store,
    request: &SubscriptionRequest,
    offered: Offered<'_>,
    principal: Option<&Principal>,
    created_by: &str,
) -> Result<Created, SubscriptionError> {
    let (name, spec) = super::validate(request, offered).map_err(SubscriptionError::Invalid)?;
    if let Some(p) = principal
        && !spec.authorities.iter().all(|a| p.in_scope(a))
    {
        return Err(SubscriptionError::Forbidden);
    }
    let generated_secret = match (&request.webhook_secret, &spec.webhook) {
        (None, Some(hook)) => Some(hook.secret.clone()),
        _ => None,
    };
    let at = now();
    let subscription = Subscription {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.clone(),
        spec,
        paused: false,
        created_at: at.clone(),
        created_by: created_by.to_string(),
        scheduled_through: at,
    };
    if !queries::insert(store, &subscription).await? {
        return Err(SubscriptionError::NameTaken(name));
    }
    Ok(Created {
        subscription,
        generated_secret,
    })
}

/// A subscription `principal` manages (`None`: the command line), by id or by name.
pub async fn managed(
    store: &Store,
    principal: Option<&Principal>,
    id_or_name: &str,
) -> Result<Subscription, SubscriptionError> {
    let found = match queries::get(store, id_or_name).await? {
        Some(s) => Some(s),
        None => queries::list(store)
            .await?
            .into_iter()
            .find(|s| s.name == id_or_name),
    };
    found
        .filter(|s| principal.is_none_or(|p| s.managed_by(p)))
        .ok_or(SubscriptionError::NotFound)
}

/// The subscriptions `principal` manages, by name.
pub async fn list(
    store: &Store,
    principal: Option<&Principal>,
) -> Result<Vec<Subscription>, SubscriptionError> {
    Ok(queries::list(store)
        .await?
        .into_iter()
        .filter(|s| principal.is_none_or(|p| s.managed_by(p)))
        .collect())
}

pub async fn set_paused(
    store: &Store,
    principal: Option<&Principal>,
    id: &str,
    paused: bool,
) -> Result<Subscription, SubscriptionError> {
    let sub = managed(store, principal, id).await?;
    queries::set_paused(store, &sub.id, paused).await?;
    managed(store, principal, &sub.id).await
}

pub async fn delete(
    store: &Store,
    principal: Option<&Principal>,
    id: &str,
) -> Result<(), SubscriptionError> {
    let sub = managed(store, principal, id).await?;
    queries::delete(store, &sub.id).await?;
    Ok(())
}

/// Asks for a report now (it is rendered and delivered by the scheduler, or at once by the
/// command line); returns the report's id.
pub async fn run_now(
    store: &Store,
    principal: Option<&Principal>,
    id: &str,
    at: DateTime<Utc>,
) -> Result<String, SubscriptionError> {
    let sub = managed(store, principal, id).await?;
    Ok(queries::claim_now(store, &sub, at).await?)
}

/// Whether `principal` may read a report made for `spec`.
pub fn may_read(principal: &Principal, spec: &Spec) -> bool {
    let in_scope = spec.authorities.iter().all(|a| principal.in_scope(a));
    in_scope
        && match principal.role {
            Role::Admin => true,
            Role::Board => spec.audience.is_board(),
            Role::Inspector => spec.audience.is_board() || spec.audience == Audience::Inspector,
            _ => false,
        }
}

/// Rendered reports `principal` may read, newest first.
pub async fn readable_reports(
    store: &Store,
    principal: &Principal,
    limit: i64,
) -> Result<Vec<(Report, Spec)>, SubscriptionError> {
    Ok(queries::rendered_reports(store, limit.clamp(1, 1000) * 4)
        .await?
        .into_iter()
        .filter(|(_, spec)| may_read(principal, spec))
        .take(limit as usize)
        .collect())
}

/// A rendered report `principal` may read, with its subscription's spec.
pub async fn readable_report(
    store: &Store,
    principal: &Principal,
    report_id: &str,
) -> Result<(Report, Spec), SubscriptionError> {
    let report = queries::report(store, report_id)
        .await?
        .filter(|r| r.state == "rendered")
        .ok_or(SubscriptionError::NotFound)?;
    let sub = queries::get(store, &report.subscription_id)
        .await?
        .ok_or(SubscriptionError::NotFound)?;
    if may_read(principal, &sub.spec) {
        Ok((report, sub.spec))
    } else {
        Err(SubscriptionError::NotFound)
    }
}

/// One stored file of a report `principal` may read.
pub async fn readable_file(
    store: &Store,
    principal: &Principal,
    report_id: &str,
    name: &str,
) -> Result<ReportFile, SubscriptionError> {
    readable_report(store, principal, report_id).await?;
    queries::files(store, report_id)
        .await?
        .into_iter()
        .find(|f| f.name == name)
        .ok_or(SubscriptionError::NotFound)
}
