//! Request rate limits: one token bucket per client address for every API request, and one per
//! authenticated token (keyed by the token's id once its secret has been checked, so nobody can
//! spend another caller's allowance). The buckets are `governor`'s (GCRA); past a limit the
//! answer is `429` with `Retry-After`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::AppState;
use super::error::ApiError;
use super::metrics::LimitScope;
use crate::config::RateLimits;

pub struct RateLimiter {
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_token: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

/// Refused: the seconds (at least 1) until the next request would be let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub scope: LimitScope,
    pub retry_after_secs: u64,
}

fn quota(per_minute: u32, burst: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(per_minute)?;
    Some(Quota::per_minute(rate).allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN)))
}

impl RateLimiter {
    pub fn new(limits: &RateLimits) -> Self {
        Self {
            per_ip: quota(limits.per_ip_per_minute, limits.burst)
                .map(DefaultKeyedRateLimiter::keyed),
            per_token: quota(limits.per_token_per_minute, limits.burst)
                .map(DefaultKeyedRateLimiter::keyed),
            clock: DefaultClock::default(),
        }
    }

    fn check<K: Clone + std::hash::Hash + Eq>(
        &self,
        limiter: Option<&DefaultKeyedRateLimiter<K>>,
        key: &K,
        scope: LimitScope,
    ) -> Result<(), Limited> {
        let Some(limiter) = limiter else {
            return Ok(());
        };
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            Limited {
                scope,
                retry_after_secs: wait
                    .as_secs()
                    .saturating_add(u64::from(wait.subsec_nanos() > 0))
                    .max(1),
            }
        })
    }

    /// One request from `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Limited> {
        self.check(self.per_ip.as_ref(), &ip, LimitScope::Ip)
    }

    /// One request by the authenticated token `token_id`.
    pub fn check_token(&self, token_id: &str) -> Result<(), Limited> {
        self.check(
            self.per_token.as_ref(),
            &token_id.to_string(),
            LimitScope::Token,
        )
    }

    /// Forgets clients whose buckets are full again, so the tables do not grow with every
    /// address ever seen.
    pub fn forget_idle(&self) {
        if let Some(l) = &self.per_ip {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.per_token {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// How often the serve loop calls [`RateLimiter::forget_idle`].
pub const FORGET_EVERY: Duration = Duration::from_secs(60);

/// Middleware: the per-address limit on every API request. Requests that did not come through
/// a listener (the tests' in-process router) carry no address and are not limited here.
pub async fn per_ip(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(ip) = peer
        && let Err(limited) = state.edge.limiter.check_ip(ip)
    {
        state.edge.metrics.rate_limited(limited.scope);
        return ApiError::from(limited).into_response();
    }
    next.run(request).await
}
