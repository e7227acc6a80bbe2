//! What the scheduler counts, at `GET /metrics`: reports made (or failed) by this replica,
//! delivery attempts by channel and outcome, and the lag from a report's scheduled time to its
//! delivery. Counts only: never a recipient, a URL or anything about a child.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttemptLabel {
    channel: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabel {
    channel: String,
}

pub struct ReportMetrics {
    registry: Registry,
    reports: Family<OutcomeLabel, Counter>,
    claimed: Counter,
    attempts: Family<AttemptLabel, Counter>,
    lag: Family<ChannelLabel, Histogram>,
}

impl std::fmt::Debug for ReportMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReportMetrics")
    }
}

fn lag_histogram() -> Histogram {
    // 1 s to about 9 hours.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        1.0, 3.0, 10,
    ))
}

impl Default for ReportMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("carecheck_reports");
        let reports = Family::<OutcomeLabel, Counter>::default();
        let claimed = Counter::default();
        let attempts = Family::<AttemptLabel, Counter>::default();
        let lag = Family::<ChannelLabel, Histogram>::new_with_constructor(
            lag_histogram as fn() -> Histogram,
        );
        registry.register(
            "claimed",
            "Scheduled times this replica claimed a report for",
            claimed.clone(),
        );
        registry.register(
            "rendered",
            "Reports this replica rendered, by outcome (rendered, retry, failed)",
            reports.clone(),
        );
        registry.register(
            "delivery_attempts",
            "Delivery attempts, by channel (email, webhook, outbox) and outcome (delivered, retry, failed)",
            attempts.clone(),
        );
        registry.register(
            "delivery_lag_seconds",
            "Seconds from a report's scheduled time to its delivery, by channel",
            lag.clone(),
        );
        Self {
            registry,
            reports,
            claimed,
            attempts,
            lag,
        }
    }
}

impl ReportMetrics {
    pub fn claimed(&self, n: u64) {
        self.claimed.inc_by(n);
    }

    pub fn rendered(&self, outcome: &'static str) {
        self.reports.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    pub fn attempt(&self, channel: &str, outcome: &'static str) {
        self.attempts
            .get_or_create(&AttemptLabel {
                channel: channel.to_string(),
                outcome,
            })
            .inc();
    }

    pub fn delivered(&self, channel: &str, lag_seconds: f64) {
        self.lag
            .get_or_create(&ChannelLabel {
                channel: channel.to_string(),
            })
            .observe(lag_seconds.max(0.0));
    }

    /// The metrics without the closing `# EOF`, to stand before another registry's.
    pub fn render_without_eof(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode_registry(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}
