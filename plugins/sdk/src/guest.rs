//! The WIT bindings, used only when a policy is compiled to WebAssembly. Generated here, once,
//! from `plugins/wit/policy.wit`; the functions below turn the contract's arguments into the
//! SDK's plain types and its answers into JSON text (the parsing itself is [`crate::policy`]'s,
//! shared with native builds), so policy crates never see generated code.

wit_bindgen::generate!({
    path: "../wit",
    world: "plugin",
    pub_export_macro: true,
    export_macro_name: "__export_guest",
    default_bindings_module: "carecheck_sdk::guest",
});

pub use exports::carecheck::policy::policy::{Context as WitContext, Guest};

use crate::Policy;
use crate::dates::Calendar;
use crate::outcome::Context;

/// What `validate-settings` returns.
pub type Checked = Result<(), String>;
/// What `evaluate` returns: JSON text of the results, or why there are none.
pub type Evaluated = Result<String, String>;

pub fn describe<P: Policy>() -> String {
    serde_json::to_string(&crate::describe::<P>()).expect("metadata serialises")
}

pub fn validate_settings<P: Policy>(settings: String) -> Checked {
    crate::validate_settings::<P>(&settings)
}

pub fn evaluate<P: Policy>(context: WitContext, record: String) -> Evaluated {
    let context = context_from_wit(context)?;
    let results = crate::evaluate_json::<P>(&context, &record)?;
    serde_json::to_string(&results).map_err(|e| format!("results did not serialise: {e}"))
}

fn context_from_wit(c: WitContext) -> Result<Context, String> {
    let evaluation_date =
        crate::dates::parse_iso_date(&c.evaluation_date).map_err(|e| e.to_string())?;
    let calendar = Calendar::from_unix_days(&c.non_working_days, &c.calendar_from, &c.calendar_to)
        .map_err(|e| e.to_string())?;
    Ok(Context {
        evaluation_date,
        look_ahead_days: c.look_ahead_days,
        calendar,
        settings: c.settings,
    })
}
