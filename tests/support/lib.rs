//! Test helpers: a real app on a real database (a fresh SQLite file, or a fresh PostgreSQL
//! database per test), real plugins from `target/plugins/`, tokens for every role, and a client
//! that drives the same `app(state)` router the binary serves.

pub mod receivers;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use carecheck::access::tokens;
use carecheck::access::{Actor, Role};
use carecheck::config::Config;
use carecheck::regulators::keys;
use carecheck::store::Store;
use carecheck::{AppState, app};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A built plugin component, with a clear message if the plugins were not built.
pub fn plugin_path(name: &str) -> PathBuf {
    let path = root().join("target/plugins").join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: build the plugins first with `cargo xtask plugins` (the README's test command does this)",
        path.display()
    );
    path
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Whether the PostgreSQL suite must run: always on CI (where it must fail, not skip, if the
/// server is missing), otherwise when the server answers.
pub async fn postgres_available() -> bool {
    if std::env::var_os("CI").is_some() || std::env::var_os("CARECHECK_REQUIRE_POSTGRES").is_some()
    {
        return true;
    }
    use sqlx::Connection;
    match sqlx::PgConnection::connect(PG_ADMIN).await {
        Ok(conn) => {
            let _ = conn.close().await;
            true
        }
        Err(_) => {
            eprintln!(
                "PostgreSQL is not reachable at 127.0.0.1:5432: the PostgreSQL suite was NOT run (it runs on SQLite only)"
            );
            false
        }
    }
}

/// The databases a suite runs on: SQLite always, PostgreSQL when [`postgres_available`].
pub async fn databases() -> Vec<Db> {
    let mut dbs = vec![Db::Sqlite];
    if postgres_available().await {
        dbs.push(Db::Postgres);
    }
    dbs
}

/// Asserts that checklist groups (by title) come in the meeting's order that issue 14 sets out,
/// the first always "Review and IRO"; groups with nothing in them may be left out.
pub fn assert_meeting_order(titles: &[&str]) {
    const ORDER: [&str; 7] = [
        "Review and IRO",
        "Mental health",
        "Physical health",
        "Caregivers",
        "Placement and out of area",
        "Education",
        "Leaving care",
    ];
    assert_eq!(titles.first(), Some(&ORDER[0]), "{titles:?}");
    let positions: Vec<usize> = titles
        .iter()
        .map(|t| {
            ORDER
                .iter()
                .position(|o| o == t)
                .unwrap_or_else(|| panic!("{t:?} is not a built-in group: {titles:?}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{titles:?}");
}

/// The JSON pointers an error body's `problems` name, in order.
pub fn problem_paths(body: &Value) -> Vec<&str> {
    body["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems in {body}"))
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect()
}

/// A fresh database URL: a new SQLite file, or a new PostgreSQL database.
pub async fn fresh_database(db: Db, dir: &Path) -> String {
    match db {
        Db::Sqlite => format!("sqlite://{}", dir.join("test.db").display()),
        Db::Postgres => {
            use sqlx::{Connection, Executor};
            let name = format!("carecheck_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(PG_ADMIN)
                .await
                .expect("PostgreSQL at 127.0.0.1:5432 must be reachable for the PostgreSQL suite");
            conn.execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            conn.close().await.unwrap();
            format!("postgres://postgres@127.0.0.1:5432/{name}")
        }
    }
}

/// A test configuration: fresh data directory, the given pack, SQLite or PostgreSQL.
pub fn config(dir: &Path, database_url: String, pack: PathBuf) -> Config {
    Config {
        database_url,
        pack,
        data_dir: dir.join("data"),
        max_body_bytes: 256 * 1024,
        max_upload_bytes: 8 * 1024 * 1024,
        max_import_bytes: 1024 * 1024,
        ..Config::default()
    }
}

/// Writes a pack naming the given built plugins (by crate name) with optional settings TOML.
pub fn write_pack(dir: &Path, plugins: &[(&str, &str)]) -> PathBuf {
    let calendar = root().join("policies/calendars/england-and-wales.toml");
    let mut text = format!(
        "name = \"test\"\ncalendar = {:?}\n",
        calendar.display().to_string()
    );
    for (name, settings) in plugins {
        text.push_str(&format!(
            "\n[[plugins]]\npath = {:?}\n",
            plugin_path(name).display().to_string()
        ));
        if !settings.is_empty() {
            text.push_str(&format!("[plugins.settings]\n{settings}\n"));
        }
    }
    let path = dir.join("pack.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A running app with tokens for every role.
pub struct TestApp {
    pub state: AppState,
    pub dir: tempfile::TempDir,
    pub admin: String,
    pub iro: String,
    pub other_iro: String,
    pub board: String,
    pub inspector: String,
    pub other_inspector: String,
    /// A token acting for [`REGULATOR`].
    pub regulator: String,
    /// [`REGULATOR`]'s private key (PEM), registered with the app.
    pub regulator_key: String,
}

/// The regulator the test app registers, with one key.
pub const REGULATOR: &str = "test-inspectorate";

pub const AUTHORITY: &str = "E10000001";

/// The built-in policies, in the shipped pack's order.
pub const POLICIES: [&str; 13] = [
    "statutory-review-timeliness",
    "iro-appointed",
    "review-mental-health",
    "child-voice",
    "review-preparation",
    "health-assessments",
    "sdq",
    "mental-health-access",
    "caregiver-support",
    "out-of-area-responsibility",
    "virtual-mental-health-lead",
    "education-mental-health",
    "care-leaver-pathway",
];

impl TestApp {
    /// An app on `db` with the statutory-review-timeliness plugin loaded.
    pub async fn new(db: Db) -> Self {
        Self::with_plugins(db, &[("statutory-review-timeliness", "")]).await
    }

    pub async fn with_plugins(db: Db, plugins: &[(&str, &str)]) -> Self {
        Self::with_config(db, plugins, |_| {}).await
    }

    /// An app whose test configuration `tweak` adjusts first.
    pub async fn with_config(
        db: Db,
        plugins: &[(&str, &str)],
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_database(db, dir.path()).await;
        let pack = write_pack(dir.path(), plugins);
        let store = Store::open(&url, 4).await.unwrap();
        let mut config = config(dir.path(), url, pack);
        tweak(&mut config);
        let state = AppState::with_store(config, store).await.unwrap();
        let token = |role, authorities: &[&str], iro: Option<&str>| {
            let store = state.store.clone();
            let authorities: Vec<String> = authorities.iter().map(|a| a.to_string()).collect();
            let iro = iro.map(str::to_string);
            async move {
                tokens::create(&store, role, &authorities, iro.as_deref(), None)
                    .await
                    .unwrap()
                    .token
            }
        };
        let (regulator_key, regulator) = register_regulator(&state.store, REGULATOR).await;
        Self {
            admin: token(Role::Admin, &[], None).await,
            iro: token(Role::Iro, &[AUTHORITY], Some("IRO-1")).await,
            other_iro: token(Role::Iro, &[AUTHORITY], Some("IRO-2")).await,
            board: token(Role::Board, &[AUTHORITY], None).await,
            inspector: token(Role::Inspector, &[AUTHORITY], None).await,
            other_inspector: token(Role::Inspector, &["E99999999"], None).await,
            regulator,
            regulator_key,
            state,
            dir,
        }
    }

    /// A new token with this role and scope.
    pub async fn token(&self, role: Role, authorities: &[&str], iro: Option<&str>) -> String {
        let authorities: Vec<String> = authorities.iter().map(|a| a.to_string()).collect();
        tokens::create(&self.state.store, role, &authorities, iro, None)
            .await
            .unwrap()
            .token
    }

    /// Sends a request through the app and returns the status and the body as JSON (or a string).
    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Body>,
        content_type: &str,
    ) -> (StatusCode, Value) {
        let (status, _, value) = self
            .call_with_headers(method, uri, token, body, content_type, &[])
            .await;
        (status, value)
    }

    /// Like [`TestApp::call`], with extra request headers, also returning the response headers.
    pub async fn call_with_headers(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Body>,
        content_type: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request = request.header("content-type", content_type);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = app(self.state.clone())
            .oneshot(request.body(body.unwrap_or_else(Body::empty)).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, headers, value)
    }

    pub async fn get(&self, uri: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, uri, Some(token), None, "application/json")
            .await
    }

    /// A new admin token scoped to `authority` alone.
    pub async fn admin_of(&self, authority: &str) -> String {
        tokens::create(
            &self.state.store,
            Role::Admin,
            &[authority.to_string()],
            None,
            None,
        )
        .await
        .unwrap()
        .token
    }

    pub async fn delete(&self, uri: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, uri, Some(token), None, "application/json")
            .await
    }

    /// A second replica of this app: its own state on the same database, its plugin poll
    /// every `poll_ms` started as `carecheck serve` starts it.
    pub async fn replica(&self, poll_ms: u64) -> (AppState, tokio::task::JoinHandle<()>) {
        let mut config = (*self.state.config).clone();
        config.data_dir = self.dir.path().join("replica-data");
        config.plugins.poll_ms = poll_ms;
        let store = Store::open(&config.database_url, 4).await.unwrap();
        let state = AppState::with_store(config, store).await.unwrap();
        let poll = carecheck::catalog::live::spawn(
            state.store.clone(),
            state.policies.clone(),
            std::time::Duration::from_millis(poll_ms),
        );
        (state, poll)
    }

    pub async fn put_json(&self, uri: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        self.call(
            Method::PUT,
            uri,
            Some(token),
            Some(Body::from(body.to_string())),
            "application/json",
        )
        .await
    }

    /// POSTs a JSON body (given or borrowed) as `token`.
    /// Posts `{}` to a subscription's action (`run`, `pause`, `resume`) as `token`.
    pub async fn subscription_action(
        &self,
        id: &str,
        action: &str,
        token: &str,
    ) -> (StatusCode, Value) {
        self.post_json(
            &format!("/api/v1/subscriptions/{id}/{action}"),
            token,
            serde_json::json!({}),
        )
        .await
    }

    pub async fn post_json(
        &self,
        uri: &str,
        token: &str,
        body: impl std::borrow::Borrow<Value>,
    ) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            uri,
            Some(token),
            Some(Body::from(body.borrow().to_string())),
            "application/json",
        )
        .await
    }

    pub async fn put_raw(&self, uri: &str, token: &str, body: &str) -> (StatusCode, Value) {
        self.call(
            Method::PUT,
            uri,
            Some(token),
            Some(Body::from(body.to_string())),
            "application/json",
        )
        .await
    }

    /// Serves the app on a real listener on 127.0.0.1 (an unused port), as `carecheck serve`
    /// does, until [`Served::stop`].
    pub async fn serve(&self) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(carecheck::http::server::serve_on(
            listener,
            self.state.clone(),
            async move {
                let _ = stopped.await;
            },
        ));
        Served { addr, stop, task }
    }

    /// Posts an NDJSON bulk upload as `token`.
    pub async fn bulk(&self, token: &str, body: Body) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            "/api/v1/records/bulk",
            Some(token),
            Some(body),
            "application/x-ndjson",
        )
        .await
    }

    /// Counts stored record versions, to prove a rejected request wrote nothing.
    pub async fn versions(&self) -> i64 {
        carecheck::records::queries::count_versions(&self.state.store)
            .await
            .unwrap()
    }
}

