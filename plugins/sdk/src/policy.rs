//! The policy trait and the work every policy would otherwise repeat: turning its typed settings
//! into a JSON Schema, parsing and bound-checking settings, and parsing the record before the
//! policy sees it. The wasm guest glue ([`crate::export_policy!`]), the native benchmark and the
//! policy tests all go through these functions, so a policy behaves the same in all three.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;

use crate::outcome::{CheckInfo, CheckResult, Context, Metadata};
use crate::settings::{self, Settings};

/// A policy: a description of itself and one pure evaluation. Everything between the JSON text
/// the host sends and these typed values is the SDK's ([`describe`], [`validate_settings`],
/// [`evaluate_json`]).
pub trait Policy {
    /// What the policy reads: [`crate::CareRecord`] for every real policy, trimmed by the host to
    /// the fields in [`About::reads`].
    type Record: DeserializeOwned;

    /// The policy's settings, parsed and bound-checked ([`Settings::check`]) before `evaluate`
    /// sees them; their JSON Schema becomes [`Metadata::settings_schema`].
    type Settings: Settings;

    /// Describes the policy. The SDK adds the settings' schema to make the [`Metadata`] the host
    /// receives.
    fn about() -> About;

    /// Evaluates one child's record with valid settings.
    fn evaluate(
        context: &Context,
        record: &Self::Record,
        settings: &Self::Settings,
    ) -> Vec<CheckResult>;
}

/// What a policy says about itself: [`Metadata`] without the settings schema, which the SDK
/// derives from [`Policy::Settings`] so it can never disagree with the settings the policy parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct About {
    /// Lower-case letters, digits and dashes.
    pub id: &'static str,
    pub version: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub author: &'static str,
    pub citations: &'static [&'static str],
    pub checks: Vec<CheckInfo>,
    /// JSON pointers of the record fields the policy reads (`*` matches any array element).
    pub reads: &'static [&'static str],
    pub effective_from: NaiveDate,
}

impl About {
    /// The metadata the host receives: this, with the JSON Schema of the policy's settings.
    pub fn with_settings_schema(self, settings_schema: String) -> Metadata {
        let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        Metadata {
            id: self.id.into(),
            version: self.version.into(),
            title: self.title.into(),
            description: self.description.into(),
            author: self.author.into(),
            citations: strings(self.citations),
            checks: self.checks,
            reads: strings(self.reads),
            settings_schema,
            effective_from: self.effective_from,
        }
    }
}

/// The policy's metadata, `settings_schema` included, as `describe` answers it.
pub fn describe<P: Policy>() -> Metadata {
    P::about().with_settings_schema(settings::schema::<P::Settings>())
}

/// Rejects settings (JSON text; empty text means the defaults) that do not parse or that loosen
/// a statutory figure.
pub fn validate_settings<P: Policy>(settings: &str) -> Result<(), String> {
    settings::parse::<P::Settings>(settings).map(|_| ())
}

/// Evaluates one record given as JSON text, with the settings in `context`: what `evaluate`
/// answers, and the native baseline the benchmark measures it against.
pub fn evaluate_json<P: Policy>(
    context: &Context,
    record: &str,
) -> Result<Vec<CheckResult>, String> {
    let settings = settings::parse::<P::Settings>(&context.settings)?;
    evaluate_record::<P>(context, &settings, record)
}

/// Evaluates one record given as JSON text with settings already parsed: what a batch does for
/// each of its records once `prepare` has parsed the settings.
pub fn evaluate_record<P: Policy>(
    context: &Context,
    settings: &P::Settings,
    record: &str,
) -> Result<Vec<CheckResult>, String> {
    let record: P::Record =
        serde_json::from_str(record).map_err(|e| format!("unreadable record: {e}"))?;
    Ok(P::evaluate(context, &record, settings))
}
