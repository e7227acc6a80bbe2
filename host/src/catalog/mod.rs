//! The regulators' plugin catalog: what regulators publish, and where it runs.
//!
//! - **Publishing** ([`upload`]): a regulator token sends a component and a detached signature.
//!   The signature is checked first, against the current keys of the token's regulator, so no
//!   unsigned byte is ever parsed; then the component is vetted ([`vet`]) and kept. `id@version`
//!   is immutable: the same bytes again are a no-op (a new current key's signature is added),
//!   other bytes under a published version are refused, and a policy id belongs to the
//!   regulator that first published it (never to a pack policy).
//! - **Enabling** ([`enable`], [`disable`]): an admin pins one version of a policy for an
//!   authority, with settings the plugin itself validates, and may move it to any other
//!   published version (a rollback is enabling the earlier one). Every change is audited and
//!   raises the plugin generation in the same transaction.
//! - **Running** ([`live`]): each replica rebuilds its per-authority policy sets when the
//!   generation moves. A version every signing key of which has been revoked is suspended: it
//!   is never loaded, and each evaluation of it says why, in the checklist and the decision log.

pub mod live;
mod versions;
pub mod vet;

use std::collections::BTreeMap;

use carecheck_sdk::outcome::Metadata;
use serde::Serialize;
use serde_json::Value;

use crate::access::audit::{self, Actor, Outcome};
use crate::ids::{self, Kind};
use crate::plugins::sets::LivePolicies;
use crate::plugins::{generation, stored};
use crate::problem::Problem;
use crate::regulators::{self, KeyInfo, SignatureError};
use crate::store::{Store, StoreError, now};
pub use vet::DryRun;

/// A published version of a regulator's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Version {
    pub policy_id: String,
    pub version: String,
    pub sha256: String,
    pub regulator: String,
    pub published_at: String,
    pub published_by: String,
    /// The keys whose signatures vouch for these bytes.
    pub signed_by: Vec<String>,
    #[schema(value_type = Object)]
    pub metadata: Metadata,
}

/// A version enabled for an authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Enablement {
    pub authority: String,
    pub policy_id: String,
    pub version: String,
    pub sha256: String,
    pub regulator: String,
    #[schema(value_type = Object)]
    pub settings: Value,
    pub enabled_at: String,
    pub enabled_by: String,
    /// Why it does not run, when every key that signed it has been revoked.
    pub suspended: Option<String>,
}

/// What an upload did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Published {
    /// `false` when these exact bytes were already published: nothing changed.
    pub created: bool,
    /// Reference for the pack file: `sha256:<hex>`.
    pub digest: String,
    #[serde(flatten)]
    pub version: Version,
    /// The dry run this upload passed (absent for a re-upload).
    pub dry_run: Option<DryRun>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// What is wrong with the upload or request, each problem located.
    #[error("{summary}")]
    Invalid {
        summary: String,
        problems: Vec<Problem>,
    },
    /// A published version, or a policy id, that these bytes or this regulator may not take.
    #[error("{0}")]
    Conflict(String),
    #[error("{0} is not published")]
    NoSuchVersion(String),
    #[error("policy {policy} is not enabled for {authority}")]
    NotEnabled { authority: String, policy: String },
    #[error("vetting the plugin failed: {0}")]
    Worker(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CatalogError {
    fn from(e: sqlx::Error) -> Self {
        CatalogError::Store(e.into())
    }
}

fn invalid(summary: &str, problems: Vec<Problem>) -> CatalogError {
    CatalogError::Invalid {
        summary: summary.into(),
        problems,
    }
}

impl From<SignatureError> for CatalogError {
    fn from(e: SignatureError) -> Self {
        invalid(
            "the plugin was refused: its signature does not check out",
            vec![Problem::new("/signature", e.to_string())],
        )
    }
}

/// An upload as received.
pub struct Upload<'a> {
    pub regulator: &'a str,
    pub component: Vec<u8>,
    pub signature: Option<Vec<u8>>,
}