/// Registers regulator `name` with a fresh key; its private key (PEM) and a token acting for it.
pub async fn register_regulator(store: &Store, name: &str) -> (String, String) {
    let (private, public) = keys::generate();
    let public = keys::parse_public(&public).unwrap();
    carecheck::regulators::add_key(store, name, &public, &Actor::operator("test"))
        .await
        .unwrap();
    let request = tokens::TokenRequest {
        role: Role::Regulator,
        authorities: Vec::new(),
        iro_id: None,
        label: None,
        lifetime_days: 30,
        regulator: Some(name.into()),
    };
    let token = tokens::create_as(store, &request).await.unwrap().token;
    (private, token)
}

/// The detached signature of `wasm` by the private key `key` (PEM).
pub fn sign(key: &str, wasm: &[u8]) -> Vec<u8> {
    keys::sign(&keys::parse_private(key).unwrap(), wasm).to_vec()
}

/// A `multipart/form-data` body with these (name, bytes) parts, and its content type.
pub fn multipart(parts: &[(&str, &[u8])]) -> (Vec<u8>, String) {
    const BOUNDARY: &str = "carecheck-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, bytes) in parts {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={BOUNDARY}"))
}

impl TestApp {
    /// Uploads a plugin as `token`: the component, and the signature if given.
    pub async fn upload_plugin(
        &self,
        token: &str,
        component: &[u8],
        signature: Option<&[u8]>,
    ) -> (StatusCode, Value) {
        let mut parts = vec![("component", component)];
        if let Some(signature) = signature {
            parts.push(("signature", signature));
        }
        let (body, content_type) = multipart(&parts);
        self.call(
            Method::POST,
            "/api/v1/plugins",
            Some(token),
            Some(Body::from(body)),
            &content_type,
        )
        .await
    }

