//! The web pages over HTTP, without a browser (the browser tests are `browser.rs`): sign-in with
//! a token, the session cookie's attributes, CSRF and origin checks, sign-out and expiry, and an
//! IRO reaching only their own children's pages, on SQLite and PostgreSQL.

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode};
use carecheck_tests::{AUTHORITY, Db, TestApp, databases, record};
use serde_json::Value;

/// A browser's view of one response: status, headers, body text.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn text(&self) -> &str {
        &self.body
    }

    /// The `Set-Cookie` header that sets `name`.
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The value of the hidden `csrf` field of the page's (first) form.
    fn csrf(&self) -> String {
        let start = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field")
            + 19;
        self.body[start..start + 64].to_string()
    }
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap()
}

async fn request(
    t: &TestApp,
    method: Method,
    uri: &str,
    cookie: Option<&str>,
    form: Option<String>,
    extra: &[(&str, &str)],
) -> Page {
    let mut headers: Vec<(&str, &str)> = extra.to_vec();
    if let Some(cookie) = cookie {
        headers.push(("cookie", cookie));
    }
    let (status, headers, value) = t
        .call_with_headers(
            method,
            uri,
            None,
            form.map(Body::from),
            "application/x-www-form-urlencoded",
            &headers,
        )
        .await;
    let body = match value {
        Value::String(s) => s,
        other => other.to_string(),
    };
    Page {
        status,
        headers,
        body,
    }
}

