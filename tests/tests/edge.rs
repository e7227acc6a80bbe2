//! The edge, on a real listener on 127.0.0.1: slow and idle clients cannot hold it, the
//! connection cap holds, rate limits answer 429 with Retry-After, request ids are the server's
//! own (SQLite and PostgreSQL), every request leaves an access log line and every failed sign-in
//! is counted, every error is the documented JSON with bounded echoes, and HTTPS is served with
//! a certificate made here. Every test bounds its sockets and its waits, and talks only to
//! 127.0.0.1.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use carecheck::config::Config;
use carecheck_tests::{AUTHORITY, Db, Served, TestApp, databases, record};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PLUGINS: &[(&str, &str)] = &[("statutory-review-timeliness", "")];

/// The longest any single wait in these tests may take: a liveness bound, not a speed claim.
const BOUND: Duration = Duration::from_secs(30);

async fn app_with(db: Db, tweak: impl FnOnce(&mut Config)) -> TestApp {
    TestApp::with_config(db, PLUGINS, tweak).await
}

/// A client that talks to 127.0.0.1 only (no proxy from the environment).
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(BOUND)
        .build()
        .unwrap()
}

/// Reads until the server closes the connection (or resets it); fails past [`BOUND`].
async fn closed_by_server(socket: &mut TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    let waited = tokio::time::timeout(BOUND, async {
        loop {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    waited.is_ok()
}

async fn metrics(served: &Served) -> String {
    client()
        .get(served.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of one sample line in Prometheus text (0 when absent).
fn sample(text: &str, name_and_labels: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.trim().parse().ok())
        .unwrap_or(0)
}

/// A request head that never ends, as in the connection-exhaustion finding.
const HALF_SENT: &[u8] = b"GET / HTTP/1.1\r\nHost:x\r\n";

/// `count` connections from 127.0.0.1, each with a request head that never ends.
async fn half_sent(served: &Served, count: usize) -> Vec<TcpStream> {
    let mut sockets = Vec::with_capacity(count);
    for _ in 0..count {
        let mut socket = TcpStream::connect(served.addr).await.unwrap();
        socket.write_all(HALF_SENT).await.unwrap();
        sockets.push(socket);
    }
    sockets
}

#[tokio::test(flavor = "multi_thread")]
async fn half_sent_requests_cannot_exhaust_the_listener() {
    const CAP: usize = 8;
    const SLOW: usize = 3 * CAP;
    let t = app_with(Db::Sqlite, |c| {
        c.server.max_connections = CAP;
        c.server.header_timeout_ms = 1_000;
    })
    .await;
    let served = t.serve().await;
    let mut slow = half_sent(&served, SLOW).await;
    // The listener takes at most CAP of them at once; the rest wait in the kernel's queue.
    let metrics_of = t.state.edge.clone();
    let mut peak = 0;
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while peak < CAP as i64 {
            peak = peak.max(metrics_of.metrics.open_connections());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    // A real client, sent while every slot is held, is served once the slow ones are dropped;
    // meanwhile the count of open connections is watched.
    let real = tokio::spawn({
        let url = served.url("/healthz");
        async move { client().get(url).send().await.map(|r| r.status()) }
    });
    let watching = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watcher = tokio::spawn({
        let watching = watching.clone();
        async move {
            let mut peak = 0;
            while watching.load(std::sync::atomic::Ordering::SeqCst) {
                peak = peak.max(metrics_of.metrics.open_connections());
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            peak
        }
    });
    // Every half-sent request is dropped by the server.
    for (i, socket) in slow.iter_mut().enumerate() {
        assert!(
            closed_by_server(socket).await,
            "half-sent request {i} was still held after {BOUND:?}"
        );
    }
    assert_eq!(real.await.unwrap().unwrap(), StatusCode::OK);
    watching.store(false, std::sync::atomic::Ordering::SeqCst);
    let peak = peak.max(watcher.await.unwrap());
    assert_eq!(peak, CAP as i64, "at most {CAP} connections may be open");
    let text = metrics(&served).await;
    assert!(
        sample(
            &text,
            "carecheck_http_connections_dropped_total{reason=\"header_timeout\"}"
        ) >= SLOW as u64,
        "{text}"
    );
    served.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn one_address_cannot_take_every_connection() {
    const PER_IP: usize = 4;
    const SLOW: usize = PER_IP + 2;
    let t = app_with(Db::Sqlite, |c| {
        c.server.max_connections = 16;
        c.server.max_connections_per_ip = PER_IP;
        // Long enough that no connection here ends by timing out.
        c.server.header_timeout_ms = 120_000;
    })
    .await;
    let served = t.serve().await;
    // Half-sent requests from 127.0.0.1: it holds its cap and its further connections are closed.
    let mut slow = half_sent(&served, SLOW).await;
    let edge = t.state.edge.clone();
    let refused = tokio::time::timeout(BOUND, async {
        loop {
            let text = edge.metrics.render_without_eof();
            if sample(
                &text,
                "carecheck_http_connections_dropped_total{reason=\"address_cap\"}",
            ) >= (SLOW - PER_IP) as u64
            {
                return edge.metrics.open_connections();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(
        refused.ok(),
        Some(PER_IP as i64),
        "127.0.0.1 should hold exactly {PER_IP} connections"
    );
    // Another address is served meanwhile (loopback, from 127.0.0.2 to 127.0.0.1).
    let other = reqwest::Client::builder()
        .no_proxy()
        .timeout(BOUND)
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let r = other.get(served.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // 127.0.0.1 itself is refused until one of its connections closes.
    assert!(client().get(served.url("/healthz")).send().await.is_err());
    // The last two were the ones refused: closing one more frees a place (and the other
    // address's kept-alive connection goes too, so the count is 127.0.0.1's alone).
    drop((r, other));
    slow.truncate(PER_IP - 1);
    let freed = tokio::time::timeout(BOUND, async {
        while edge.metrics.open_connections() >= PER_IP as i64 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(freed.is_ok(), "a closed connection was still counted");
    let r = client().get(served.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    served.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_are_closed() {
    let t = app_with(Db::Sqlite, |c| {
        // The header timeout is long here, so the idle timeout is what closes them.
        c.server.header_timeout_ms = 60_000;
        c.server.idle_timeout_ms = 500;
    })
    .await;
    let served = t.serve().await;
    // Connected, never a byte.
    let mut silent = TcpStream::connect(served.addr).await.unwrap();
    // One whole request, answered, then the connection kept alive and left idle.
    let mut kept = TcpStream::connect(served.addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    kept.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    assert!(
        closed_by_server(&mut silent).await,
        "a silent connection was held"
    );
    assert!(
        closed_by_server(&mut kept).await,
        "an idle kept-alive connection was held"
    );
    let text = metrics(&served).await;
    assert!(
        sample(
            &text,
            "carecheck_http_connections_dropped_total{reason=\"idle\"}"
        ) >= 2,
        "{text}"
    );
    served.stop().await.unwrap();
}

/// Reads from `socket` until `marker` has arrived; fails past [`BOUND`].
async fn read_until(socket: &mut TcpStream, marker: &str) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(BOUND, async {
        while !String::from_utf8_lossy(&seen).contains(marker) {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(
                n > 0,
                "closed before {marker:?}: {}",
                String::from_utf8_lossy(&seen)
            );
            seen.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {marker:?} within {BOUND:?}"));
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_finishes_requests_in_flight_and_drops_the_rest() {
    let t = app_with(Db::Sqlite, |c| {
        // Long, so that only the shutdown can close the half-sent request below.
        c.server.header_timeout_ms = 120_000;
    })
    .await;
    let served = t.serve().await;
    let http = client();
    // A kept-alive connection from a real client, and one that sent half a request.
    let r = http.get(served.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut half = half_sent(&served, 1).await.remove(0);
    // A write in flight: its handler is reading the body (the server has said 100 Continue).
    let body = record("C1", "IRO-1").to_string();
    let mut writing = TcpStream::connect(served.addr).await.unwrap();
    writing
        .write_all(
            format!(
                "PUT /api/v1/children/E10000001/C1 HTTP/1.1\r\nHost: x\r\n\
                 Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
                t.admin,
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    read_until(&mut writing, "100 Continue\r\n\r\n").await;
    let addr = served.addr;
    let stopping = tokio::spawn(served.stop());
    // Once the listener is gone the shutdown has begun; then the body is sent.
    let listener_gone = tokio::time::timeout(BOUND, async {
        while TcpStream::connect(addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(listener_gone.is_ok(), "the server kept accepting");
    writing.write_all(body.as_bytes()).await.unwrap();
    let answer = read_until(&mut writing, "\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    stopping.await.unwrap().unwrap();
    assert!(closed_by_server(&mut half).await);
    assert!(closed_by_server(&mut writing).await);
    assert_eq!(t.versions().await, 1);
}

/// A token's id with a wrong secret: what someone who saw the id in a log could send.
fn forged(token: &str) -> String {
    format!("{}{}", &token[..20], "0".repeat(64))
}

/// Sends `GET url` with `token` (none if empty): the status, `Retry-After` and the body.
async fn get_as(
    http: &reqwest::Client,
    url: &str,
    token: &str,
) -> (StatusCode, Option<u64>, Value) {
    let mut request = http.get(url);
    if !token.is_empty() {
        request = request.bearer_auth(token);
    }
    let r = request.send().await.unwrap();
    let status = r.status();
    let retry_after = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let text = r.text().await.unwrap();
    (
        status,
        retry_after,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// An app served with the given rate limits (per address, per token, burst).
async fn limited(per_ip: u32, per_token: u32, burst: u32) -> (TestApp, Served) {
    let t = app_with(Db::Sqlite, |c| {
        c.server.rate_limit.per_ip_per_minute = per_ip;
        c.server.rate_limit.per_token_per_minute = per_token;
        c.server.rate_limit.burst = burst;
    })
    .await;
    let served = t.serve().await;
    (t, served)
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_answer_429_with_retry_after() {
    let http = client();
    // Per address: three at once, then one a minute.
    let (t, served) = limited(1, 0, 3).await;
    let policies = served.url("/api/v1/policies");
    for _ in 0..3 {
        assert_eq!(get_as(&http, &policies, &t.admin).await.0, StatusCode::OK);
    }
    // Another token from the same address is refused too: the limit is the address's.
    let (status, retry_after, body) = get_as(&http, &policies, &t.regulator).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after.is_some_and(|s| s >= 1), "{retry_after:?}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("too many requests")),
        "{body}"
    );
    // Health checks and metrics are not limited.
    assert_eq!(
        get_as(&http, &served.url("/healthz"), "").await.0,
        StatusCode::OK
    );
    let text = metrics(&served).await;
    assert_eq!(
        sample(&text, "carecheck_http_rate_limited_total{scope=\"ip\"}"),
        1,
        "{text}"
    );
    served.stop().await.unwrap();

    // Per token: two at once, then one a minute, for each token that proved its secret.
    let (t, served) = limited(0, 1, 2).await;
    let policies = served.url("/api/v1/policies");
    // Someone who knows the admin token's id but not its secret cannot spend its allowance.
    for _ in 0..5 {
        let status = get_as(&http, &policies, &forged(&t.admin)).await.0;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    for _ in 0..2 {
        assert_eq!(get_as(&http, &policies, &t.admin).await.0, StatusCode::OK);
    }
    let (status, retry_after, _) = get_as(&http, &policies, &t.admin).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after.is_some_and(|s| s >= 1), "{retry_after:?}");
    // Another token has its own allowance.
    assert_eq!(
        get_as(&http, &policies, &t.regulator).await.0,
        StatusCode::OK
    );
    let text = metrics(&served).await;
    assert_eq!(
        sample(&text, "carecheck_http_rate_limited_total{scope=\"token\"}"),
        1,
        "{text}"
    );
    served.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn request_ids_are_the_servers_own_and_a_clients_is_kept_beside() {
    for db in databases().await {
        let t = app_with(db, |_| {}).await;
        let served = t.serve().await;
        let http = client();
        let c1 = served.url("/api/v1/children/E10000001/C1");
        let r = http
            .put(&c1)
            .bearer_auth(&t.admin)
            .header("x-request-id", "forged")
            .header("content-type", "application/json")
            .body(record("C1", "IRO-1").to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{db:?}");
        let server_id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert!(uuid::Uuid::parse_str(&server_id).is_ok(), "{server_id}");
        assert_eq!(r.headers()["x-client-request-id"], "forged");
        // Client ids that are too long or hold unsafe characters are dropped.
        for bad in ["x".repeat(65), "a b".into(), "ok\"<script>".into()] {
            let r = http
                .get(&c1)
                .bearer_auth(&t.admin)
                .header("x-request-id", &bad)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            assert!(r.headers().get("x-client-request-id").is_none(), "{bad}");
            assert_ne!(r.headers()["x-request-id"], bad.as_str());
        }
        // The requests' rows (the test app's own set-up is filed as the operator's).
        let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT action, request_id, client_request_id FROM audit_log WHERE role <> 'operator' ORDER BY id",
        )
        .fetch_all(t.state.store.pool())
        .await
        .unwrap();
        assert_eq!(
            rows[0],
            (
                "write_record".into(),
                Some(server_id),
                Some("forged".into())
            ),
            "{db:?}"
        );
        assert_eq!(rows.len(), 4, "{db:?}: {rows:?}");
        for (action, request_id, client_request_id) in &rows[1..] {
            assert_eq!(action, "read_record");
            assert!(uuid::Uuid::parse_str(request_id.as_deref().unwrap()).is_ok());
            assert_eq!(client_request_id, &None, "{db:?}");
        }
        served.stop().await.unwrap();
    }
}

/// Every log line of this test binary, as JSON, from the first call on.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "info,sqlx=warn,wasmtime=warn,cranelift=warn",
            ))
            .with_writer(move || Capture(writer.clone()))
            .init();
        buffer
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn log_lines(logs: &Mutex<Vec<u8>>) -> Vec<Value> {
    String::from_utf8_lossy(&logs.lock().unwrap())
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_request_is_logged_and_failed_sign_ins_counted() {
    let logs = captured_logs();
    let t = app_with(Db::Sqlite, |_| {}).await;
    let served = t.serve().await;
    let http = client();
    let child = "CHILD-ID-IN-PATH-7";
    let uri = served.url(&format!("/api/v1/children/{AUTHORITY}/{child}"));
    let r = http
        .put(&uri)
        .bearer_auth(&t.admin)
        .header("content-type", "application/json")
        .body(record(child, "IRO-1").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let ok_id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    // No token, then a token whose secret is wrong.
    let r = http.get(&uri).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let forged = forged(&t.admin);
    let r = http.get(&uri).bearer_auth(&forged).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let failed_id = r.headers()["x-request-id"].to_str().unwrap().to_string();

    let text = metrics(&served).await;
    assert_eq!(
        sample(
            &text,
            "carecheck_http_auth_failures_total{reason=\"missing\"}"
        ),
        1,
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "carecheck_http_auth_failures_total{reason=\"invalid\"}"
        ),
        1,
        "{text}"
    );
    served.stop().await.unwrap();

    let lines = log_lines(&logs);
    let by_id = |id: &str, message: &str| {
        lines
            .iter()
            .find(|l| l["fields"]["request_id"] == id && l["fields"]["message"] == message)
            .unwrap_or_else(|| panic!("no {message:?} line for {id}"))
            .clone()
    };
    let admin_id = &t.admin["cc_".len().."cc_".len() + 16];
    let ok = by_id(&ok_id, "request");
    assert_eq!(ok["target"], "carecheck::access");
    let fields = &ok["fields"];
    assert_eq!(fields["method"], "PUT");
    assert_eq!(fields["route"], "/api/v1/children/{authority}/{child_id}");
    assert_eq!(fields["status"], 201);
    assert_eq!(fields["token"], admin_id);
    assert_eq!(fields["remote_addr"], "127.0.0.1");
    assert!(fields["latency_ms"].is_u64(), "{ok}");
    let failed = by_id(&failed_id, "request");
    assert_eq!(failed["fields"]["status"], 401);
    assert_eq!(failed["fields"]["token"], "-");
    let warning = by_id(&failed_id, "authentication failed");
    assert_eq!(warning["level"], "WARN");
    assert_eq!(warning["fields"]["reason"], "invalid");
    // Never a secret, the concrete path (it holds the child's id) or the record.
    let all = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    for secret in [
        &t.admin[20..],
        &forged[20..],
        child,
        "Test Child",
        "2014-06-30",
    ] {
        assert!(!all.contains(secret), "the log holds {secret:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_error_is_json_and_echoes_are_bounded() {
    let t = app_with(Db::Sqlite, |c| c.max_body_bytes = 4 * 1024 * 1024).await;
    let served = t.serve().await;
    // A connection per request: the server closes one after refusing a body it did not read.
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(BOUND)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let c1 = served.url("/api/v1/children/E10000001/C1");
    let runs = served.url("/api/v1/runs");
    let mut huge_date = record("C1", "IRO-1");
    huge_date["child"]["date_of_birth"] = json!(format!("2014-{}", "9".repeat(1_900_000)));
    let mut many_problems = record("C1", "IRO-1");
    many_problems["reviews"] = json!(vec![json!({"date": "not a date"}); 150]);
    let cases: Vec<(&str, reqwest::RequestBuilder, StatusCode)> = vec![
        (
            "unknown route",
            http.get(served.url("/api/v1/nothing-here")),
            StatusCode::NOT_FOUND,
        ),
        (
            "wrong method",
            http.delete(served.url("/api/v1/policies")),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            "body over the limit",
            http.put(&c1)
                .bearer_auth(&t.admin)
                .header("content-type", "application/json")
                // One byte over: the server has read all of it when it refuses, so it closes
                // cleanly rather than resetting a connection the client is still writing to.
                .body("x".repeat(4 * 1024 * 1024 + 1)),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "wrong content type",
            http.post(&runs)
                .bearer_auth(&t.admin)
                .header("content-type", "text/plain")
                .body("{}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "bad query string",
            http.get(served.url("/api/v1/children?limit=lots"))
                .bearer_auth(&t.admin),
            StatusCode::BAD_REQUEST,
        ),
        (
            "bad JSON body",
            http.post(&runs)
                .bearer_auth(&t.admin)
                .header("content-type", "application/json")
                .body("{\"as_of\": "),
            StatusCode::BAD_REQUEST,
        ),
        (
            "1.9 MB invalid date",
            http.put(&c1)
                .bearer_auth(&t.admin)
                .header("content-type", "application/json")
                .body(huge_date.to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "150 invalid dates",
            http.put(&c1)
                .bearer_auth(&t.admin)
                .header("content-type", "application/json")
                .body(many_problems.to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (case, request, status) in cases {
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), status, "{case}");
        assert_eq!(
            r.headers()["content-type"],
            "application/json",
            "{case}: {:?}",
            r.headers()
        );
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert!(r.headers().contains_key("allow"), "{case}");
        }
        let text = r.text().await.unwrap();
        assert!(
            text.len() < 64 * 1024,
            "{case}: a {}-byte error",
            text.len()
        );
        let body: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{case}: {e}: {text}"));
        let error = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{case}: {body}"));
        assert!(!error.is_empty() && error.len() <= 512, "{case}: {error}");
        for problem in body["problems"].as_array().into_iter().flatten() {
            let message = problem["message"].as_str().unwrap();
            assert!(
                message.len() <= 512,
                "{case}: a {}-byte problem",
                message.len()
            );
        }
        match case {
            "1.9 MB invalid date" => {
                let problem = &body["problems"][0];
                assert_eq!(problem["path"], "/child/date_of_birth", "{body}");
                let message = problem["message"].as_str().unwrap();
                assert!(message.contains("bytes left out"), "{message}");
                assert!(message.starts_with("\"2014-999"), "{message}");
            }
            "150 invalid dates" => {
                let problems = body["problems"].as_array().unwrap();
                assert_eq!(problems.len(), 100, "{body}");
                assert!(
                    problems[99]["message"]
                        .as_str()
                        .unwrap()
                        .contains("more problems were left out"),
                    "{body}"
                );
            }
            _ => {}
        }
    }
    assert_eq!(t.versions().await, 0);
    served.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn https_is_served_with_the_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_pem = certified.cert.pem();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, &cert_pem).unwrap();
    std::fs::write(&key_path, certified.signing_key.serialize_pem()).unwrap();
    let t = app_with(Db::Sqlite, |c| {
        c.tls.cert_path = Some(cert_path.clone());
        c.tls.key_path = Some(key_path.clone());
    })
    .await;
    let served = t.serve().await;
    let https = reqwest::Client::builder()
        .no_proxy()
        .timeout(BOUND)
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .resolve("localhost", served.addr)
        .https_only(true)
        .build()
        .unwrap();
    let base = format!("https://localhost:{}", served.addr.port());
    let r = https.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = https
        .get(format!("{base}/api/v1/policies"))
        .bearer_auth(&t.regulator)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Plain HTTP to the HTTPS port gets no answer.
    let plain = client().get(served.url("/healthz")).send().await;
    assert!(plain.is_err(), "plain HTTP was answered: {plain:?}");
    // A client that does not trust the certificate is refused the handshake.
    let untrusting = reqwest::Client::builder()
        .no_proxy()
        .timeout(BOUND)
        .resolve("localhost", served.addr)
        .build()
        .unwrap();
    assert!(
        untrusting
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_err()
    );
    served.stop().await.unwrap();

    // A key that is not there stops the server from starting, naming the setting.
    let t = app_with(Db::Sqlite, |c| {
        c.tls.cert_path = Some(cert_path.clone());
        c.tls.key_path = Some(dir.path().join("missing.pem"));
    })
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = carecheck::http::server::serve_on(listener, t.state.clone(), async {})
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("tls.key_path"), "{err:#}");
}
