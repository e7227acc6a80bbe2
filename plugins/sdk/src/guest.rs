//! The WIT bindings, used only when a policy is compiled to WebAssembly. Generated here, once,
//! from `plugins/wit/policy.wit`; the functions below turn the contract's arguments into the
//! SDK's plain types and its answers into JSON text or packed bytes (the parsing and packing
//! themselves are [`crate::policy`]'s and [`crate::packed`]'s, shared with native builds), so
//! policy crates never see generated code.
//!
//! `prepare` parses the context and the settings once for a batch and keeps them, the only
//! thing an instance keeps between calls; `evaluate-prepared` and `evaluate-packed` then do
//! exactly what `evaluate` does with them, so a record's verdict cannot depend on what was
//! evaluated before it.
//!
//! The SDK also sets the plugin's global allocator: each evaluation allocates from a region it
//! hands back whole ([`carecheck_guest_alloc`]), so a policy crate must not set one of its own.

wit_bindgen::generate!({
    path: "../wit",
    world: "plugin",
    pub_export_macro: true,
    export_macro_name: "__export_guest",
    default_bindings_module: "carecheck_sdk::guest",
});

pub use exports::carecheck::policy::policy::{Context as WitContext, Guest};

use std::any::Any;
use std::cell::RefCell;

use carecheck_guest_alloc::EvaluationAllocator;

use crate::Policy;
use crate::dates::Calendar;
use crate::outcome::{CheckResult, Context};
use crate::settings;

/// Each evaluation call allocates from a region taken back whole once it has freed everything
/// ([`carecheck_guest_alloc`]); `prepare`, which keeps what it parses, and the host's arguments
/// use a second region of the same kind, so a fresh instance never grows its memory.
#[global_allocator]
static ALLOCATOR: EvaluationAllocator = EvaluationAllocator::new();

/// What `validate-settings` returns.
pub type Checked = Result<(), String>;
/// What `evaluate` returns: JSON text of the results, or why there are none.
pub type Evaluated = Result<String, String>;
/// What `evaluate-packed` returns: the results packed ([`crate::packed`]), or why there are none.
pub type Packed = Result<Vec<u8>, String>;

pub fn describe<P: Policy>() -> String {
    serde_json::to_string(&crate::describe::<P>()).expect("metadata serialises")
}

pub fn validate_settings<P: Policy>(settings: String) -> Checked {
    crate::validate_settings::<P>(&settings)
}

pub fn evaluate<P: Policy>(context: WitContext, record: String) -> Evaluated {
    let _evaluation = ALLOCATOR.evaluation();
    let context = context_from_wit(context)?;
    let settings = settings::parse::<P::Settings>(&context.settings)?;
    json(&crate::policy::evaluate_record::<P>(
        &context, &settings, &record,
    )?)
}

/// The context and settings of the last `prepare`, parsed. A component instance runs one call
/// at a time, so this is never touched by two calls at once.
struct Prepared<S> {
    context: Context,
    settings: S,
}

thread_local! {
    static PREPARED: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

pub fn prepare<P: Policy>(context: WitContext) -> Checked
where
    P::Settings: 'static,
{
    // A failed prepare leaves nothing behind: the calls that follow answer with its reason.
    PREPARED.with_borrow_mut(|slot| *slot = None);
    let context = context_from_wit(context)?;
    let settings = settings::parse::<P::Settings>(&context.settings)?;
    PREPARED.with_borrow_mut(|slot| *slot = Some(Box::new(Prepared { context, settings })));
    Ok(())
}

pub fn evaluate_prepared<P: Policy>(record: String) -> Evaluated
where
    P::Settings: 'static,
{
    let _evaluation = ALLOCATOR.evaluation();
    json(&with_prepared::<P>("evaluate-prepared", &record)?)
}

pub fn evaluate_packed<P: Policy>(record: String) -> Packed
where
    P::Settings: 'static,
{
    let _evaluation = ALLOCATOR.evaluation();
    with_prepared::<P>("evaluate-packed", &record).map(|results| crate::packed::pack(&results))
}

/// One record's results with the context of the last `prepare`: what `evaluate-prepared` and
/// `evaluate-packed` each encode.
fn with_prepared<P: Policy>(function: &str, record: &str) -> Result<Vec<CheckResult>, String>
where
    P::Settings: 'static,
{
    PREPARED.with_borrow(|slot| {
        let prepared = slot
            .as_ref()
            .and_then(|p| p.downcast_ref::<Prepared<P::Settings>>())
            .ok_or_else(|| format!("{function} was called without a successful prepare"))?;
        crate::policy::evaluate_record::<P>(&prepared.context, &prepared.settings, record)
    })
}

/// Results as JSON text: what `evaluate` and `evaluate-prepared` answer.
fn json(results: &[CheckResult]) -> Evaluated {
    serde_json::to_string(results).map_err(|e| format!("results did not serialise: {e}"))
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
