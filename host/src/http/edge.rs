//! What every request passes through before and after its handler: the request id the server
//! makes, the access log line, and the one JSON error shape for the framework's own refusals.
//!
//! - **Request ids.** The server makes every request's id (a UUID, returned in `x-request-id` and
//!   filed in the audit log). A client's own `x-request-id` is kept beside it (returned in
//!   `x-client-request-id`, audited in its own column) only if it is at most
//!   [`MAX_CLIENT_REQUEST_ID`] characters from `A-Z a-z 0-9 - _ . : /`; otherwise it is dropped.
//! - **Access log.** One line per request at target `carecheck::access`: method, route
//!   *template*, status, latency, the authenticated token's id, the request ids and the client's
//!   address. Never the token's secret, the concrete path (it holds child ids), the query or
//!   any body. A failed authentication adds a warning line and is counted on `/metrics`.
//! - **Error bodies.** Refusals made by the framework rather than by a handler (unknown route,
//!   wrong method, oversized body, wrong content type, unparsable query or JSON body, timeouts)
//!   come out as `{"error": "..."}` like every other error, their text bounded.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Json;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

use super::AppState;
use super::error::ErrorBody;
use super::metrics::{AuthFailure, EdgeMetrics};
use super::rate_limit::RateLimiter;
use crate::config::Config;
use crate::problem::bounded;

/// The edge's shared state: the rate limiter and the edge metrics.
pub struct Edge {
    pub limiter: RateLimiter,
    pub metrics: EdgeMetrics,
}

impl Edge {
    pub fn new(config: &Config) -> Self {
        Self {
            limiter: RateLimiter::new(&config.server.rate_limit),
            metrics: EdgeMetrics::default(),
        }
    }
}

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("x-client-request-id");

/// Longest client request id kept.
pub const MAX_CLIENT_REQUEST_ID: usize = 64;

/// A request's ids: the server's own, and the client's if it sent a well-formed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIds {
    pub server: String,
    pub client: Option<String>,
}

/// A client's request id, if it is short and made only of safe characters.
pub fn valid_client_request_id(value: &HeaderValue) -> Option<String> {
    let bytes = value.as_bytes();
    let safe = |b: &u8| b.is_ascii_alphanumeric() || b"-_.:/".contains(b);
    (!bytes.is_empty() && bytes.len() <= MAX_CLIENT_REQUEST_ID && bytes.iter().all(safe))
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// Middleware: replaces any client `x-request-id` with the server's own, keeping a valid client
/// id beside it, and returns both.
pub async fn request_ids(mut request: Request, next: Next) -> Response {
    let client = request
        .headers_mut()
        .remove(REQUEST_ID)
        .and_then(|v| valid_client_request_id(&v));
    let server = uuid::Uuid::new_v4().to_string();
    let server_header = HeaderValue::from_str(&server).expect("a UUID is a valid header value");
    request
        .headers_mut()
        .insert(REQUEST_ID, server_header.clone());
    request.extensions_mut().insert(RequestIds {
        server,
        client: client.clone(),
    });
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, server_header);
    if let Some(value) = client.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(CLIENT_REQUEST_ID, value);
    }
    response
}

/// What the handler learnt about the caller, for the access log line: filled in by the
/// `Principal` extractor.
#[derive(Debug, Clone, Default)]
pub struct AccessNote(Arc<Mutex<Caller>>);

#[derive(Debug, Default)]
struct Caller {
    token_id: Option<String>,
    auth_failure: Option<AuthFailure>,
}

impl AccessNote {
    pub fn authenticated(&self, token_id: &str) {
        if let Ok(mut caller) = self.0.lock() {
            caller.token_id = Some(token_id.to_string());
        }
    }

    pub fn failed(&self, reason: AuthFailure) {
        if let Ok(mut caller) = self.0.lock() {
            caller.auth_failure = Some(reason);
        }
    }

    fn take(&self) -> Caller {
        self.0
            .lock()
            .map(|mut caller| std::mem::take(&mut *caller))
            .unwrap_or_default()
    }
}

/// The client's address as the listener saw it (`None` for in-process requests).
pub fn remote_addr(extensions: &axum::http::Extensions) -> Option<String> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// Middleware (inside [`request_ids`]): the access log line, and the failed-authentication
/// count and warning.
pub async fn access_log(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let note = AccessNote::default();
    request.extensions_mut().insert(note.clone());
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_string(), |p| p.as_str().to_string());
    let ids = request.extensions().get::<RequestIds>().cloned();
    let remote = remote_addr(request.extensions());
    let response = next.run(request).await;
    let caller = note.take();
    let request_id = ids.as_ref().map_or("-", |i| i.server.as_str());
    let client_request_id = ids
        .as_ref()
        .and_then(|i| i.client.as_deref())
        .unwrap_or("-");
    let remote = remote.as_deref().unwrap_or("-");
    if let Some(reason) = caller.auth_failure {
        state.edge.metrics.auth_failed(reason);
        tracing::warn!(
            target: "carecheck::access",
            reason = reason.as_str(),
            %method,
            route,
            request_id,
            remote_addr = remote,
            "authentication failed"
        );
    }
    tracing::info!(
        target: "carecheck::access",
        %method,
        route,
        status = response.status().as_u16(),
        latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        token = caller.token_id.as_deref().unwrap_or("-"),
        request_id,
        client_request_id,
        remote_addr = remote,
        "request"
    );
    response
}

/// The most of a framework refusal's own text that is read back.
const MAX_REFUSAL_BYTES: usize = 16 * 1024;

fn is_json(headers: &HeaderMap) -> bool {
    content_type_is(headers, "application/json")
}

/// A web page's own error page is already what a browser should show.
fn is_html(headers: &HeaderMap) -> bool {
    content_type_is(headers, "text/html")
}

fn content_type_is(headers: &HeaderMap, wanted: &str) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(wanted))
}

/// Middleware: turns any error response that is not already JSON or a web page's HTML (the
/// framework's plain-text or empty refusals) into the documented `{"error": "..."}` shape,
/// keeping its status and headers (`Allow`, `Retry-After`, `WWW-Authenticate`).
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || is_json(response.headers())
        || is_html(response.headers())
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = match http_body_util::Limited::new(body, MAX_REFUSAL_BYTES)
        .collect()
        .await
    {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        Err(_) => String::new(),
    };
    let error = if text.trim().is_empty() {
        status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
    } else {
        bounded(text.trim())
    };
    parts.headers.remove(CONTENT_TYPE);
    parts.headers.remove(CONTENT_LENGTH);
    let mut rebuilt = (
        status,
        Json(ErrorBody {
            error,
            problems: Vec::new(),
            committed: None,
        }),
    )
        .into_response();
    for (name, value) in &parts.headers {
        rebuilt.headers_mut().append(name, value.clone());
    }
    rebuilt
}
