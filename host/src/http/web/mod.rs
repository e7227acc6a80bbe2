//! The web pages an IRO and an admin use, server-rendered ([`pages`], maud) in the look of the
//! GOV.UK Design System (our own stylesheet, `carecheck.css`, in its patterns), accessible to
//! WCAG 2.2 AA, with a print stylesheet for A4.
//!
//! Addresses (links and scripts rely on them): `/` redirects to `/sign-in`; `/sign-in` shows a
//! form that posts `token` (and the hidden `csrf`) back to itself; `/iro` lists the IRO's
//! upcoming reviews; `/children/{authority}/{child_id}/checklist` is a child's checklist
//! (`?review_date=` as in the API); `/admin/iros` lists IROs and their caseloads; `/sign-out`
//! signs out (a button posting back to it).
//!
//! Signing in presents an API token once (an IRO's or an admin's) and opens a session
//! ([`crate::access::sessions`]): the cookie is `HttpOnly`, `SameSite=Strict`, `Secure` when
//! served over TLS (or `web.secure_cookies` behind a proxy), lives `web.session_hours`, and dies
//! with its token. Every form that changes state carries a CSRF field (before sign-in, a
//! double-submitted random value; after, one derived from the session) and a foreign `Origin`
//! is refused. Pages call the same services as the API with the same principal, so an IRO sees
//! only their own children here too, every checklist view is audited and recorded, and a child
//! one may not see is the same "page not found" as one that does not exist.

mod pages;

use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::checklist::{ChecklistQuery, UpcomingQuery, upcoming_for, view_checklist};
use super::edge::{AccessNote, RequestIds, remote_addr};
use super::error::ApiError;
use super::iros::iros_in_scope;
use super::metrics::AuthFailure;
use super::{AppState, ChildPath};
use crate::access::sessions::{self, csrf_token, same_secret};
use crate::access::{Principal, Role, tokens};

/// The session cookie, and the sign-in form's double-submit cookie.
pub const SESSION_COOKIE: &str = "carecheck_session";
const SIGN_IN_COOKIE: &str = "carecheck_sign_in";

const STYLESHEET: &str = include_str!("carecheck.css");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/sign-in") }))
        .route("/sign-in", get(sign_in_form).post(sign_in))
        .route("/sign-out", get(sign_out_form).post(sign_out))
        .route("/iro", get(iro_page))
        .route(
            "/children/{authority}/{child_id}/checklist",
            get(checklist_page),
        )
        .route("/admin/iros", get(admin_iros_page))
        .route("/assets/carecheck.css", get(stylesheet))
        .layer(from_fn(page_headers))
}

/// Every page: never cached (they hold children's details), never framed, no script at all.
async fn page_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // `same-origin`, not `no-referrer`: under `no-referrer` a browser sends `Origin: null` with
    // every form post, and the posts could not be told from a foreign site's. Either way no
    // address (which names a child) ever reaches another site.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}

/// A signed-in user: the principal of the session's token, with the CSRF field of its forms.
/// Without a live session, the page redirects to `/sign-in`.
pub struct SignedIn {
    pub principal: Principal,
    pub csrf: String,
    secret: String,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let secret = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
        let resolved = match &secret {
            Some(secret) => sessions::resolve(&state.store, secret)
                .await
                .map_err(|e| page_error(ApiError::from(e)))?,
            None => None,
        };
        let (Some(secret), Some(mut principal)) = (secret, resolved) else {
            return Err(Redirect::to("/sign-in").into_response());
        };
        if let Some(note) = parts.extensions.get::<AccessNote>() {
            note.authenticated(&principal.token_id);
        }
        if let Err(limited) = state.edge.limiter.check_token(&principal.token_id) {
            state.edge.metrics.rate_limited(limited.scope);
            return Err(ApiError::from(limited).into_response());
        }
        principal.remote_addr = remote_addr(&parts.extensions);
        if let Some(ids) = parts.extensions.get::<RequestIds>() {
            principal.request_id = Some(ids.server.clone());
            principal.client_request_id = ids.client.clone();
        }
        Ok(Self {
            principal,
            csrf: csrf_token(&secret),
            secret,
        })
    }
}

/// An error as a page: the same statuses as the API, and a hidden child reads "page not found".
fn page_error(error: ApiError) -> Response {
    let status = match &error {
        ApiError::NotFound => StatusCode::NOT_FOUND,
        ApiError::Forbidden => StatusCode::FORBIDDEN,
        ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
        ApiError::TooManyRequests { .. } => return error.into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let message = match &error {
        ApiError::BadRequest(m) => m.clone(),
        _ => String::new(),
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        // Logs the details, tagged with the request id; the page says nothing of them.
        drop(error.into_response());
    }
    (status, Html(pages::error(status, &message).into_string())).into_response()
}

/// A service's answer as a page, or its error as an error page.
fn render<T>(answer: Result<T, ApiError>, page: impl FnOnce(&T) -> maud::Markup) -> Response {
    match answer {
        Ok(value) => Html(page(&value).into_string()).into_response(),
        Err(e) => page_error(e),
    }
}

/// A form post must come from our own pages: a browser's `Origin`, when it sends one, names
/// this host.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin == format!("http://{host}") || origin == format!("https://{host}")
}

