//! Plugin metrics in the Prometheus text format at `GET /metrics`: evaluations, failures by
//! reason, and fuel, per policy. Counts only: nothing about any child.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use super::PolicyOutcome;
use super::runtime::EvalError;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PolicyLabel {
    policy: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabel {
    policy: String,
    reason: &'static str,
}

pub struct Metrics {
    registry: Registry,
    evaluations: Family<PolicyLabel, Counter>,
    failures: Family<FailureLabel, Counter>,
    fuel: Family<PolicyLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("carecheck_plugin");
        let evaluations = Family::<PolicyLabel, Counter>::default();
        let failures = Family::<FailureLabel, Counter>::default();
        let fuel = Family::<PolicyLabel, Counter>::default();
        registry.register("evaluations", "Policy evaluations run", evaluations.clone());
        registry.register(
            "failures",
            "Evaluations that gave no results, by reason (fuel, deadline, memory, trap, refused, garbage, suspended)",
            failures.clone(),
        );
        registry.register("fuel", "Fuel consumed by evaluations", fuel.clone());
        Self {
            registry,
            evaluations,
            failures,
            fuel,
        }
    }
}

impl Metrics {
    pub fn record(&self, outcome: &PolicyOutcome) {
        let policy = PolicyLabel {
            policy: outcome.policy.clone(),
        };
        self.evaluations.get_or_create(&policy).inc();
        self.fuel.get_or_create(&policy).inc_by(outcome.fuel);
        if let Some(error) = &outcome.error {
            let reason = match error {
                EvalError::OutOfFuel(_) => "fuel",
                EvalError::Deadline(_) => "deadline",
                EvalError::Memory => "memory",
                EvalError::HostBusy => "host_busy",
                EvalError::Trap(_) => "trap",
                EvalError::Refused(_) => "refused",
                EvalError::Garbage(_) => "garbage",
                EvalError::Suspended(_) => "suspended",
            };
            self.failures
                .get_or_create(&FailureLabel {
                    policy: outcome.policy.clone(),
                    reason,
                })
                .inc();
        }
    }

    /// The metrics in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}
