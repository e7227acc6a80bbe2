//! Policy settings: typed, defaulted, and bounded so a local authority can tighten a statutory
//! figure but never silently loosen it.
//!
//! A settings struct derives `Deserialize`, `JsonSchema` and `Default` (the defaults are the figures
//! in the statutory rules) and implements [`Settings::check`] for the bounds the law sets.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

pub trait Settings: DeserializeOwned + Default + JsonSchema {
    /// Rejects values the law does not allow (for example a review interval longer than the regulation's).
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Parses settings JSON (empty text or `{}` gives the defaults) and checks their bounds.
pub fn parse<S: Settings>(json: &str) -> Result<S, String> {
    let settings: S = if json.trim().is_empty() {
        S::default()
    } else {
        serde_json::from_str(json).map_err(|e| format!("invalid settings: {e}"))?
    };
    settings.check()?;
    Ok(settings)
}

/// The JSON Schema of a settings type, as JSON text with each setting's default.
pub fn schema<S: Settings>() -> String {
    schemars::schema_for!(S).as_value().to_string()
}

/// A bound check shared by settings: `value` must not exceed the statutory `limit`.
pub fn at_most(name: &str, value: u32, limit: u32, source: &str) -> Result<(), String> {
    if value > limit {
        Err(format!(
            "setting `{name}` is {value}, but {source} allows at most {limit}: a local authority may tighten this figure, not loosen it"
        ))
    } else {
        Ok(())
    }
}

/// A bound check for figures the law sets as a floor: `value` must be at least `limit`.
pub fn at_least(name: &str, value: u32, limit: u32, source: &str) -> Result<(), String> {
    if value < limit {
        Err(format!(
            "setting `{name}` is {value}, but {source} requires at least {limit}: a local authority may tighten this figure, not loosen it"
        ))
    } else {
        Ok(())
    }
}

/// A bound check for the date from which a rule applies to reviews: `value` must be no later than
/// the `limit` the `source` sets.
pub fn reviews_from_at_latest(
    name: &str,
    value: NaiveDate,
    limit: NaiveDate,
    source: &str,
) -> Result<(), String> {
    from_at_latest(name, value, limit, source, "reviews")
}

/// A bound check for the date from which a rule applies to `what` (reviews, assessments):
/// `value` must be no later than the `limit` the `source` sets.
pub fn from_at_latest(
    name: &str,
    value: NaiveDate,
    limit: NaiveDate,
    source: &str,
    what: &str,
) -> Result<(), String> {
    if value > limit {
        Err(format!(
            "setting `{name}` is {value}, but {source} applies to {what} from {limit} at the latest: a local authority may tighten this figure, not loosen it"
        ))
    } else {
        Ok(())
    }
}
