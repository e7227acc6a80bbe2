//! Real receivers for the delivery tests, shared by `tests/tests/reports.rs` and
//! `host/tests/scheduler.rs`: an SMTP server (Python's aiosmtpd, started by the test) and an HTTP
//! receiver that checks every Standard Webhooks signature itself (its own HMAC, not carecheck's).
//! Both listen on unused ports on 127.0.0.1. With `CI` set, a missing aiosmtpd fails the test.
// Each of the two test crates that include this file uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Polls `check` every 200 ms until it gives a value or `timeout` passes (then panics with
/// `what`). Generous timeouts: CI runs on a loaded two-core machine.
pub async fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// An aiosmtpd server writing each message it accepts to a folder.
pub struct Smtp {
    pub port: u16,
    pub folder: PathBuf,
    child: Child,
}

/// Whether aiosmtpd is importable; on CI its absence is a failure, elsewhere a loud skip.
pub fn aiosmtpd_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "aiosmtpd is required on CI: python3 -m pip install aiosmtpd (cargo xtask test installs it)"
        );
        eprintln!(
            "aiosmtpd is not installed: the delivery tests were NOT run (python3 -m pip install aiosmtpd)"
        );
    }
    ok
}

impl Smtp {
    /// Starts the server (the caller has checked [`aiosmtpd_available`]).
    pub fn start(script: &Path, folder: &Path) -> Smtp {
        use std::io::BufRead;
        std::fs::create_dir_all(folder).unwrap();
        let mut child = Command::new("python3")
            .arg(script)
            .arg(folder)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the SMTP server did not print its port: {line:?}"));
        Smtp {
            port,
            folder: folder.to_path_buf(),
            child,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, oldest first, as text.
    pub fn messages(&self) -> Vec<String> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message's header value (first occurrence, unfolded).
pub fn header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\r\n\r\n").next().unwrap_or(message);
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// How the webhook receiver answers a request.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Ok,
    /// `503` with `Retry-After: N`.
    RetryAfter(u64),
    /// Never answers (the request is held open).
    Hang,
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    /// Whether `webhook-signature` held a valid `v1,` signature of `id.timestamp.body`.
    pub verified: bool,
    pub body: Vec<u8>,
}

/// An HTTP receiver that verifies Standard Webhooks signatures.
pub struct Webhooks {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

fn verify(secret: &str, id: &str, timestamp: &str, body: &[u8], signatures: &str) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    // The header may hold several space-separated signatures.
    signatures
        .split(' ')
        .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

impl Webhooks {
    /// Answers the first requests as `answers` says and every later one with 200.
    pub async fn start(secret: &str, answers: Vec<Answer>) -> Webhooks {
        use axum::http::{HeaderMap, StatusCode};
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let secret = secret.to_string();
        let log = received.clone();
        let handler = move |headers: HeaderMap, body: axum::body::Bytes| {
            let log = log.clone();
            let secret = secret.clone();
            let answers = answers.clone();
            async move {
                let get = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string()
                };
                let (id, timestamp) = (get("webhook-id"), get("webhook-timestamp"));
                let verified = verify(&secret, &id, &timestamp, &body, &get("webhook-signature"));
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(Received {
                        id,
                        timestamp,
                        verified,
                        body: body.to_vec(),
                    });
                    log.len() - 1
                };
                match answers.get(n).copied().unwrap_or(Answer::Ok) {
                    Answer::Ok => (StatusCode::OK, HeaderMap::new()),
                    Answer::RetryAfter(secs) => {
                        let mut h = HeaderMap::new();
                        h.insert("retry-after", secs.into());
                        (StatusCode::SERVICE_UNAVAILABLE, h)
                    }
                    Answer::Hang => std::future::pending().await,
                }
            }
        };
        let app = axum::Router::new().route("/hook", axum::routing::post(handler));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Webhooks {
            url,
            received,
            task,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Webhooks {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Every file name in a folder, dot files included, sorted (empty if the folder is missing).
pub fn folder_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