/// Publishes a regulator's plugin: signature, then vetting, then the version kept with its
/// signature. Every attempt is audited (`upload_plugin`: created, unchanged or denied).
pub async fn upload(
    store: &Store,
    live: &LivePolicies,
    dry_run_children: u64,
    upload: Upload<'_>,
    actor: &Actor,
) -> Result<Published, CatalogError> {
    let sha256 = carecheck_precompiled::sha256_hex(&upload.component);
    let result = publish(store, live, dry_run_children, &upload, &sha256, actor).await;
    let (outcome, detail) = match &result {
        Ok(p) if p.created => (Outcome::Created, label(&p.version)),
        Ok(p) => (Outcome::Unchanged, label(&p.version)),
        Err(CatalogError::Invalid { summary, problems }) => {
            let first = problems
                .first()
                .map(|p| format!(": {} {}", p.path, p.message))
                .unwrap_or_default();
            (
                Outcome::Denied,
                format!("sha256 {sha256}: {summary}{first}"),
            )
        }
        Err(e) => (Outcome::Denied, format!("sha256 {sha256}: {e}")),
    };
    let entry = actor
        .entry("upload_plugin", None, None, outcome)
        .with_detail(detail);
    audit::record(store, &[entry]).await?;
    result
}

fn label(v: &Version) -> String {
    format!("{}@{} sha256 {}", v.policy_id, v.version, v.sha256)
}

async fn publish(
    store: &Store,
    live: &LivePolicies,
    dry_run_children: u64,
    upload: &Upload<'_>,
    sha256: &str,
    actor: &Actor,
) -> Result<Published, CatalogError> {
    let (key, signature) = regulators::verify_upload(
        store,
        upload.regulator,
        &upload.component,
        upload.signature.as_deref(),
    )
    .await??;
    if let Some(existing) = versions::by_sha(store, sha256).await? {
        if existing.regulator != upload.regulator {
            return Err(CatalogError::Conflict(format!(
                "these bytes are already published as {}@{} by regulator {:?}",
                existing.policy_id, existing.version, existing.regulator
            )));
        }
        let mut tx = store.begin_write().await?;
        if versions::add_signature(&mut tx, sha256, &key.id, &signature).await? {
            // A signature by a current key brings a suspended version back.
            generation::bump(&mut tx).await?;
        }
        tx.commit().await?;
        return Ok(Published {
            created: false,
            digest: format!("sha256:{sha256}"),
            version: with_signers(store, existing).await?,
            dry_run: None,
        });
    }
    let pack = live.base();
    let vetted = {
        let pack = pack.clone();
        let wasm = upload.component.clone();
        let today = chrono::Utc::now().date_naive();
        tokio::task::spawn_blocking(move || vet::vet(&pack, &wasm, dry_run_children, today))
            .await?
            .map_err(|problems| invalid("the plugin was refused", problems))?
    };
    let metadata = (*vetted.plugin.metadata).clone();
    let id = metadata.id.clone();
    if pack.has(&id) {
        return Err(CatalogError::Conflict(format!(
            "policy id {id:?} is one of the policy pack's own: choose another id"
        )));
    }
    if let Some(owner) = versions::owner(store, &id).await?
        && owner != upload.regulator
    {
        return Err(CatalogError::Conflict(format!(
            "policy id {id:?} is published by regulator {owner:?}: choose another id"
        )));
    }
    if let Some(taken) = versions::get(store, &id, &metadata.version).await? {
        return Err(version_taken(&taken));
    }
    let version = Version {
        policy_id: id,
        version: metadata.version.clone(),
        sha256: sha256.to_string(),
        regulator: upload.regulator.to_string(),
        published_at: now(),
        published_by: actor.id.clone(),
        signed_by: vec![key.id.clone()],
        metadata,
    };
    let mut tx = store.begin_write().await?;
    stored::keep_in(&mut tx, &vetted.plugin, &upload.component, &actor.id).await?;
    if let Err(e) = versions::insert(&mut tx, &version).await {
        // Another upload of the same version may have won the race: say which bytes it holds.
        drop(tx);
        if let Some(taken) = versions::get(store, &version.policy_id, &version.version).await? {
            return Err(version_taken(&taken));
        }
        return Err(e.into());
    }
    versions::add_signature(&mut tx, sha256, &key.id, &signature).await?;
    tx.commit().await?;
    Ok(Published {
        created: true,
        digest: format!("sha256:{sha256}"),
        version,
        dry_run: Some(vetted.dry_run),
    })
}

