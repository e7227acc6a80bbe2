//! The scheduler in real `carecheck serve` processes, delivering to real receivers: a replica
//! killed with SIGKILL in the middle of a delivery is taken over after its lease, and two
//! replicas on one PostgreSQL database make exactly one report per scheduled time with one
//! delivery per channel. Every wait is a condition polled with a generous bound (CI runs the
//! whole workspace at once on two loaded cores); the assertions are about what was made, never
//! about how fast.

mod common;
#[path = "../../tests/support/receivers.rs"]
mod receivers;

use std::path::{Path, PathBuf};

use common::{pack, postgres, root};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use carecheck::store::Store;
use carecheck::subscriptions::queries;
use chrono::{Timelike, Utc};
use receivers::{Answer, Smtp, Webhooks, aiosmtpd_available, folder_files, header, wait_for};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const WAIT: Duration = Duration::from_secs(180);

/// Everything a `carecheck` process of this test shares.
struct Setup {
    dir: tempfile::TempDir,
    database_url: String,
    smtp_url: String,
    pack: PathBuf,
    /// Short for the kill test (the survivor takes over soon), long for the replicas test (no
    /// replica on a loaded machine ever loses a lease it is still using).
    lease_ms: &'static str,
}

impl Setup {
    fn command(&self, data: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_carecheck"));
        c.current_dir(self.dir.path())
            .env_remove("CARECHECK_CONFIG")
            .env("DATABASE_URL", &self.database_url)
            .env("CARECHECK_DATA_DIR", self.dir.path().join(data))
            .env("CARECHECK_PACK", &self.pack)
            .env("CARECHECK_SMTP_URL", &self.smtp_url)
            .env("CARECHECK_SMTP_FROM", "reports@council.example")
            .env("CARECHECK_OUTBOX_DIR", self.outbox_root())
            .env("CARECHECK_LISTEN", "127.0.0.1:0")
            .env("CARECHECK_SCHEDULER__TICK_MS", "200")
            .env("CARECHECK_SCHEDULER__LEASE_MS", self.lease_ms)
            .env("CARECHECK_SCHEDULER__RETRY_BASE_MS", "500");
        c
    }

    fn outbox_root(&self) -> PathBuf {
        self.dir.path().join("outbox")
    }

    /// Runs a command to completion; it must succeed.
    fn run(&self, args: &[&str]) -> String {
        let out = self.command("cli").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "carecheck {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Starts `carecheck serve`, its output in a log file.
    fn serve(&self, name: &str) -> Child {
        let log = std::fs::File::create(self.dir.path().join(format!("{name}.log"))).unwrap();
        self.command(name)
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.log"))).unwrap_or_default()
    }

    async fn new(
        database_url: String,
        smtp: &Smtp,
        dir: tempfile::TempDir,
        lease_ms: &'static str,
    ) -> Setup {
        let setup = Setup {
            pack: pack(dir.path()),
            dir,
            database_url,
            smtp_url: smtp.url(),
            lease_ms,
        };
        let records: String = (1..=3)
            .map(|n| {
                serde_json::json!({
                    "child": {"id": format!("CHILD-{n:04}"), "responsible_authority": "E10000001", "name": "Zebedee Quantock", "date_of_birth": "2013-02-17"},
                    "periods_of_care": [{"episodes": [{"start": "2024-01-02", "placement_id": "P1"}]}],
                    "placements": [{"id": "P1", "start": "2024-01-02"}],
                    "reviews": [{"date": "2024-01-25"}]
                })
                .to_string()
                    + "\n"
            })
            .collect();
        std::fs::write(setup.dir.path().join("records.ndjson"), records).unwrap();
        setup.run(&["load", "records.ndjson"]);
        setup
    }

    fn subscribe(&self, cron: &str, catch_up: &str, webhook: &str) -> String {
        let out = self.run(&[
            "subscription",
            "create",
            "--name",
            "Board",
            "--audience",
            "corporate-parenting-board",
            "--authority",
            "E10000001",
            "--cron",
            cron,
            "--catch-up",
            catch_up,
            "--email",
            "board@council.example",
            "--webhook",
            webhook,
            "--webhook-secret",
            SECRET,
            "--outbox",
            "board",
        ]);
        let view: serde_json::Value = serde_json::from_str(&out).unwrap();
        view["id"].as_str().unwrap().to_string()
    }
}

fn kill(child: &mut Child) {
    // SIGKILL: no chance to release a lease or finish anything.
    let _ = child.kill();
    let _ = child.wait();
}

/// A six-field cron expression for one London wall-clock second, `ahead` from now.
fn once_at(ahead: Duration) -> (String, chrono::DateTime<Utc>) {
    let at = Utc::now() + chrono::Duration::from_std(ahead).unwrap();
    let at = at.with_nanosecond(0).unwrap();
    let local = at.with_timezone(&chrono_tz::Europe::London);
    use chrono::Datelike;
    (
        format!(
            "{} {} {} {} {} *",
            local.second(),
            local.minute(),
            local.hour(),
            local.day(),
            local.month()
        ),
        at,
    )
}

async fn sqlite(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("scheduler.db").display())
}

