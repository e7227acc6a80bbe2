//! Policy packs (`policies/*.toml`): which plugins run, with which settings, on which calendar.
//!
//! ```toml
//! name = "statutory"
//! calendar = "calendars/england-and-wales.toml"   # relative to this file
//!
//! [[plugins]]
//! path = "../target/plugins/statutory-review-timeliness.wasm"   # relative to this file
//! policy = "statutory-review-timeliness"   # optional: the id the plugin describes itself by
//! [plugins.settings]
//! first_review_working_days = 20
//!
//! [[plugins]]
//! digest = "sha256:…"   # a plugin uploaded through the API
//! ```
//!
//! A pack that names a missing plugin, has settings its plugin rejects, lists one policy twice, or
//! says a plugin is a policy it is not, refuses to load, with a message naming the plugin and the
//! reason.
//!
//! Naming each plugin's `policy` lets a command that runs no policy (an import, `carecheck load`)
//! find the review intervals it derives due dates with from the pack file alone, without
//! compiling a single plugin; whatever loads the pack to run it checks every name.

use std::path::{Path, PathBuf};

use carecheck_sdk::calendar_file::CalendarFile;
use serde::{Deserialize, Serialize};

/// The pack file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub calendar: PathBuf,
    pub plugins: Vec<PluginEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginEntry {
    /// A `.wasm` component file, relative to the pack.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// `sha256:<hex>` of a plugin kept in the store.
    #[serde(default)]
    pub digest: Option<String>,
    /// The policy id the plugin describes itself by, when the pack names it: checked whenever
    /// the plugin is loaded, and trusted before then only to find the review intervals.
    #[serde(default)]
    pub policy: Option<String>,
    /// Settings passed to the plugin (its defaults apply to anything left out).
    #[serde(default)]
    pub settings: toml::Table,
}

/// Where a plugin's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSource {
    File(PathBuf),
    Stored(String),
}

/// Everything needed to evaluate exactly as a run did, stored in the decision log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PackSnapshot {
    pub name: String,
    pub calendar: CalendarSnapshot,
    pub plugins: Vec<PluginSnapshot>,
    pub look_ahead_days: u32,
    pub limits: crate::config::PluginLimits,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CalendarSnapshot {
    pub name: String,
    pub from: String,
    pub to: String,
    pub days: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PluginSnapshot {
    pub id: String,
    pub version: String,
    pub sha256: String,
    /// Settings as JSON text, exactly as passed to the plugin.
    pub settings: String,
    /// The regulator that published it (absent for the pack's own policies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regulator: Option<String>,
    /// Why it did not run, if it was suspended (every key that signed it revoked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("cannot read the policy pack {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("policy pack {path} is invalid: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("policy pack {pack}, plugin {plugin}: {reason}")]
    Plugin {
        /// The pack file, or the name of the pack a run was made with.
        pack: String,
        plugin: String,
        reason: String,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl CalendarSnapshot {
    /// The calendar as a run records it.
    pub fn of(calendar: &CalendarFile) -> Self {
        Self {
            name: calendar.name.clone(),
            from: calendar.from.to_string(),
            to: calendar.to.to_string(),
            days: calendar.iso_days(),
        }
    }
}

impl PackFile {
    /// The pack's working-day calendar, read from the file it names (relative to the pack at
    /// `path`).
    pub fn calendar_file(&self, path: &Path) -> Result<CalendarFile, PackError> {
        let calendar_path = path.parent().unwrap_or(Path::new(".")).join(&self.calendar);
        let invalid = |reason: String| PackError::Invalid {
            path: path.to_path_buf(),
            reason: format!("calendar {}: {reason}", calendar_path.display()),
        };
        let text = std::fs::read_to_string(&calendar_path).map_err(|e| invalid(e.to_string()))?;
        CalendarFile::parse(&text).map_err(invalid)
    }

    pub fn read(path: &Path) -> Result<Self, PackError> {
        let text = std::fs::read_to_string(path).map_err(|e| PackError::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let pack: PackFile = toml::from_str(&text).map_err(|e| PackError::Invalid {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        if pack.plugins.is_empty() {
            return Err(PackError::Invalid {
                path: path.to_path_buf(),
                reason: "it names no plugins".into(),
            });
        }
        Ok(pack)
    }
}

impl PluginEntry {
    pub fn source(&self, pack_dir: &Path) -> Result<PluginSource, String> {
        match (&self.path, &self.digest) {
            (Some(path), None) => Ok(PluginSource::File(pack_dir.join(path))),
            (None, Some(digest)) => digest
                .strip_prefix("sha256:")
                .filter(|hex| hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()))
                .map(|hex| PluginSource::Stored(hex.to_ascii_lowercase()))
                .ok_or_else(|| {
                    format!("digest {digest:?} must be sha256: followed by 64 hex digits")
                }),
            _ => Err("each plugin needs exactly one of `path` or `digest`".into()),
        }
    }

    /// This entry's problem, in the pack at `pack`.
    pub fn error(&self, pack: &Path, reason: String) -> PackError {
        PackError::Plugin {
            pack: pack.display().to_string(),
            plugin: self.label(),
            reason,
        }
    }

    pub fn label(&self) -> String {
        match (&self.path, &self.digest) {
            (Some(p), _) => p.display().to_string(),
            (_, Some(d)) => d.clone(),
            _ => "(unnamed)".into(),
        }
    }

    /// The settings as JSON text.
    pub fn settings_json(&self) -> String {
        serde_json::to_string(&self.settings).expect("TOML tables serialise to JSON")
    }
}
