//! The web pages in a real headless Chromium (Debian's `chromium` and `chromium-driver`),
//! driven over WebDriver: an IRO signs in, opens the upcoming reviews and a checklist, checks its
//! grouping and first item, prints it to PDF (A4, the child's id on every page), runs axe-core
//! in each page (no serious or critical violation), cannot reach another IRO's child by URL on
//! the pages or the API, and signs out. Screenshots, the PDF and a PNG of its first page are
//! kept in `target/browser-artefacts/`.
//!
//! `cargo xtask test` installs Chromium, chromedriver and poppler-utils with apt-get and
//! axe-core from npm (into `target/browser-tools/`) when they are missing. Without them the test
//! says so and passes on a developer's machine; with `CI` set it fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use carecheck_tests::{AUTHORITY, Db, POLICIES, TestApp, assert_meeting_order, root};
use fantoccini::wd::{PrintConfiguration, PrintSize};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// The programs the test needs, found on this machine.
struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
    axe: PathBuf,
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// The tools, or `None` (after saying what is missing) on a developer's machine; on CI a
/// missing tool fails the test.
fn tools() -> Option<Tools> {
    let axe = std::env::var_os("CARECHECK_AXE_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/browser-tools/node_modules/axe-core/axe.min.js"));
    let found = (
        on_path("chromium"),
        on_path("chromedriver"),
        axe.is_file(),
        ["pdfinfo", "pdftotext", "pdftoppm"]
            .iter()
            .all(|p| on_path(p).is_some()),
    );
    match found {
        (Some(chromium), Some(chromedriver), true, true) => Some(Tools {
            chromium,
            chromedriver,
            axe,
        }),
        _ => {
            let why = format!(
                "the browser tests need chromium, chromedriver (Debian: chromium, chromium-driver), pdfinfo, pdftotext, pdftoppm (poppler-utils) and axe-core at {} (npm install axe-core); `cargo xtask test` installs them. Found: {found:?}",
                axe.display()
            );
            assert!(std::env::var_os("CI").is_none(), "{why}");
            eprintln!("browser tests NOT run: {why}");
            None
        }
    }
}