fn version_taken(taken: &Version) -> CatalogError {
    CatalogError::Conflict(format!(
        "{}@{} is already published with other bytes (sha256 {}): a published version never changes; publish a new version",
        taken.policy_id, taken.version, taken.sha256
    ))
}

/// The version with the keys that signed it.
async fn with_signers(store: &Store, mut version: Version) -> Result<Version, StoreError> {
    version.signed_by = versions::signatures(store)
        .await?
        .into_iter()
        .filter(|(sha, _)| *sha == version.sha256)
        .map(|(_, key)| key)
        .collect();
    Ok(version)
}

/// Every published version (a regulator's own only, when named), with its signers.
pub async fn list(store: &Store, regulator: Option<&str>) -> Result<Vec<Version>, StoreError> {
    let signatures = versions::signatures(store).await?;
    let mut list = versions::list(store, regulator).await?;
    for version in &mut list {
        version.signed_by = signatures
            .iter()
            .filter(|(sha, _)| *sha == version.sha256)
            .map(|(_, key)| key.clone())
            .collect();
    }
    Ok(list)
}

/// Why a version must not run, if every key that signed it has been revoked.
fn suspension(sha256: &str, signatures: &[(String, String)], keys: &[KeyInfo]) -> Option<String> {
    let signers: Vec<&KeyInfo> = signatures
        .iter()
        .filter(|(sha, _)| sha == sha256)
        .filter_map(|(_, id)| keys.iter().find(|k| k.id == *id))
        .collect();
    if signers.iter().any(|k| k.revoked_at.is_none()) {
        return None;
    }
    let revoked: Vec<String> = signers
        .iter()
        .map(|k| {
            format!(
                "key {} of regulator {} revoked at {}",
                k.id,
                k.regulator,
                k.revoked_at.as_deref().unwrap_or("?")
            )
        })
        .collect();
    Some(format!(
        "suspended: every key that signed it has been revoked ({})",
        revoked.join("; ")
    ))
}

/// The enablements of `authorities` (all when `None`), each saying whether it is suspended.
pub async fn enablements(
    store: &Store,
    authorities: Option<&[String]>,
) -> Result<Vec<Enablement>, StoreError> {
    let signatures = versions::signatures(store).await?;
    let keys = regulators::all_keys(store).await?;
    let mut list = versions::enablements(store, authorities).await?;
    for e in &mut list {
        e.suspended = suspension(&e.sha256, &signatures, &keys);
    }
    Ok(list)
}

