//! A run shared by real `carecheck worker` processes on one PostgreSQL database: both take
//! chunks of it, one is frozen (SIGSTOP) while it holds a claimed chunk and then killed
//! (SIGKILL), and the survivor takes that chunk over when its lease lapses. Every child is
//! logged exactly once, the totals are those of the same run on one process, and a replay
//! (which evaluates each chunk's children together, as they were) reproduces every outcome.
//! Waits are conditions polled with generous bounds; nothing here is about speed.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use carecheck::AppState;
use carecheck::access::Actor;
use carecheck::config::Config;
use carecheck::runs::{self, Scope};
use chrono::NaiveDate;
use common::{pack, postgres};
use sqlx::Row;

const CHILDREN: usize = 1_200;
const WAIT: Duration = Duration::from_secs(180);

struct Setup {
    dir: tempfile::TempDir,
    database_url: String,
}

impl Setup {
    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_carecheck"));
        c.current_dir(self.dir.path())
            .env_remove("CARECHECK_CONFIG")
            .env("DATABASE_URL", &self.database_url)
            .env("CARECHECK_DATA_DIR", self.dir.path().join("data"))
            .env("CARECHECK_PACK", pack(self.dir.path()))
            // Chunks of 20 in batches of 8: chunk edges cut batches, so a replay that did not
            // evaluate each chunk's children together would find different fuel.
            .env("CARECHECK_RUNS__CHUNK_CHILDREN", "20")
            .env("CARECHECK_RUNS__LEASE_MS", "1500")
            .env("CARECHECK_RUNS__POLL_MS", "50")
            .env("CARECHECK_LIMITS__BATCH", "8");
        c
    }

    fn run(&self, args: &[&str]) {
        let out = self.command().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "carecheck {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn worker(&self, name: &str) -> Worker {
        let log = std::fs::File::create(self.dir.path().join(format!("{name}.log"))).unwrap();
        Worker(
            self.command()
                .arg("worker")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        )
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.log"))).unwrap_or_default()
    }

    /// The same configuration, for this process.
    fn config(&self) -> Config {
        Config {
            database_url: self.database_url.clone(),
            pack: pack(self.dir.path()),
            data_dir: self.dir.path().join("data"),
            limits: carecheck::config::PluginLimits {
                batch: 8,
                ..Default::default()
            },
            runs: carecheck::config::SharedRunsConfig {
                chunk_children: 20,
                lease_ms: 1_500,
                poll_ms: 50,
            },
            ..Config::default()
        }
    }
}

/// A `carecheck worker` process, killed (SIGKILL: no chance to release a claim) when dropped,
/// so a failing test leaves none behind.
struct Worker(Child);