/// A chromedriver on an unused port of 127.0.0.1, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    async fn start(tools: &Tools, log: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Self { child, port };
        // Ready when /status answers; generous on a loaded machine.
        let deadline = Instant::now() + Duration::from_secs(60);
        let http = reqwest::Client::new();
        loop {
            let ready = http
                .get(format!("http://127.0.0.1:{port}/status"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return driver;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn artefacts() -> PathBuf {
    let dir = root().join("target/browser-artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(artefacts().join(format!("{name}.png")), png).unwrap();
}

/// axe-core's serious and critical violations in the current page.
async fn accessibility_violations(client: &Client, axe_source: &str) -> Vec<Value> {
    client.execute(axe_source, vec![]).await.unwrap();
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, {resultTypes: ['violations']})\
                .then(r => done(JSON.stringify(r.violations)))\
                .catch(e => done(JSON.stringify([{id: 'axe-failed', impact: 'critical', description: String(e)}])));",
            vec![],
        )
        .await
        .unwrap();
    let violations: Vec<Value> = serde_json::from_str(result.as_str().unwrap()).unwrap();
    violations
        .into_iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect()
}

/// The element, once the page has it (generous on a loaded machine).
async fn wait_for(client: &Client, locator: Locator<'_>) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(locator)
        .await
        .unwrap_or_else(|e| panic!("waiting for {locator:?}: {e}"))
}

/// Runs a poppler tool and returns its standard output.
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_iro_signs_in_opens_and_prints_a_checklist() {
    let Some(tools) = tools() else { return };
    let axe_source = std::fs::read_to_string(&tools.axe).unwrap();
    // The statutory pack and a small demo authority: 120 children, two IROs.
    let plugins: Vec<(&str, &str)> = POLICIES.iter().map(|p| (*p, "")).collect();
    let t = TestApp::with_config(Db::Sqlite, &plugins, |c| {
        c.server.rate_limit.per_ip_per_minute = 0;
    })
    .await;
    let state = &t.state;
    let demo = carecheck::demo::set_up(
        &state.store,
        &state.policies.current(),
        &state.due_dates,
        state.today(),
        120,
        2026,
        1,
    )
    .await
    .unwrap();
    let token = |role: &str| {
        demo.tokens
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, t)| t.token.clone())
            .unwrap()
    };
    let iro_token = token("iro");
    // A child of the other IRO, IRO-002.
    let filter = carecheck::records::ChildFilter {
        iro: Some(("IRO-002".into(), state.today())),
        ..Default::default()
    };
    let theirs = carecheck::records::queries::list_children(&state.store, &filter, None, 1)
        .await
        .unwrap()
        .remove(0)
        .child_id;
    let served = t.serve().await;
    let driver = Driver::start(&tools, &artefacts().join("chromedriver.log")).await;
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": tools.chromium.display().to_string(),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1024"],
        },
    });
    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(capabilities.as_object().unwrap().clone());
    let client = builder
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session");
    let wait = Duration::from_secs(60);
    let outcome = async {
        // `/` leads to the sign-in form; the IRO signs in with the demo's token.
        client.goto(&served.url("/")).await.unwrap();
        let token_field = wait_for(&client, Locator::Id("token")).await;
        assert_eq!(client.current_url().await.unwrap().path(), "/sign-in");
        assert!(
            accessibility_violations(&client, &axe_source)
                .await
                .is_empty(),
            "sign-in page"
        );
        screenshot(&client, "1-sign-in").await;
        token_field.send_keys(&iro_token).await.unwrap();
        client
            .find(Locator::Css("main button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();

        // The upcoming reviews (once the browser has followed the redirect).
        let upcoming: url::Url = served.url("/iro").parse().unwrap();
        if let Err(e) = client.wait().at_most(wait).for_url(&upcoming).await {
            screenshot(&client, "2-after-sign-in").await;
            panic!(
                "sign-in did not lead to {upcoming} ({e}): at {} with {}",
                client.current_url().await.unwrap(),
                client.source().await.unwrap()
            );
        }
        let heading = client.find(Locator::Css("h1")).await.unwrap();
        assert_eq!(heading.text().await.unwrap(), "Upcoming reviews");
        assert_eq!(client.current_url().await.unwrap().path(), "/iro");
        let violations = accessibility_violations(&client, &axe_source).await;
        assert!(violations.is_empty(), "upcoming reviews: {violations:#?}");
        screenshot(&client, "2-upcoming-reviews").await;
        let link = client
            .find(Locator::Css("a[href$='/checklist']"))
            .await
            .expect("at least one review due or late");
        let href = link.attr("href").await.unwrap().unwrap();
        let child_id = href.split('/').nth(3).unwrap().to_string();
        link.click().await.unwrap();

        // The checklist: grouped in the meeting's order, recommendation 11 first.
        wait_for(&client, Locator::Css("section.group")).await;
        assert_eq!(client.current_url().await.unwrap().path(), href);
        let mut groups = Vec::new();
        for h in client
            .find_all(Locator::Css("section.group h2"))
            .await
            .unwrap()
        {
            groups.push(h.text().await.unwrap());
        }
        assert_meeting_order(&groups.iter().map(String::as_str).collect::<Vec<_>>());
        let first = client
            .find(Locator::Css("section.group li.item"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            first.contains("mental health needs have been met"),
            "{first}"
        );
        assert!(first.contains("EWG 2017 rec 11"), "{first}");
        let violations = accessibility_violations(&client, &axe_source).await;
        assert!(violations.is_empty(), "checklist: {violations:#?}");
        screenshot(&client, "3-checklist").await;

        // Printed on A4: every page 595 x 842 points, the child's id on each, groups on new pages.
        let pdf = client
            .print(
                PrintConfiguration::builder()
                    .size(PrintSize {
                        width: 21.0,
                        height: 29.7,
                    })
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        let pdf_path = artefacts().join("checklist.pdf");
        std::fs::write(&pdf_path, &pdf).unwrap();
        let pdf_file = pdf_path.display().to_string();
        let info = poppler("pdfinfo", &["-f", "1", "-l", "1000", &pdf_file]);
        let sizes: Vec<&str> = info
            .lines()
            .filter(|l| l.starts_with("Page") && l.contains(" size: "))
            .collect();
        assert!(
            sizes.len() >= groups.len(),
            "one page or more per group: {info}"
        );
        for line in &sizes {
            let dims: Vec<f64> = line
                .split("size:")
                .nth(1)
                .unwrap()
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            assert!(
                (dims[0] - 595.0).abs() < 1.0 && (dims[1] - 842.0).abs() < 1.0,
                "not A4: {line}"
            );
        }
        for page in 1..=sizes.len() {
            let n = page.to_string();
            let text = poppler(
                "pdftotext",
                &["-f", &n, "-l", &n, "-layout", &pdf_file, "-"],
            );
            assert!(
                text.contains(&child_id),
                "page {page} lacks the child's id: {text}"
            );
            assert!(
                !text.contains("Sign out"),
                "page {page} prints the navigation"
            );
        }
        let prefix = artefacts().join("checklist-page");
        poppler(
            "pdftoppm",
            &[
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "2",
                &pdf_file,
                &prefix.display().to_string(),
            ],
        );

        // Another IRO's child cannot be reached by URL, on the pages or the API.
        client
            .goto(&served.url(&format!("/children/{AUTHORITY}/{theirs}/checklist")))
            .await
            .unwrap();
        let heading = wait_for(&client, Locator::Css("h1")).await;
        assert_eq!(heading.text().await.unwrap(), "Page not found");
        assert!(!client.source().await.unwrap().contains(&theirs));
        screenshot(&client, "4-another-iros-child").await;
        let api = reqwest::Client::new()
            .get(served.url(&format!("/api/v1/children/{AUTHORITY}/{theirs}/checklist")))
            .bearer_auth(&iro_token)
            .send()
            .await
            .unwrap();
        assert_eq!(api.status().as_u16(), 404);
        let api = reqwest::Client::new()
            .get(served.url("/api/v1/iros/IRO-002/upcoming"))
            .bearer_auth(&iro_token)
            .send()
            .await
            .unwrap();
        assert_eq!(api.status().as_u16(), 404);

        // Signing out ends the session.
        client.goto(&served.url("/iro")).await.unwrap();
        wait_for(&client, Locator::Css(".app-nav__button"))
            .await
            .click()
            .await
            .unwrap();
        wait_for(&client, Locator::Id("token")).await;
        client.goto(&served.url("/iro")).await.unwrap();
        wait_for(&client, Locator::Id("token")).await;
        assert_eq!(client.current_url().await.unwrap().path(), "/sign-in");
    }
    .await;
    client.close().await.unwrap();
    drop(driver);
    served.stop().await.unwrap();
    outcome
}