    /// Uploads a component signed by the test regulator's key, as the test regulator.
    pub async fn publish(&self, component: &[u8]) -> (StatusCode, Value) {
        let signature = sign(&self.regulator_key, component);
        self.upload_plugin(&self.regulator, component, Some(&signature))
            .await
    }
}

/// GETs `uri` from the app on `state` (another replica's, say) as `token`.
pub async fn get_from(state: &AppState, uri: &str, token: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A server started by [`TestApp::serve`].
pub struct Served {
    pub addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Served {
    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Signals shutdown and waits (at most 30 s) for the server to finish.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        tokio::time::timeout(std::time::Duration::from_secs(30), self.task)
            .await
            .map_err(|_| anyhow::anyhow!("the server did not stop within 30 s"))??
    }
}

/// A small valid record for child `id`, assigned to `iro` from 2024-01-01.
pub fn record(id: &str, iro: &str) -> Value {
    serde_json::json!({
        "child": {"id": id, "responsible_authority": AUTHORITY, "name": "Test Child", "date_of_birth": "2014-06-30"},
        "periods_of_care": [{"episodes": [{"start": "2024-01-02", "placement_id": "P1"}]}],
        "placements": [{"id": "P1", "start": "2024-01-02", "location_authority": AUTHORITY}],
        "iro_assignments": [{"iro_id": iro, "from": "2024-01-01"}],
        "reviews": [{"date": "2024-01-25"}, {"date": "2024-04-20"}]
    })
}

/// The median of some measurements (benchmarks report medians).
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// CPU time this process has used so far, every thread's (ended ones too), in seconds.
pub fn cpu_seconds() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// The processor this runs on, as the kernel names it (`/proc/cpuinfo`), and its clock. Stops
/// have measured on machines of this kind whose native pass differed by half, so figures from
/// different runs compare only knowing whether the machine changed between them.
pub fn processor() -> String {
    let field = |name| proc_field("/proc/cpuinfo", name);
    match (field("model name"), field("cpu MHz")) {
        (Some(model), Some(mhz)) => format!("{model} at {mhz} MHz"),
        (Some(model), None) => model,
        _ => "an unnamed processor".into(),
    }
}

/// The whole machine's CPU time so far, in clock ticks (`/proc/stat`'s first line): all of it,
/// and what the hypervisor gave to other guests instead (steal). On a shared host a phase that
/// lost time to steal reads slower than its code is; two readings say how much it lost.
#[derive(Clone, Copy)]
pub struct MachineTicks {
    total: u64,
    steal: u64,
}

impl MachineTicks {
    pub fn now() -> Self {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        // user, nice, system, idle, iowait, irq, softirq, steal (guest time is inside user).
        let ticks: Vec<u64> = stat
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .take(8)
            .filter_map(|t| t.parse().ok())
            .collect();
        Self {
            total: ticks.iter().sum(),
            steal: ticks.get(7).copied().unwrap_or(0),
        }
    }

    /// The percentage of the machine's CPU time since this reading that went to steal; NaN
    /// where `/proc/stat` could not be read, so an unknown share never reads as none.
    pub fn steal_percent_since(self) -> f64 {
        let now = Self::now();
        let total = now.total.saturating_sub(self.total);
        if self.total == 0 || total == 0 {
            return f64::NAN;
        }
        100.0 * now.steal.saturating_sub(self.steal) as f64 / total as f64
    }
}

/// Peak resident memory of this process so far, in MiB (Linux `VmHWM`).
pub fn peak_rss_mib() -> f64 {
    status_mib("VmHWM")
}

/// Starts measuring peak memory afresh: resets the kernel's high-water mark to what the process
/// holds now (Linux `clear_refs`, value 5), and returns that, in MiB.
pub fn reset_peak_rss_mib() -> f64 {
    // A kernel without the reset leaves the mark as it was; the figure then reads high, not low.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    status_mib("VmRSS")
}

/// One memory figure of `/proc/self/status`, in MiB.
fn status_mib(field: &str) -> f64 {
    proc_field("/proc/self/status", field)
        .and_then(|value| {
            value
                .split_whitespace()
                .next()
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The value of the first `key: value` line named `key` in a `/proc` file, trimmed.
fn proc_field(path: &str, key: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            (name.trim() == key).then(|| value.trim().to_string())
        })
}

/// Each plugin's projection in `set`, in order, and their union: how a set reads a record once
/// for every plugin, rebuilt where a test or bench projects for each plugin itself.
pub fn projections(
    set: &carecheck::plugins::PolicySet,
) -> (
    Vec<carecheck_sdk::projection::Projection>,
    carecheck_sdk::projection::Projection,
) {
    use carecheck_sdk::projection::Projection;
    let each: Vec<Projection> = set
        .plugins
        .iter()
        .map(|p| Projection::new(&p.plugin.metadata.reads))
        .collect();
    let union = Projection::union(&each.iter().collect::<Vec<_>>());
    (each, union)
}
