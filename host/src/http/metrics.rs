//! What the edge counts, at `GET /metrics` beside the plugin metrics: failed sign-ins by reason,
//! requests refused by a rate limit, connections open and connections the server closed for being
//! too slow. Counts only: never a token, a path or anything about a child.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ScopeLabel {
    scope: &'static str,
}

/// Why a request carried no usable credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization: Bearer` header.
    Missing,
    /// A token that is malformed, unknown, revoked or has the wrong secret (one reason, so the
    /// count never tells an attacker which).
    Invalid,
}

impl AuthFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthFailure::Missing => "missing",
            AuthFailure::Invalid => "invalid",
        }
    }
}

/// Which rate limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    Ip,
    Token,
}

impl LimitScope {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitScope::Ip => "ip",
            LimitScope::Token => "token",
        }
    }
}

/// Why the server closed a connection on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// The request head (or the TLS handshake) did not arrive in time.
    HeaderTimeout,
    /// Nothing moved for the idle timeout.
    Idle,
    /// Its address already held `server.max_connections_per_ip` connections.
    AddressCap,
}

impl Dropped {
    fn as_str(self) -> &'static str {
        match self {
            Dropped::HeaderTimeout => "header_timeout",
            Dropped::Idle => "idle",
            Dropped::AddressCap => "address_cap",
        }
    }
}

pub struct EdgeMetrics {
    registry: Registry,
    auth_failures: Family<ReasonLabel, Counter>,
    rate_limited: Family<ScopeLabel, Counter>,
    connections: Gauge,
    dropped: Family<ReasonLabel, Counter>,
}

impl Default for EdgeMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("carecheck_http");
        let auth_failures = Family::<ReasonLabel, Counter>::default();
        let rate_limited = Family::<ScopeLabel, Counter>::default();
        let connections = Gauge::default();
        let dropped = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "auth_failures",
            "Requests refused for want of a valid bearer token, by reason (missing, invalid)",
            auth_failures.clone(),
        );
        registry.register(
            "rate_limited",
            "Requests refused with 429, by the limit that refused them (ip, token)",
            rate_limited.clone(),
        );
        registry.register("connections", "Connections open now", connections.clone());
        registry.register(
            "connections_dropped",
            "Connections the server closed, by reason (header_timeout, idle, address_cap)",
            dropped.clone(),
        );
        Self {
            registry,
            auth_failures,
            rate_limited,
            connections,
            dropped,
        }
    }
}

impl EdgeMetrics {
    pub fn auth_failed(&self, reason: AuthFailure) {
        self.auth_failures
            .get_or_create(&ReasonLabel {
                reason: reason.as_str(),
            })
            .inc();
    }

    pub fn rate_limited(&self, scope: LimitScope) {
        self.rate_limited
            .get_or_create(&ScopeLabel {
                scope: scope.as_str(),
            })
            .inc();
    }

    pub fn dropped(&self, why: Dropped) {
        self.dropped
            .get_or_create(&ReasonLabel {
                reason: why.as_str(),
            })
            .inc();
    }

    /// Counts a connection open until the guard is dropped.
    pub fn connection_opened(&self) -> OpenConnection {
        self.connections.inc();
        OpenConnection(self.connections.clone())
    }

    /// Connections open now.
    pub fn open_connections(&self) -> i64 {
        self.connections.get()
    }

    /// The metrics without the closing `# EOF`, to stand before another registry's.
    pub fn render_without_eof(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode_registry(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// One open connection, counted in the gauge while it lives.
pub struct OpenConnection(Gauge);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.dec();
    }
}
