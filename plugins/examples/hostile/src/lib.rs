//! A hostile policy for the sandbox tests. Never put it in a real pack.
//!
//! The `mode` setting picks what `evaluate` does: `loop` never returns, `memory` allocates until
//! stopped, `recursion` recurses without end, `output` returns a huge result list, `panic`
//! panics (a trap), `garbage` returns a result for an undeclared check, `echo` returns the
//! record text it was given (to prove data minimisation), `ok` behaves.

use carecheck_sdk::settings::{self, Settings};
use carecheck_sdk::{Basis, CheckInfo, CheckResult, Context, Metadata, NaiveDate, Policy, Status};
use schemars::JsonSchema;
use serde::Deserialize;

pub struct Hostile;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HostileSettings {
    pub mode: String,
}

impl Settings for HostileSettings {}

fn check() -> CheckInfo {
    CheckInfo {
        id: "behaves".into(),
        title: "Behaves".into(),
        citation: "none".into(),
        basis: Basis::Guidance,
    }
}

#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse(depth: u64, sink: &mut Vec<u64>) -> u64 {
    sink.push(depth);
    recurse(depth + 1, sink) + sink.len() as u64
}

impl Policy for Hostile {
    fn metadata() -> Metadata {
        Metadata {
            id: "hostile".into(),
            version: "0.0.1".into(),
            title: "Hostile test policy".into(),
            description: "Misbehaves on purpose.".into(),
            author: "carecheck tests".into(),
            citations: vec!["none".into()],
            checks: vec![check()],
            reads: vec!["/child/date_of_birth".into(), "/reviews/*/date".into()],
            settings_schema: settings::schema::<HostileSettings>(),
            effective_from: NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid"),
        }
    }

    fn validate_settings(settings: &str) -> Result<(), String> {
        settings::parse::<HostileSettings>(settings).map(|_| ())
    }

    fn evaluate(ctx: &Context, record: &str) -> Result<Vec<CheckResult>, String> {
        let s: HostileSettings = ctx.settings()?;
        let ok = || check().result(Status::Met, "record", "Behaved.");
        match s.mode.as_str() {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "recursion" => {
                let mut sink = Vec::new();
                let n = recurse(0, &mut sink);
                Ok(vec![ok().with_evidence("n", n)])
            }
            "output" => Ok((0..8_000)
                .map(|i| {
                    check()
                        .result(Status::Met, "record", "x".repeat(300))
                        .with_evidence("i", i)
                })
                .collect()),
            "panic" => panic!("hostile policy panics on purpose"),
            "garbage" => Ok(vec![CheckResult {
                check: "not-declared".into(),
                ..ok()
            }]),
            "echo" => Ok(vec![check().result(
                Status::Met,
                "record",
                record.to_string(),
            )]),
            _ => Ok(vec![ok()]),
        }
    }
}

carecheck_sdk::export_policy!(Hostile);