async fn killed_mid_delivery_and_restarted(database_url: String, dir: tempfile::TempDir) {
    let mail = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(&root().join("tests/support/smtp_server.py"), mail.path());
    // The first webhook request is held open until the process dies.
    let hooks = Webhooks::start(SECRET, vec![Answer::Hang]).await;
    let setup = Setup::new(database_url, &smtp, dir, "3000").await;
    let (cron, at) = once_at(Duration::from_secs(20));
    let id = setup.subscribe(&cron, "latest", &hooks.url);
    let store = Store::open(&setup.database_url, 2).await.unwrap();
    let mut first = setup.serve("first");
    wait_for("the first webhook request", WAIT, async || {
        (!hooks.received().is_empty()).then_some(())
    })
    .await;
    kill(&mut first);
    let reports = queries::reports_of(&store, &id, 10).await.unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let report = reports[0].clone();
    assert_eq!(report.scheduled_for, queries::scheduled_text(at));
    let mut second = setup.serve("second");
    let deliveries = wait_for("every delivery after the restart", WAIT, async || {
        let d = queries::deliveries_of(&store, &report.id).await.unwrap();
        d.iter().all(|d| d.state == "delivered").then_some(d)
    })
    .await;
    kill(&mut second);
    assert_eq!(
        deliveries.len(),
        3,
        "{deliveries:?}\n{}",
        setup.log("second")
    );
    // Still one report for the one scheduled time.
    assert_eq!(queries::reports_of(&store, &id, 10).await.unwrap().len(), 1);
    // The webhook was sent twice (the first attempt died with the process), both signed,
    // both under the same key.
    let received = hooks.received();
    assert!(received.len() >= 2, "{received:?}");
    assert!(received.iter().all(|r| r.verified));
    assert!(
        received
            .iter()
            .all(|r| r.id == format!("{}-webhook", report.id))
    );
    // Every email carries the same key; one set of outbox files exists, under its key.
    let messages = smtp.messages();
    assert!(!messages.is_empty());
    for m in &messages {
        assert_eq!(
            header(m, "Message-ID").as_deref(),
            Some(format!("<{}-email@council.example>", report.id).as_str())
        );
    }
    let key = format!("{}-outbox", report.id);
    assert_eq!(
        folder_files(&setup.outbox_root().join("board")),
        [
            format!("{key}.csv"),
            format!("{key}.html"),
            format!("{key}.json"),
            format!("{key}.sha256")
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_killed_mid_delivery_is_taken_over_with_the_same_keys() {
    if !aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite(dir.path()).await;
    killed_mid_delivery_and_restarted(url, dir).await;
    if let Some(url) = postgres().await {
        killed_mid_delivery_and_restarted(url, tempfile::tempdir().unwrap()).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_make_one_report_per_scheduled_time() {
    if !aiosmtpd_available() {
        return;
    }
    let Some(url) = postgres().await else {
        return;
    };
    let mail = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(&root().join("tests/support/smtp_server.py"), mail.path());
    let hooks = Webhooks::start(SECRET, vec![]).await;
    let setup = Setup::new(url, &smtp, tempfile::tempdir().unwrap(), "60000").await;
    let store = Store::open(&setup.database_url, 2).await.unwrap();
    let id = setup.subscribe("*/2 * * * * *", "all", &hooks.url);
    let mut replicas = [setup.serve("a"), setup.serve("b")];
    // Let the schedule fire for a while: at least eight reports.
    wait_for("eight scheduled reports", WAIT, async || {
        let n = queries::reports_of(&store, &id, 1000).await.unwrap().len();
        (n >= 8).then_some(())
    })
    .await;
    setup.run(&["subscription", "pause", &id]);
    // Everything claimed so far is rendered and delivered.
    let reports = wait_for("every report delivered", WAIT, async || {
        let reports = queries::reports_of(&store, &id, 1000).await.unwrap();
        for r in &reports {
            if r.state != "rendered" {
                return None;
            }
            let d = queries::deliveries_of(&store, &r.id).await.unwrap();
            if d.len() != 3 || d.iter().any(|d| d.state != "delivered") {
                return None;
            }
        }
        Some(reports)
    })
    .await;
    for r in &mut replicas {
        kill(r);
    }
    // One report per scheduled time, two seconds apart with no gap between the first and the
    // last (the unique key makes a duplicate impossible; this checks none was skipped).
    let mut times: Vec<chrono::DateTime<Utc>> = reports
        .iter()
        .map(|r| queries::parse_time(&r.scheduled_for).unwrap())
        .collect();
    times.sort();
    assert!(times.len() >= 8, "{times:?}");
    for pair in times.windows(2) {
        assert_eq!(
            pair[1] - pair[0],
            chrono::Duration::seconds(2),
            "a gap or a duplicate between {} and {}",
            pair[0],
            pair[1]
        );
    }
    // One delivery per channel per report, each attempted once: every webhook-id seen once,
    // one email per report, one set of outbox files per report.
    let received = hooks.received();
    assert!(received.iter().all(|r| r.verified));
    let mut ids: Vec<&str> = received.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "a webhook-id was delivered twice");
    assert_eq!(ids.len(), reports.len());
    let messages = smtp.messages();
    assert_eq!(messages.len(), reports.len());
    let sums = folder_files(&setup.outbox_root().join("board"))
        .into_iter()
        .filter(|n| n.ends_with(".sha256"))
        .count();
    assert_eq!(sums, reports.len());
    for r in &reports {
        for d in queries::deliveries_of(&store, &r.id).await.unwrap() {
            assert_eq!(d.attempts, 1, "{d:?}");
        }
    }
}