/// Enables `policy_id@version` for `authority` with `settings` (a JSON object, validated by the
/// plugin itself), replacing any other version of the policy there. Audited (`enable_plugin`)
/// and raising the plugin generation in one transaction; this replica's sets are rebuilt at once.
pub async fn enable(
    store: &Store,
    live: &LivePolicies,
    authority: &str,
    policy_id: &str,
    version: &str,
    settings: &Value,
    actor: &Actor,
) -> Result<Enablement, CatalogError> {
    ids::check(Kind::Authority, authority).map_err(|why| {
        invalid(
            "the authority is not valid",
            vec![Problem::new("/authority", why)],
        )
    })?;
    let published = versions::get(store, policy_id, version)
        .await?
        .ok_or_else(|| CatalogError::NoSuchVersion(format!("{policy_id}@{version}")))?;
    let signatures = versions::signatures(store).await?;
    let keys = regulators::all_keys(store).await?;
    if let Some(reason) = suspension(&published.sha256, &signatures, &keys) {
        return Err(CatalogError::Conflict(format!(
            "{policy_id}@{version} cannot be enabled: it is {reason}"
        )));
    }
    if !settings.is_object() {
        return Err(invalid(
            "the settings are not valid",
            vec![Problem::new("/settings", "settings must be a JSON object")],
        ));
    }
    let settings_text = settings.to_string();
    let wasm = stored::wasm(store, &published.sha256)
        .await?
        .ok_or_else(|| {
            StoreError::Corrupt(format!("the bytes of {policy_id}@{version} are missing"))
        })?;
    let runtime = live.base().runtime().clone();
    let checked = {
        let settings_text = settings_text.clone();
        tokio::task::spawn_blocking(move || {
            let plugin = runtime.load(&wasm).map_err(|e| e.to_string())?;
            runtime.validate_settings(&plugin, &settings_text)
        })
        .await?
    };
    if let Err(why) = checked {
        return Err(invalid(
            "the plugin rejects these settings",
            vec![Problem::new("/settings", why)],
        ));
    }
    let mut tx = store.begin_write().await?;
    let previous = versions::upsert_enablement(
        &mut tx,
        authority,
        policy_id,
        version,
        &settings_text,
        &actor.id,
    )
    .await?;
    generation::bump(&mut tx).await?;
    let (outcome, detail) = match previous {
        Some(before) => (
            Outcome::Updated,
            format!("{policy_id}@{version} (was {before}) settings {settings_text}"),
        ),
        None => (
            Outcome::Created,
            format!("{policy_id}@{version} settings {settings_text}"),
        ),
    };
    let entry = actor
        .entry("enable_plugin", Some(authority), None, outcome)
        .with_detail(detail);
    audit::insert(&mut tx, &[entry]).await?;
    tx.commit().await?;
    live::refresh(store, live).await?;
    let authorities = [authority.to_string()];
    enablements(store, Some(&authorities))
        .await?
        .into_iter()
        .find(|e| e.policy_id == policy_id)
        .ok_or_else(|| StoreError::Corrupt("an enablement just made is missing".into()).into())
}

/// Stops `policy_id` running for `authority`. Audited (`disable_plugin`) and raising the plugin
/// generation in one transaction; this replica's sets are rebuilt at once.
pub async fn disable(
    store: &Store,
    live: &LivePolicies,
    authority: &str,
    policy_id: &str,
    actor: &Actor,
) -> Result<(), CatalogError> {
    let mut tx = store.begin_write().await?;
    let Some(version) = versions::delete_enablement(&mut tx, authority, policy_id).await? else {
        return Err(CatalogError::NotEnabled {
            authority: authority.to_string(),
            policy: policy_id.to_string(),
        });
    };
    generation::bump(&mut tx).await?;
    let entry = actor
        .entry("disable_plugin", Some(authority), None, Outcome::Updated)
        .with_detail(format!("{policy_id}@{version}"));
    audit::insert(&mut tx, &[entry]).await?;
    tx.commit().await?;
    live::refresh(store, live).await?;
    Ok(())
}

/// The regulators' plugins each authority runs, as the policy sets take them: settings as JSON
/// text, and a suspended version with its reason.
pub(crate) async fn enabled_snapshots(
    store: &Store,
) -> Result<BTreeMap<String, Vec<crate::plugins::pack::PluginSnapshot>>, StoreError> {
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for e in enablements(store, None).await? {
        out.entry(e.authority.clone())
            .or_default()
            .push(crate::plugins::pack::PluginSnapshot {
                id: e.policy_id,
                version: e.version,
                sha256: e.sha256,
                settings: e.settings.to_string(),
                regulator: Some(e.regulator),
                suspended: e.suspended,
            });
    }
    Ok(out)
}
