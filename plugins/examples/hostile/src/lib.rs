//! A hostile policy for the sandbox tests. Never put it in a real pack.
//!
//! The `mode` setting picks what `evaluate` does: `loop` never returns, `memory` allocates until
//! stopped, `recursion` recurses without end, `output` returns a huge result list, `panic`
//! panics (a trap), `garbage` returns a result for an undeclared check, `echo` returns the
//! record it was given as JSON text (to prove data minimisation), `ok` behaves. A mode ending in
//! `-if-reviewed` (`panic-if-reviewed`, `loop-if-reviewed`…) misbehaves only for a record with
//! at least one review and behaves for the others, so a batch can hold both kinds.

use carecheck_sdk::settings::Settings;
use carecheck_sdk::{About, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

pub struct Hostile;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HostileSettings {
    pub mode: String,
}

impl Settings for HostileSettings {}

fn check() -> CheckInfo {
    CheckInfo::guidance("behaves", "Behaves", "none")
}

#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse(depth: u64, sink: &mut Vec<u64>) -> u64 {
    sink.push(depth);
    recurse(depth + 1, sink) + sink.len() as u64
}

impl Policy for Hostile {
    /// Any JSON, so `echo` can return exactly what the host sent.
    type Record = Value;
    type Settings = HostileSettings;

    fn about() -> About {
        About {
            id: "hostile",
            version: "0.0.1",
            title: "Hostile test policy",
            description: "Misbehaves on purpose.",
            author: "carecheck tests",
            citations: &["none"],
            checks: vec![check()],
            reads: &["/child/date_of_birth", "/reviews/*/date"],
            effective_from: NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid"),
        }
    }

    fn evaluate(_ctx: &Context, record: &Value, s: &HostileSettings) -> Vec<CheckResult> {
        let ok = || check().result(Status::Met, "record", "Behaved.");
        let mode = match s.mode.strip_suffix("-if-reviewed") {
            Some(_) if record["reviews"].as_array().is_none_or(Vec::is_empty) => "ok",
            Some(mode) => mode,
            None => s.mode.as_str(),
        };
        match mode {
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
                vec![ok().with_evidence("n", n)]
            }
            "output" => (0..8_000)
                .map(|i| {
                    check()
                        .result(Status::Met, "record", "x".repeat(300))
                        .with_evidence("i", i)
                })
                .collect(),
            "panic" => panic!("hostile policy panics on purpose"),
            "garbage" => vec![CheckResult {
                check: "not-declared".into(),
                ..ok()
            }],
            "echo" => vec![check().result(Status::Met, "record", record.to_string())],
            _ => vec![ok()],
        }
    }
}

carecheck_sdk::export_policy!(Hostile);
