//! The WIT bindings, used only when a policy is compiled to WebAssembly. Generated here, once,
//! from `plugins/wit/policy.wit`, and converted to the SDK's plain types so policy crates never
//! see generated code.

wit_bindgen::generate!({
    path: "../wit",
    world: "plugin",
    pub_export_macro: true,
    export_macro_name: "__export_guest",
    default_bindings_module: "carecheck_sdk::guest",
});

pub use exports::carecheck::policy::policy::{
    Basis as WitBasis, CheckInfo as WitCheckInfo, CheckResult as WitCheckResult,
    Context as WitContext, Guest, Metadata as WitMetadata, Status as WitStatus,
};

use crate::Policy;
use crate::dates::Calendar;
use crate::outcome::{Basis, CheckResult, Context, Metadata, Status};

/// What `validate-settings` returns.
pub type Checked = Result<(), String>;
/// What `evaluate` returns.
pub type Evaluated = Result<Vec<WitCheckResult>, String>;

pub fn describe<P: Policy>() -> WitMetadata {
    metadata_to_wit(P::metadata())
}

pub fn validate_settings<P: Policy>(settings: String) -> Checked {
    P::validate_settings(&settings)
}

pub fn evaluate<P: Policy>(context: WitContext, record: String) -> Evaluated {
    let context = context_from_wit(context)?;
    P::evaluate(&context, &record).map(results_to_wit)
}

pub fn metadata_to_wit(m: Metadata) -> WitMetadata {
    WitMetadata {
        id: m.id,
        version: m.version,
        title: m.title,
        description: m.description,
        author: m.author,
        citations: m.citations,
        checks: m
            .checks
            .into_iter()
            .map(|c| WitCheckInfo {
                id: c.id,
                title: c.title,
                citation: c.citation,
                basis: match c.basis {
                    Basis::Statutory => WitBasis::Statutory,
                    Basis::Guidance => WitBasis::Guidance,
                },
            })
            .collect(),
        reads: m.reads,
        settings_schema: m.settings_schema,
        effective_from: m.effective_from.to_string(),
    }
}

pub fn context_from_wit(c: WitContext) -> Result<Context, String> {
    let evaluation_date =
        crate::dates::parse_iso_date(&c.evaluation_date).map_err(|e| e.to_string())?;
    let calendar = Calendar::from_iso(&c.non_working_days, &c.calendar_from, &c.calendar_to)
        .map_err(|e| e.to_string())?;
    Ok(Context {
        evaluation_date,
        look_ahead_days: c.look_ahead_days,
        calendar,
        settings: c.settings,
    })
}

pub fn results_to_wit(results: Vec<CheckResult>) -> Vec<WitCheckResult> {
    results
        .into_iter()
        .map(|r| WitCheckResult {
            check: r.check,
            status: match r.status {
                Status::Met => WitStatus::Met,
                Status::DueSoon => WitStatus::DueSoon,
                Status::Breach => WitStatus::Breach,
                Status::NotApplicable => WitStatus::NotApplicable,
                Status::InsufficientData => WitStatus::InsufficientData,
            },
            due: r.due.map(|d| d.to_string()),
            subject: r.subject,
            message: r.message,
            evidence: r.evidence,
            citation: r.citation,
        })
        .collect()
}
