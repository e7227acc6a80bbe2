//! Retention: `carecheck prune` removes runs and audit entries past their retention, never a run
//! that a child's latest evaluation or a report still depends on, and never an audit entry from
//! the last year, on SQLite and PostgreSQL. Rows are made old by dating them in the past
//! directly (runs are not append-only; audit entries may be inserted with any date).

use carecheck::access::Actor;
use carecheck::config::Retention;
use carecheck::reports;
use carecheck::retention::{PruneReport, prune};
use carecheck::runs::{self, Scope};
use carecheck::store::ChildKey;
use carecheck_tests::{AUTHORITY, TestApp, databases, record};
use chrono::{Days, NaiveDate, Utc};
use sqlx::Row;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Evaluates `scope` as of `as_of` and returns the run's id.
async fn run(t: &TestApp, as_of: &str, scope: Scope) -> String {
    runs::run(
        &t.state.store,
        &t.state.policies.current(),
        date(as_of),
        &scope,
        &Actor::operator("test"),
        2,
        |_, _| {},
    )
    .await
    .unwrap()
    .run_id
}

/// Dates a run as started (and finished a minute later) on `day`, long past retention.
async fn started_on(t: &TestApp, run_id: &str, day: &str) {
    sqlx::query("UPDATE runs SET started_at = $1, finished_at = $2 WHERE id = $3")
        .bind(format!("{day}T00:00:00.000Z"))
        .bind(format!("{day}T00:01:00.000Z"))
        .bind(run_id)
        .execute(t.state.store.pool())
        .await
        .unwrap();
}

