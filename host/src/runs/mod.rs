//! Evaluation runs and the decision log.
//!
//! A run evaluates the current records in scope with the loaded policy set and stores, before
//! anything else, what it ran with ([`RunSpec`]: the evaluation date, each plugin's id, version,
//! sha256 and settings, the calendar and the engine). Then, per child, the record version it read
//! and every outcome with the fuel used ([`log`]). [`replay`] rebuilds the same plugins from
//! their stored bytes, re-reads the same record versions and reports any difference, so any
//! verdict can be reproduced. An IRO's checklist, `POST /runs`, `carecheck check`, the demo and
//! replay all go through the one [`engine`].

pub mod engine;
pub mod log;
pub mod replay;
pub mod results;
pub mod retention;
pub mod shared;
pub mod views;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::access::{Principal, Role};
use crate::plugins::PolicyOutcome;
use crate::plugins::pack::{PackError, PackSnapshot, PluginSnapshot};
use crate::store::{ChildKey, Keyed, Store, StoreError};

pub use engine::run;
pub use replay::{ReplayReport, replay};
pub use results::{ResultRow, Row, each_row, rows};

/// Why a run, a replay or a look-up of one did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no policy {0:?} is loaded")]
    UnknownPolicy(String),
    /// No such run, or one the caller may not see.
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Pack(#[from] PackError),
    #[error("the evaluation workers failed: {0}")]
    Workers(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Engine(#[from] anyhow::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a run evaluated with, stored with it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunSpec {
    pub pack: PackSnapshot,
    /// The regulators' plugins each covered authority ran besides the pack's (each with its
    /// version, digest, settings and regulator, or why it was suspended).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub enabled: BTreeMap<String, Vec<PluginSnapshot>>,
    /// Only this policy, if the run was limited to one.
    pub policy: Option<String>,
    /// The authorities covered (`None`: all).
    #[serde(default)]
    pub authorities: Option<Vec<String>>,
    /// The one child evaluated (authority, child id), for a checklist run.
    #[serde(default)]
    pub child: Option<(String, String)>,
}

impl RunSpec {
    /// The authorities whose children the run read (`None`: every authority). A checklist run
    /// names none but read its one child's authority.
    pub fn covered_authorities(&self) -> Option<Vec<String>> {
        match (&self.authorities, &self.child) {
            (Some(authorities), _) => Some(authorities.clone()),
            (None, Some((authority, _))) => Some(vec![authority.clone()]),
            (None, None) => None,
        }
    }

    /// Whether the run evaluated every child of `authorities` (`None`: of every authority)
    /// with every policy: only such runs stand for an authority in reports.
    pub fn covers(&self, authorities: Option<&[String]>) -> bool {
        self.child.is_none()
            && self.policy.is_none()
            && match (&self.authorities, authorities) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(run), Some(wanted)) => wanted.iter().all(|a| run.contains(a)),
            }
    }
}

/// Which records a run covers.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub authorities: Option<Vec<String>>,
    pub child: Option<ChildKey>,
    pub policy: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunSummary {
    pub run_id: String,
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub children: i64,
    pub results: i64,
    pub errors: i64,
}

impl RunSummary {
    pub(crate) fn empty(run_id: &str, as_of: NaiveDate) -> Self {
        Self {
            run_id: run_id.to_string(),
            as_of,
            children: 0,
            results: 0,
            errors: 0,
        }
    }

    /// Counts evaluated children in.
    pub(crate) fn add(&mut self, children: &[RunChild]) {
        for child in children {
            self.children += 1;
            self.results += child
                .outcomes
                .iter()
                .map(|o| o.results.len() as i64)
                .sum::<i64>();
            self.errors += child.outcomes.iter().filter(|o| o.error.is_some()).count() as i64;
        }
    }
}

/// A run as logged.
#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    pub as_of: NaiveDate,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub engine: String,
    pub spec: RunSpec,
    pub triggered_by: String,
    pub children: i64,
    pub results: i64,
    pub errors: i64,
}

impl Run {
    pub fn summary(&self) -> RunSummary {
        RunSummary {
            run_id: self.id.clone(),
            as_of: self.as_of,
            children: self.children,
            results: self.results,
            errors: self.errors,
        }
    }
}

/// One child of a run: the record version read and what every policy said.
#[derive(Debug, Clone)]
pub struct RunChild {
    pub key: ChildKey,
    pub record_version: i64,
    pub outcomes: Vec<PolicyOutcome>,
    /// The chunk (or page) it was evaluated in, whose children formed its batches; none in
    /// runs logged before chunks were kept.
    pub chunk: Option<i64>,
}

impl Keyed for RunChild {
    fn key(&self) -> ChildKey {
        self.key.clone()
    }
}

/// A run the caller may see: never a one-child checklist run unless the caller is an admin, and
/// never a run limited to authorities outside the caller's scope (a run over every authority is
/// visible, and its results and reports are filtered to the caller's scope). Otherwise
/// [`RunError::NotFound`], exactly as for a run that does not exist.
pub async fn visible(store: &Store, principal: &Principal, run_id: &str) -> Result<Run, RunError> {
    let run = log::get(store, run_id).await?.ok_or(RunError::NotFound)?;
    let in_scope = match (&principal.authorities, run.spec.covered_authorities()) {
        (None, _) | (Some(_), None) => true,
        (Some(mine), Some(run)) => run.iter().all(|a| mine.contains(a)),
    };
    let allowed = match principal.role {
        Role::Admin => in_scope,
        _ => in_scope && run.spec.child.is_none(),
    };
    if allowed {
        Ok(run)
    } else {
        Err(RunError::NotFound)
    }
}

/// The newest run that evaluated every child in `authorities` with every policy (a one-child
/// checklist or a one-policy run never stands for an authority).
pub async fn latest_covering(
    store: &Store,
    authorities: Option<&[String]>,
) -> Result<Option<Run>, StoreError> {
    Ok(log::recent_complete(store, 500)
        .await?
        .into_iter()
        .find(|run| run.spec.covers(authorities)))
}
