//! The statutory pack end to end: every built-in policy loaded from `policies/statutory.toml`,
//! evaluated from stored records, logged, replayed exactly, and finding breaches of every policy
//! in the demo data.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use carecheck::access::Actor;
use carecheck::demo::Generator;
use carecheck::records::{Submission, Writer};
use carecheck::runs::{self, Scope};
use carecheck_tests::{Db, POLICIES, TestApp, root};
use chrono::NaiveDate;

async fn statutory_app() -> TestApp {
    let plugins: Vec<(&str, &str)> = POLICIES.iter().map(|p| (*p, "")).collect();
    TestApp::with_plugins(Db::Sqlite, &plugins).await
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shipped_pack_loads_every_built_in_policy_with_citations() {
    let t = statutory_app().await;
    let shipped =
        carecheck::plugins::pack::PackFile::read(&root().join("policies/statutory.toml")).unwrap();
    let shipped: Vec<String> = shipped
        .plugins
        .iter()
        .map(|p| {
            p.path
                .as_ref()
                .unwrap()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(shipped, POLICIES);
    let (status, policies) = t.get("/api/v1/policies", &t.regulator).await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<&str> = policies
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metadata"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, POLICIES);
    let mut bases = BTreeSet::new();
    for p in policies.as_array().unwrap() {
        assert!(
            !p["metadata"]["citations"].as_array().unwrap().is_empty(),
            "{p}"
        );
        for check in p["metadata"]["checks"].as_array().unwrap() {
            assert!(!check["citation"].as_str().unwrap().is_empty(), "{check}");
            let basis = check["basis"].as_str().unwrap();
            assert!(
                ["statutory", "guidance", "local"].contains(&basis),
                "{check}"
            );
            bases.insert(basis.to_string());
        }
    }
    // Timescales the law does not fix say so.
    assert_eq!(
        bases.into_iter().collect::<Vec<_>>(),
        ["guidance", "local", "statutory"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_data_breaches_every_policy_and_a_run_replays_exactly() {
    let t = statutory_app().await;
    let mut generator =
        Generator::new(2026, "E10000001", as_of(), &t.state.due_dates.calendar, 600);
    let batch = (0..600)
        .map(|_| Submission::new(serde_json::to_value(generator.child()).unwrap()))
        .collect();
    let actor = Actor::operator("test");
    let writer = Writer {
        store: &t.state.store,
        due_dates: &t.state.due_dates,
        today: as_of(),
        actor: &actor,
        source: "demo",
        scope: None,
    };
    for checked in writer.write(batch).await.unwrap() {
        checked.expect("the generator makes valid records");
    }

    let mut statuses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let summary = runs::run(
        &t.state.store,
        &t.state.policies.current(),
        as_of(),
        &Scope::default(),
        &actor,
        2,
        |key, outcomes| {
            for row in runs::rows(&t.state.policies.current(), key, outcomes) {
                statuses.entry(row.policy).or_default().insert(row.status);
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(summary.children, 600);
    assert_eq!(
        summary.errors, 0,
        "no built-in policy may fail on valid records"
    );
    // Not yet due is `upcoming`, never `met`; something to raise that is no missed deadline is
    // a `warning`: the demo data has both.
    let all: BTreeSet<&String> = statuses.values().flatten().collect();
    for status in ["upcoming", "warning", "due_soon", "met", "breach"] {
        assert!(
            all.contains(&status.to_string()),
            "no {status} in the demo data ({all:?})"
        );
    }
    for policy in POLICIES {
        let seen = statuses
            .get(policy)
            .unwrap_or_else(|| panic!("{policy} produced nothing"));
        assert!(
            seen.contains("breach"),
            "{policy}: no breach in the demo data ({seen:?})"
        );
        assert!(
            seen.contains("met"),
            "{policy}: nothing met in the demo data ({seen:?})"
        );
    }

    let report = runs::replay(
        &t.state.store,
        &t.dir.path().join("replay-cache"),
        &summary.run_id,
        2,
    )
    .await
    .unwrap();
    assert_eq!(report.children, 600);
    assert_eq!(report.engine_then, report.engine_now);
    assert!(
        report.differences.is_empty(),
        "{:?}",
        report.differences.first()
    );

    // The log's rows are compressed against its shipped dictionary (trained on other demo
    // children): a stale or unused dictionary shows here as rows no smaller than without one.
    let stored: usize =
        sqlx::query_scalar::<_, Vec<u8>>("SELECT packed FROM run_children WHERE run_id = $1")
            .bind(&summary.run_id)
            .fetch_all(t.state.store.pool())
            .await
            .unwrap()
            .iter()
            .map(Vec::len)
            .sum();
    let logged = runs::log::children(&t.state.store, &summary.run_id, None, None, 1000)
        .await
        .unwrap();
    assert_eq!(logged.len(), 600);
    let without: usize = logged
        .iter()
        .map(|c| {
            let encoded = runs::log::encode(&c.outcomes).unwrap();
            // At the log's own level, zstd's fastest.
            zstd::bulk::compress(&encoded, 1).unwrap().len()
        })
        .sum();
    assert!(
        stored * 5 < without * 4,
        "rows take {stored} bytes against the dictionary, {without} without it"
    );

    // A stored verdict that no longer matches what the plugins say is caught by replay (here
    // as a row in the log's older, uncompressed form, which is still read).
    sqlx::query(
        "UPDATE run_children SET outcomes = '[]', packed = NULL WHERE child_id = 'D000007' AND run_id = $1",
    )
    .bind(&summary.run_id)
    .execute(t.state.store.pool())
    .await
    .unwrap();
    let report = runs::replay(
        &t.state.store,
        &t.dir.path().join("replay-cache"),
        &summary.run_id,
        2,
    )
    .await
    .unwrap();
    let differing: Vec<&str> = report
        .differences
        .iter()
        .map(|d| d.child_id.as_str())
        .collect();
    assert_eq!(differing, ["D000007"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pack_with_settings_that_loosen_the_law_refuses_to_load() {
    let dir = tempfile::tempdir().unwrap();
    let pack = carecheck_tests::write_pack(
        dir.path(),
        &[("statutory-review-timeliness", "later_review_months = 7")],
    );
    let store = carecheck::store::Store::open(
        &format!("sqlite://{}", dir.path().join("t.db").display()),
        1,
    )
    .await
    .unwrap();
    let runtime = std::sync::Arc::new(
        carecheck::plugins::runtime::Runtime::new(dir.path().join("c"), Default::default())
            .unwrap(),
    );
    let error = match carecheck::plugins::PolicySet::load(&pack, runtime.clone(), &store, 28).await
    {
        Ok(_) => panic!("loosened settings were accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        error.contains("statutory-review-timeliness")
            && error.contains("later_review_months")
            && error.contains("at most 6"),
        "{error}"
    );
    let pack = carecheck_tests::write_pack(
        dir.path(),
        &[("statutory-review-timeliness", "later_review_months = 5")],
    );
    assert!(
        carecheck::plugins::PolicySet::load(&pack, runtime, &store, 28)
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_policy_evaluates_the_largest_record_the_schema_allows() {
    let t = statutory_app().await;
    let max = carecheck_sdk::record::MAX_ITEMS;
    // Born 2008, looked after since 2008, a review every month and a bit: the most reviews,
    // health assessments and SDQs a record may hold.
    let day = |i: usize| {
        (NaiveDate::from_ymd_opt(2008, 3, 1).unwrap() + chrono::Days::new(i as u64 * 30))
            .to_string()
    };
    let mut record = carecheck_tests::record("BIG", "IRO-1");
    record["child"]["date_of_birth"] = serde_json::json!("2008-01-15");
    record["periods_of_care"] =
        serde_json::json!([{"episodes": [{"start": "2008-02-01", "placement_id": "P1"}]}]);
    record["placements"] = serde_json::json!([{"id": "P1", "start": "2008-02-01"}]);
    record["iro_assignments"] = serde_json::json!([{"iro_id": "IRO-1", "from": "2008-02-01"}]);
    record["reviews"] = (0..max)
        .map(|i| serde_json::json!({"date": day(i)}))
        .collect();
    record["health"] = serde_json::json!({
        "assessments": (0..max).map(|i| serde_json::json!({"kind": if i == 0 { "initial" } else { "review" }, "date": day(i)})).collect::<Vec<_>>(),
        "dental_checks": (0..max).map(day).collect::<Vec<_>>(),
        "sdq": (0..max).map(|i| serde_json::json!({"date": day(i), "score": 18})).collect::<Vec<_>>(),
    });
    let (status, reply) = t
        .put_json("/api/v1/children/E10000001/BIG", &t.admin, &record)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let (status, checklist) = t
        .get(
            "/api/v1/children/E10000001/BIG/checklist?as_of=2026-11-23",
            &t.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{checklist}");
    let errors: Vec<&serde_json::Value> = checklist["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["items"].as_array().unwrap())
        .flat_map(|i| std::iter::once(i).chain(i["history"].as_array().unwrap()))
        .filter(|r| r["status"] == "error")
        .collect();
    assert!(
        checklist["groups"].as_array().unwrap().len() > 1,
        "{checklist}"
    );
    assert!(errors.is_empty(), "{errors:?}");
}