fn make_cookie<'a>(
    state: &AppState,
    name: &'a str,
    value: String,
    path: &'a str,
    max_age_secs: i64,
) -> Cookie<'a> {
    let secure = state.config.web.secure_cookies || state.config.tls.cert_path.is_some();
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path(path)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
}

/// Where a signed-in user starts.
fn home(principal: &Principal) -> &'static str {
    match principal.role {
        Role::Admin => "/admin/iros",
        _ => "/iro",
    }
}

async fn sign_in_form(State(state): State<AppState>, jar: CookieJar) -> Response {
    let nonce = sessions::random_secret();
    let page = pages::sign_in(&nonce, None).into_string();
    let jar = jar.add(make_cookie(&state, SIGN_IN_COOKIE, nonce, "/sign-in", 3600));
    (jar, Html(page)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    token: String,
    #[serde(default)]
    csrf: String,
}

async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    note: Option<axum::Extension<AccessNote>>,
    Form(form): Form<SignInForm>,
) -> Response {
    let expected = jar.get(SIGN_IN_COOKIE).map(|c| c.value().to_string());
    let fresh = sessions::random_secret();
    let again = |status: StatusCode, message: &str, jar: CookieJar| {
        let page = pages::sign_in(&fresh, Some(message)).into_string();
        let jar = jar.add(make_cookie(
            &state,
            SIGN_IN_COOKIE,
            fresh.clone(),
            "/sign-in",
            3600,
        ));
        (status, jar, Html(page)).into_response()
    };
    let csrf_ok = expected.is_some_and(|e| same_secret(&e, &form.csrf)) && same_origin(&headers);
    if !csrf_ok {
        return again(
            StatusCode::FORBIDDEN,
            "The sign-in form had expired. Enter your token again.",
            jar,
        );
    }
    let principal = match tokens::authenticate(&state.store, form.token.trim()).await {
        Ok(Some(p)) if matches!(p.role, Role::Iro | Role::Admin) => p,
        Ok(Some(_)) => {
            return again(
                StatusCode::FORBIDDEN,
                "These pages are for IROs and admins: use the API with this token.",
                jar,
            );
        }
        Ok(None) => {
            if let Some(axum::Extension(note)) = &note {
                note.failed(if form.token.trim().is_empty() {
                    AuthFailure::Missing
                } else {
                    AuthFailure::Invalid
                });
            }
            let message = if form.token.trim().is_empty() {
                "Enter your token"
            } else {
                "Enter a valid token: this one is unknown, revoked or expired"
            };
            return again(StatusCode::UNAUTHORIZED, message, jar);
        }
        Err(e) => return page_error(e.into()),
    };
    let hours = state.config.web.session_hours;
    let session = match sessions::open(&state.store, &principal.token_id, hours).await {
        Ok(s) => s,
        Err(e) => return page_error(e.into()),
    };
    let jar = jar
        .remove(Cookie::build(SIGN_IN_COOKIE).path("/sign-in"))
        .add(make_cookie(
            &state,
            SESSION_COOKIE,
            session.secret,
            "/",
            i64::from(hours) * 3600,
        ));
    (jar, Redirect::to(home(&principal))).into_response()
}

async fn sign_out_form(user: SignedIn) -> Response {
    Html(pages::sign_out(&user.principal, &user.csrf).into_string()).into_response()
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !same_secret(&user.csrf, &form.csrf) || !same_origin(&headers) {
        return page_error(ApiError::Forbidden);
    }
    if let Err(e) = sessions::close(&state.store, &user.secret).await {
        return page_error(e.into());
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    (jar, Redirect::to("/sign-in")).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IroPageQuery {
    /// For an admin: whose upcoming reviews.
    iro: Option<String>,
    authority: Option<String>,
    days: Option<u32>,
}

async fn iro_page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<IroPageQuery>,
) -> Response {
    let iro = match (&user.principal.role, &user.principal.iro_id, &q.iro) {
        (Role::Iro, Some(own), _) => own.clone(),
        (Role::Admin, _, Some(iro)) => iro.clone(),
        (Role::Admin, _, None) => return Redirect::to("/admin/iros").into_response(),
        _ => return page_error(ApiError::Forbidden),
    };
    let query = UpcomingQuery {
        days: q.days,
        authority: q.authority,
    };
    render(
        upcoming_for(&state, &user.principal, &iro, &query).await,
        |u| pages::upcoming(&user.principal, &user.csrf, u),
    )
}

async fn checklist_page(
    State(state): State<AppState>,
    user: SignedIn,
    path: Result<ChildPath, ApiError>,
    query: Result<Query<ChecklistQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let key = match path {
        Ok(ChildPath(key)) => key,
        Err(e) => return page_error(e),
    };
    let options = match query
        .map_err(|e| ApiError::BadRequest(e.body_text()))
        .and_then(|Query(q)| q.options())
    {
        Ok(o) => o,
        Err(e) => return page_error(e),
    };
    render(
        view_checklist(&state, &user.principal, &key, &options).await,
        |view| pages::checklist(&user.principal, &user.csrf, view),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminQuery {
    authority: Option<String>,
}

async fn admin_iros_page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<AdminQuery>,
) -> Response {
    render(
        iros_in_scope(&state, &user.principal, q.authority.as_deref()).await,
        |list| pages::admin_iros(&user.principal, &user.csrf, list),
    )
}
