//! Delivery channels: [`email`], [`webhook`] and [`outbox`]. Each attempt returns what became of
//! it ([`Attempted`]); the scheduler records every attempt and, until one is acknowledged,
//! tries again after an exponential backoff with jitter, or after the receiver's `Retry-After`.

pub mod email;
pub mod outbox;
pub mod webhook;

use std::time::Duration;

use rand::Rng;

/// Longest wait between attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempted {
    pub outcome: Kind,
    /// What the receiver said, for the attempt's record (never report content).
    pub detail: String,
    /// The receiver's `Retry-After`, if it sent one.
    pub retry_after: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Delivered,
    Retry,
    Failed,
}

impl Attempted {
    pub fn delivered(detail: String) -> Self {
        Self {
            outcome: Kind::Delivered,
            detail,
            retry_after: None,
        }
    }

    pub fn retry(detail: String) -> Self {
        Self {
            outcome: Kind::Retry,
            detail,
            retry_after: None,
        }
    }

    pub fn failed(detail: String) -> Self {
        Self {
            outcome: Kind::Failed,
            detail,
            retry_after: None,
        }
    }

    pub fn delivered_ok(&self) -> bool {
        self.outcome == Kind::Delivered
    }

    /// How long to wait before the next attempt, after `attempts` failed ones: the receiver's
    /// `Retry-After` (at most a day), or `base` doubled per attempt up to an hour, with the last
    /// half of it random so that many deliveries do not retry in step.
    pub fn wait(&self, attempts: i64, base: Duration) -> Duration {
        if let Some(after) = self.retry_after {
            return after.min(MAX_RETRY_AFTER);
        }
        let exp = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
        let full = base
            .saturating_mul(2u32.saturating_pow(exp))
            .min(MAX_BACKOFF);
        let half = full / 2;
        half + half.mul_f64(rand::rng().random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_retry_after_wins() {
        let base = Duration::from_secs(5);
        let retry = Attempted::retry("HTTP 503".into());
        for attempts in 0..6 {
            let full = base * 2u32.pow(attempts as u32);
            let w = retry.wait(attempts, base);
            assert!(w >= full / 2 && w <= full, "{attempts}: {w:?}");
        }
        assert_eq!(retry.wait(40, base).max(MAX_BACKOFF), MAX_BACKOFF);
        let told = Attempted {
            retry_after: Some(Duration::from_secs(1)),
            ..retry.clone()
        };
        assert_eq!(told.wait(3, base), Duration::from_secs(1));
        let greedy = Attempted {
            retry_after: Some(Duration::from_secs(10 * 24 * 3600)),
            ..retry
        };
        assert_eq!(greedy.wait(0, base), MAX_RETRY_AFTER);
    }
}