/// Signs in with `token`: the session cookie (`carecheck_session=…`) and the redirect.
async fn sign_in(t: &TestApp, token: &str) -> (Page, Option<String>) {
    let form = request(t, Method::GET, "/sign-in", None, None, &[]).await;
    let nonce = cookie_value(&form.set_cookie("carecheck_sign_in").unwrap());
    let posted = request(
        t,
        Method::POST,
        "/sign-in",
        Some(&format!("carecheck_sign_in={nonce}")),
        Some(format!("token={token}&csrf={}", form.csrf())),
        &[],
    )
    .await;
    let session = posted
        .set_cookie("carecheck_session")
        .map(|c| format!("carecheck_session={}", cookie_value(&c)));
    (posted, session)
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_opens_a_session_that_sees_only_the_iros_children() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        for (id, iro) in [("C1", "IRO-1"), ("C2", "IRO-2")] {
            let uri = format!("/api/v1/children/{AUTHORITY}/{id}");
            assert_eq!(
                t.put_json(&uri, &t.admin, &record(id, iro)).await.0,
                StatusCode::CREATED
            );
        }
        let root = request(&t, Method::GET, "/", None, None, &[]).await;
        assert_eq!(
            (root.status, root.location()),
            (StatusCode::SEE_OTHER, "/sign-in")
        );
        let form = request(&t, Method::GET, "/sign-in", None, None, &[]).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text().contains("name=\"token\""), "{}", form.text());
        assert!(
            form.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
        assert_eq!(form.headers["cache-control"], "no-store");

        // A post without the form's own CSRF value, or from another origin, is refused.
        let nonce = cookie_value(&form.set_cookie("carecheck_sign_in").unwrap());
        let cookie = format!("carecheck_sign_in={nonce}");
        let forged = request(
            &t,
            Method::POST,
            "/sign-in",
            Some(&cookie),
            Some(format!("token={}&csrf=0", t.iro)),
            &[],
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{db:?}");
        assert!(forged.set_cookie("carecheck_session").is_none());
        let foreign = request(
            &t,
            Method::POST,
            "/sign-in",
            Some(&cookie),
            Some(format!("token={}&csrf={}", t.iro, form.csrf())),
            &[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:8080"),
            ],
        )
        .await;
        assert_eq!(foreign.status, StatusCode::FORBIDDEN);
        assert!(foreign.set_cookie("carecheck_session").is_none());
        // A wrong token: the form again, with the error summary, and no session.
        let (wrong, session) = sign_in(&t, "cc_0000000000000000_00").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{db:?}");
        assert!(wrong.text().contains("There is a problem"));
        assert!(session.is_none());
        // Board tokens are for the API only.
        let (board, session) = sign_in(&t, &t.board).await;
        assert_eq!(board.status, StatusCode::FORBIDDEN);
        assert!(session.is_none());

        // The IRO signs in: HttpOnly, SameSite=Strict, not Secure over plain HTTP, 8 hours.
        let (signed_in, session) = sign_in(&t, &t.iro).await;
        assert_eq!(
            (signed_in.status, signed_in.location()),
            (StatusCode::SEE_OTHER, "/iro")
        );
        let set = signed_in.set_cookie("carecheck_session").unwrap();
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
            assert!(set.contains(attribute), "{set}");
        }
        assert!(!set.contains("Secure"), "{set}");
        let session = session.unwrap();
        // Only a digest of the secret is stored.
        let secret = session.trim_start_matches("carecheck_session=");
        let stored: Vec<String> = sqlx::query_scalar("SELECT secret_sha256 FROM web_sessions")
            .fetch_all(t.state.store.pool())
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0], secret);

        let upcoming = request(&t, Method::GET, "/iro?days=366", Some(&session), None, &[]).await;
        assert_eq!(
            upcoming.status,
            StatusCode::OK,
            "{db:?} {}",
            upcoming.text()
        );
        assert!(
            upcoming.text().contains("/children/E10000001/C1/checklist"),
            "{}",
            upcoming.text()
        );
        assert!(
            !upcoming.text().contains("C2"),
            "{db:?}: another IRO's child is listed"
        );
        let own = request(
            &t,
            Method::GET,
            "/children/E10000001/C1/checklist",
            Some(&session),
            None,
            &[],
        )
        .await;
        assert_eq!(own.status, StatusCode::OK, "{}", own.text());
        assert!(own.text().contains("Review and IRO"));
        // Another IRO's child is the same "page not found" as a child that does not exist.
        let other = request(
            &t,
            Method::GET,
            "/children/E10000001/C2/checklist",
            Some(&session),
            None,
            &[],
        )
        .await;
        let missing = request(
            &t,
            Method::GET,
            "/children/E10000001/NOPE/checklist",
            Some(&session),
            None,
            &[],
        )
        .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{db:?}");
        assert_eq!(other.text(), missing.text());
        assert!(other.text().contains("Page not found"));
        assert!(!other.text().contains("C2"));
        // An IRO cannot open another IRO's list or the admin page.
        let theirs = request(&t, Method::GET, "/iro?iro=IRO-2", Some(&session), None, &[]).await;
        assert!(!theirs.text().contains("C2"), "{db:?}");
        let admin = request(&t, Method::GET, "/admin/iros", Some(&session), None, &[]).await;
        assert_eq!(admin.status, StatusCode::FORBIDDEN);
        // Every page view of a checklist is audited, the refused one too.
        let denied: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'checklist' AND child_id = 'C2' AND outcome = 'denied'",
        )
        .fetch_one(t.state.store.pool())
        .await
        .unwrap();
        assert_eq!(denied, 1, "{db:?}");

        // Signing out needs the form's CSRF value; then the session is gone.
        let refused = request(
            &t,
            Method::POST,
            "/sign-out",
            Some(&session),
            Some("csrf=0".into()),
            &[],
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let out = request(
            &t,
            Method::POST,
            "/sign-out",
            Some(&session),
            Some(format!("csrf={}", own.csrf())),
            &[],
        )
        .await;
        assert_eq!(
            (out.status, out.location()),
            (StatusCode::SEE_OTHER, "/sign-in"),
            "{db:?}"
        );
        let after = request(&t, Method::GET, "/iro", Some(&session), None, &[]).await;
        assert_eq!(
            (after.status, after.location()),
            (StatusCode::SEE_OTHER, "/sign-in")
        );

        // A session ends when it expires, and when its token is revoked.
        let (_, session) = sign_in(&t, &t.iro).await;
        let session = session.unwrap();
        assert_eq!(
            request(&t, Method::GET, "/iro", Some(&session), None, &[])
                .await
                .status,
            StatusCode::OK
        );
        sqlx::query("UPDATE web_sessions SET expires_at = '2026-01-01T00:00:00.000Z'")
            .execute(t.state.store.pool())
            .await
            .unwrap();
        assert_eq!(
            request(&t, Method::GET, "/iro", Some(&session), None, &[])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let (_, session) = sign_in(&t, &t.iro).await;
        let session = session.unwrap();
        carecheck::access::tokens::revoke(
            &t.state.store,
            &t.iro["cc_".len().."cc_".len() + 16],
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            request(&t, Method::GET, "/iro", Some(&session), None, &[])
                .await
                .status,
            StatusCode::SEE_OTHER,
            "{db:?}"
        );

        // An admin lands on the IRO list and may open any IRO's reviews in scope.
        let (admin_in, session) = sign_in(&t, &t.admin).await;
        assert_eq!(admin_in.location(), "/admin/iros");
        let session = session.unwrap();
        let page = request(&t, Method::GET, "/admin/iros", Some(&session), None, &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text().contains("IRO-1") && page.text().contains("IRO-2"),
            "{}",
            page.text()
        );
        let page = request(
            &t,
            Method::GET,
            "/iro?iro=IRO-2&days=366",
            Some(&session),
            None,
            &[],
        )
        .await;
        assert!(page.text().contains("C2"), "{db:?} {}", page.text());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn behind_tls_the_session_cookie_is_secure() {
    let t = TestApp::with_config(Db::Sqlite, &[("statutory-review-timeliness", "")], |c| {
        c.web.secure_cookies = true;
        c.web.session_hours = 2;
    })
    .await;
    let (page, _) = sign_in(&t, &t.iro).await;
    let set = page.set_cookie("carecheck_session").unwrap();
    assert!(
        set.contains("Secure") && set.contains("Max-Age=7200"),
        "{set}"
    );
}