async fn run_ids(t: &TestApp) -> Vec<String> {
    sqlx::query("SELECT id FROM runs ORDER BY id")
        .fetch_all(t.state.store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect()
}

async fn board_summary(t: &TestApp) -> reports::Summary {
    let authorities = [AUTHORITY.to_string()];
    let run = runs::latest_covering(&t.state.store, Some(&authorities))
        .await
        .unwrap()
        .expect("a complete run covers the authority");
    reports::summarise(&t.state.store, &run, Some(&authorities))
        .await
        .unwrap()
}

async fn pruned(t: &TestApp, retention: &Retention, dry_run: bool) -> PruneReport {
    prune(
        &t.state.store,
        retention,
        dry_run,
        &Actor::operator("cli:prune"),
    )
    .await
    .unwrap()
}

fn child(id: &str) -> Scope {
    Scope {
        child: Some(ChildKey::new(AUTHORITY, id)),
        ..Scope::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_keeps_every_run_a_child_or_a_report_still_depends_on() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        for id in ["C1", "C2", "C3"] {
            let uri = format!("/api/v1/children/{AUTHORITY}/{id}");
            assert!(
                t.put_json(&uri, &t.admin, &record(id, "IRO-1"))
                    .await
                    .0
                    .is_success()
            );
        }
        // Five runs, all started in 2021-22, far past the default 730 days. Oldest first:
        let full_older = run(&t, "2024-05-01", Scope::default()).await;
        started_on(&t, &full_older, "2021-12-01").await;
        let c1_older = run(&t, "2024-05-15", child("C1")).await;
        started_on(&t, &c1_older, "2021-12-15").await;
        let full_old = run(&t, "2024-06-01", Scope::default()).await;
        started_on(&t, &full_old, "2022-01-01").await;
        let mut checklists = Vec::new();
        for id in ["C1", "C2", "C3"] {
            let checklist = run(&t, "2024-06-02", child(id)).await;
            started_on(&t, &checklist, "2022-01-02").await;
            checklists.push(checklist);
        }
        let one_policy = run(
            &t,
            "2024-06-03",
            Scope {
                policy: Some("statutory-review-timeliness".into()),
                ..Scope::default()
            },
        )
        .await;
        started_on(&t, &one_policy, "2022-01-03").await;
        let before = board_summary(&t).await;
        assert_eq!(before.run_id, full_old);

        // What must go: `full_older` (every child was evaluated with every policy later, and
        // `full_old` covers the same authorities for reports) and `c1_older` (C1 was evaluated
        // later, as of 1 June, by `full_old`). What stays: each checklist is its child's latest
        // evaluation (2 June), and so is the one-policy run (3 June: a one-policy run never
        // supersedes another, but nothing with every policy came after it); `full_old` is no
        // child's latest any more, but reports read it, as no newer complete run covers them.
        let expected = |dry_run| PruneReport {
            dry_run,
            runs_removed: 2,
            run_children_removed: if dry_run { 0 } else { 3 + 1 },
            runs_kept_latest_for_a_child: 4,
            runs_kept_for_reports: 1,
            audit_entries_removed: 0,
            ..pruned_cut_offs()
        };
        let all = run_ids(&t).await;
        let dry = pruned(&t, &Retention::default(), true).await;
        assert_eq!(with_cut_offs_of(&dry, expected(true)), dry, "{db:?}");
        assert_eq!(
            run_ids(&t).await,
            all,
            "{db:?}: a dry run removed something"
        );
        let done = pruned(&t, &Retention::default(), false).await;
        assert_eq!(with_cut_offs_of(&done, expected(false)), done, "{db:?}");
        let mut left: Vec<String> = [full_old.clone(), one_policy.clone()]
            .into_iter()
            .chain(checklists.iter().cloned())
            .collect();
        left.sort();
        assert_eq!(run_ids(&t).await, left, "{db:?}");
        assert_eq!(board_summary(&t).await.rows, before.rows, "{db:?}");

        // A new complete run, evaluated today and so within retention, supersedes them all:
        // every child's latest evaluation is now in it, and so are the reports.
        let newest = run(&t, "2024-07-01", Scope::default()).await;
        let before = board_summary(&t).await;
        assert_eq!(before.run_id, newest);
        let done = pruned(&t, &Retention::default(), false).await;
        assert_eq!(
            (
                done.runs_removed,
                done.run_children_removed,
                done.runs_kept_latest_for_a_child,
                done.runs_kept_for_reports
            ),
            (5, 3 + 3 + 3, 0, 0),
            "{db:?}: {done:?}"
        );
        assert_eq!(run_ids(&t).await, vec![newest.clone()], "{db:?}");
        let after = board_summary(&t).await;
        assert_eq!((after.run_id, after.rows), (newest.clone(), before.rows));
        let replayed = runs::replay(&t.state.store, &t.dir.path().join("replay"), &newest, 2)
            .await
            .unwrap();
        assert_eq!(replayed.children, 3);
        assert!(
            replayed.differences.is_empty(),
            "{:?}",
            replayed.differences
        );
    }
}

/// A report with placeholder cut-offs, which [`with_cut_offs_of`] fills from the real one (they
/// depend on the clock).
fn pruned_cut_offs() -> PruneReport {
    PruneReport {
        dry_run: false,
        decision_log_before: String::new(),
        audit_log_before: String::new(),
        runs_removed: 0,
        run_children_removed: 0,
        runs_kept_latest_for_a_child: 0,
        runs_kept_for_reports: 0,
        audit_entries_removed: 0,
    }
}

fn with_cut_offs_of(actual: &PruneReport, mut expected: PruneReport) -> PruneReport {
    // The cut-offs are `days` before now: check their dates, then take them as they are.
    let today = Utc::now().date_naive();
    for (cut_off, days) in [
        (&actual.decision_log_before, 730),
        (&actual.audit_log_before, 2_557),
    ] {
        let day = cut_off[..10].parse::<NaiveDate>().unwrap();
        let expected_day = today - Days::new(days);
        // The clock may pass midnight between the prune and this check.
        assert!(
            day == expected_day || day == expected_day - Days::new(1),
            "{cut_off}"
        );
    }
    expected.decision_log_before = actual.decision_log_before.clone();
    expected.audit_log_before = actual.audit_log_before.clone();
    expected
}

/// `days` ago, as audit entries are dated.
fn days_ago(days: u64) -> String {
    (Utc::now() - Days::new(days)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

async fn insert_audit_entry(t: &TestApp, at: &str) {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, role, action, outcome) VALUES ($1, 'test', 'operator', 'read_record', 'ok')",
    )
    .bind(at)
    .execute(t.state.store.pool())
    .await
    .unwrap();
}

async fn count(t: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(t.state.store.pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

/// Runs `delete` in a transaction holding a prune permit dated `before`, then rolls back.
async fn delete_under_permit(
    t: &TestApp,
    before: String,
    delete: &str,
    binds: &[String],
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    let mut tx = t.state.store.pool().begin().await.unwrap();
    sqlx::query("INSERT INTO audit_prune_permits (before) VALUES ($1)")
        .bind(before)
        .execute(&mut *tx)
        .await
        .unwrap();
    let mut query = sqlx::query(delete);
    for value in binds {
        query = query.bind(value.clone());
    }
    let deleted = query.execute(&mut *tx).await;
    drop(tx);
    deleted
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_entries_go_only_past_retention_and_never_within_a_year() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        let pool = t.state.store.pool();
        // Entries 800, 800, 400 and 100 days old, beside those the test app's set-up wrote today.
        for days in [800, 800, 400, 100] {
            insert_audit_entry(&t, &days_ago(days)).await;
        }
        let total = count(&t, "SELECT COUNT(*) FROM audit_log").await;

        // Without a permit, no DELETE and no UPDATE, however old the entry.
        let deleted = sqlx::query("DELETE FROM audit_log WHERE at < $1")
            .bind(days_ago(700))
            .execute(pool)
            .await;
        assert!(deleted.is_err(), "{db:?}: a DELETE without a permit");
        let updated = sqlx::query("UPDATE audit_log SET actor = 'someone else'")
            .execute(pool)
            .await;
        assert!(updated.is_err(), "{db:?}: an UPDATE");
        // A permit whose `before` lies within the last year reaches nothing, not even the
        // 800-day-old entries.
        let deleted = delete_under_permit(
            &t,
            days_ago(30),
            "DELETE FROM audit_log WHERE at < $1",
            &[days_ago(700)],
        )
        .await;
        assert!(
            deleted.is_err(),
            "{db:?}: a permit reaching into the last year"
        );
        // A permit reaches only entries older than its own `before`: one for 500 days ago does
        // not let the 400-day-old entry go.
        let deleted = delete_under_permit(
            &t,
            days_ago(500),
            "DELETE FROM audit_log WHERE at > $1 AND at < $2",
            &[days_ago(450), days_ago(300)],
        )
        .await;
        assert!(deleted.is_err(), "{db:?}: an entry newer than the permit");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log").await, total);

        // Seven years by default: nothing here is that old (the prune itself is filed).
        let kept = pruned(&t, &Retention::default(), false).await;
        assert_eq!(kept.audit_entries_removed, 0, "{db:?}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log").await, total + 1);
        // At the 365-day minimum the two 800-day and the 400-day entries go; the 100-day one,
        // today's, and the two prunes' own entries stay.
        let shortest = Retention {
            audit_log_days: Retention::MIN_AUDIT_LOG_DAYS,
            ..Retention::default()
        };
        let dry = pruned(&t, &shortest, true).await;
        assert_eq!(dry.audit_entries_removed, 3, "{db:?}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM audit_log").await, total + 1);
        let done = pruned(&t, &shortest, false).await;
        assert_eq!(done.audit_entries_removed, 3, "{db:?}");
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM audit_log").await,
            total + 2 - 3
        );
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM audit_log WHERE action = 'prune'").await,
            2,
            "{db:?}"
        );
        assert_eq!(
            count(&t, "SELECT COUNT(*) FROM audit_prune_permits").await,
            0,
            "{db:?}: a permit was left standing"
        );
    }
}
