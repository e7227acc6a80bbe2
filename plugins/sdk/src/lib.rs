//! The carecheck guest SDK.
//!
//! A policy is plain Rust: implement [`Policy`] and call [`export_policy!`]. Compiled to
//! `wasm32-unknown-unknown`, the macro wires the policy to the WIT contract in
//! `plugins/wit/policy.wit`; compiled natively, the same code is an ordinary library, which is
//! how policies are unit-tested and how the benchmark measures the native baseline.
//!
//! The SDK also owns everything policies must agree on: the typed care record and its
//! provenance ([`record`]), the statutory date arithmetic ([`dates`]), compulsory school age
//! ([`school_age`]), who is a care leaver ([`care_leavers`]), recurring requirements
//! ([`recurring`]) and the statutory review schedule ([`reviews`]), the result builders
//! ([`outcome`]) and the sentences results carry ([`text`]), and the encoded side of the contract (JSON in [`policy`], packed results in
//! [`packed`]), so a policy itself handles only typed values.

#[cfg(feature = "calendar-file")]
pub mod bank_holidays;
#[cfg(feature = "calendar-file")]
pub mod calendar_file;
pub mod care_leavers;
pub mod dates;
pub mod outcome;
pub mod packed;
pub mod policy;
pub mod projection;
pub mod record;
pub mod recurring;
pub mod reviews;
pub mod school_age;
pub mod settings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;

// Generated bindings use `unsafe` for the canonical ABI; nothing else in the SDK does.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
#[allow(unsafe_code)]
pub mod guest;

pub use chrono::NaiveDate;

/// A date for a hand-worked case in the SDK's own tests.
#[cfg(test)]
pub(crate) fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid test date")
}
pub use outcome::{Basis, CheckInfo, CheckResult, Context, Metadata, Name, Status};
pub use policy::{About, Policy, describe, evaluate_json, validate_settings};
pub use record::{CareRecord, Section};

/// Exports a [`Policy`] implementation as the component's functions: `describe`,
/// `validate-settings`, `evaluate`, and the batch's `prepare`, `evaluate-prepared` and
/// `evaluate-packed`. On native targets it expands to nothing, so the crate stays a plain library.
#[macro_export]
macro_rules! export_policy {
    ($policy:ty) => {
        #[cfg(target_arch = "wasm32")]
        #[allow(unsafe_code)]
        const _: () = {
            struct GuestExport;

            impl $crate::guest::Guest for GuestExport {
                fn describe() -> ::std::string::String {
                    $crate::guest::describe::<$policy>()
                }

                fn validate_settings(settings: ::std::string::String) -> $crate::guest::Checked {
                    $crate::guest::validate_settings::<$policy>(settings)
                }

                fn evaluate(
                    context: $crate::guest::WitContext,
                    record: ::std::string::String,
                ) -> $crate::guest::Evaluated {
                    $crate::guest::evaluate::<$policy>(context, record)
                }

                fn prepare(context: $crate::guest::WitContext) -> $crate::guest::Checked {
                    $crate::guest::prepare::<$policy>(context)
                }

                fn evaluate_prepared(record: ::std::string::String) -> $crate::guest::Evaluated {
                    $crate::guest::evaluate_prepared::<$policy>(record)
                }

                fn evaluate_packed(record: ::std::string::String) -> $crate::guest::Packed {
                    $crate::guest::evaluate_packed::<$policy>(record)
                }
            }

            $crate::guest::__export_guest! { GuestExport with_types_in $crate::guest }
        };
    };
}