impl Worker {
    fn id(&self) -> u32 {
        self.0.id()
    }

    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

fn signal(child: &Worker, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {signal} {}", child.id());
}

/// Chunks of `run_id` in each state, and how many `pid`'s worker has done.
async fn chunks(state: &AppState, run_id: &str, pid: u32) -> (i64, i64) {
    let row = sqlx::query(
        "SELECT COUNT(*) FILTER (WHERE state = 'done' AND owner LIKE $2), \
         COUNT(*) FILTER (WHERE state = 'done' AND owner NOT LIKE $2) FROM run_chunks WHERE run_id = $1",
    )
    .bind(run_id)
    .bind(format!("pid{pid}-%"))
    .fetch_one(state.store.pool())
    .await
    .unwrap();
    (row.try_get(0).unwrap(), row.try_get(1).unwrap())
}

/// The chunk `pid`'s worker holds under its claim, if any.
async fn held_by(state: &AppState, run_id: &str, pid: u32) -> Option<i64> {
    sqlx::query(
        "SELECT chunk FROM run_chunks WHERE run_id = $1 AND state = 'claimed' AND owner LIKE $2",
    )
    .bind(run_id)
    .bind(format!("pid{pid}-%"))
    .fetch_optional(state.store.pool())
    .await
    .unwrap()
    .map(|r| r.try_get(0).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_share_a_run_and_a_killed_one_loses_nothing() {
    let Some(database_url) = postgres().await else {
        return;
    };
    let setup = Setup {
        dir: tempfile::tempdir().unwrap(),
        database_url,
    };
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    setup.run(&[
        "generate",
        "--children",
        &CHILDREN.to_string(),
        "--as-of",
        "2026-06-30",
        "--out",
        "records.ndjson",
    ]);
    setup.run(&["load", "records.ndjson"]);
    let state = AppState::build(setup.config()).await.unwrap();

    let mut first = setup.worker("first");
    let mut second = setup.worker("second");
    let run_id = state
        .shared_runs
        .start(
            &state.policies.current(),
            as_of,
            &Scope::default(),
            &Actor::operator("test"),
        )
        .await
        .unwrap();

    // Both take part: each has logged a chunk. Then the first is frozen at a moment it holds a
    // claimed chunk (frozen, it can neither finish nor release it), and killed.
    let start = Instant::now();
    let orphan = loop {
        assert!(
            start.elapsed() < WAIT,
            "no moment with both workers at work: {:?} {:?}\n{}\n{}",
            chunks(&state, &run_id, first.id()).await,
            activity(&state).await,
            setup.log("first"),
            setup.log("second")
        );
        let (by_first, by_others) = chunks(&state, &run_id, first.id()).await;
        if by_first >= 1 && by_others >= 1 {
            signal(&first, "-STOP");
            if let Some(chunk) = held_by(&state, &run_id, first.id()).await {
                first.kill();
                break chunk;
            }
            signal(&first, "-CONT");
            assert!(
                by_first + by_others < (CHILDREN / 20) as i64,
                "the run finished before a worker could be killed in the middle of a chunk"
            );
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
    };

    let run = loop {
        let run = runs::log::get(&state.store, &run_id)
            .await
            .unwrap()
            .unwrap();
        if run.finished_at.is_some() {
            break run;
        }
        assert!(
            start.elapsed() < WAIT,
            "the survivor did not finish the run"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    second.kill();

    // Every child logged exactly once (the key is unique per run; the count says none missing).
    let logged: i64 = sqlx::query("SELECT COUNT(*) FROM run_children WHERE run_id = $1")
        .bind(&run_id)
        .fetch_one(state.store.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(logged, CHILDREN as i64);
    assert_eq!(run.children, CHILDREN as i64);
    // The orphaned chunk: claimed twice, done by the survivor.
    let row =
        sqlx::query("SELECT state, owner, claims FROM run_chunks WHERE run_id = $1 AND chunk = $2")
            .bind(&run_id)
            .bind(orphan)
            .fetch_one(state.store.pool())
            .await
            .unwrap();
    assert_eq!(row.try_get::<String, _>(0).unwrap(), "done");
    assert!(
        row.try_get::<String, _>(1)
            .unwrap()
            .starts_with(&format!("pid{}-", second.id()))
    );
    assert!(row.try_get::<i64, _>(2).unwrap() >= 2);
    let (by_first, by_second) = chunks(&state, &run_id, first.id()).await;
    assert!(by_first >= 1 && by_second >= 1, "{by_first} {by_second}");

    // The same totals as the run made on one process.
    let local = runs::run(
        &state.store,
        &state.policies.current(),
        as_of,
        &Scope::default(),
        &Actor::operator("test"),
        2,
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(
        (local.children, local.results, local.errors),
        (run.children, run.results, run.errors)
    );
    assert_eq!(run.errors, 0);

    // A replay reproduces every outcome, fuel included.
    let replayed = runs::replay(
        &state.store,
        &setup.dir.path().join("data/compiled"),
        &run_id,
        2,
    )
    .await
    .unwrap();
    assert_eq!(replayed.children, CHILDREN as u64);
    assert!(
        replayed.differences.is_empty(),
        "{:?}",
        replayed.differences.first()
    );
}

async fn activity(state: &AppState) -> Vec<String> {
    sqlx::query("SELECT COALESCE(state, '') || ' ' || COALESCE(wait_event_type, '') || ' ' || COALESCE(wait_event, '') || ' ' || left(query, 150) FROM pg_stat_activity WHERE datname = current_database()")
        .fetch_all(state.store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>(0).unwrap())
        .collect()
}
