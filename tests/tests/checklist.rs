//! The IRO's pre-review checklist, upcoming reviews and the IRO directory, on SQLite and
//! PostgreSQL with the whole statutory pack: grouping and order, the first item, timing worked
//! by hand, history since the last review, compact views that replay, scope and audit.

use axum::http::StatusCode;
use carecheck_sdk::dates::add_months;
use carecheck_tests::{
    AUTHORITY, Db, POLICIES, TestApp, assert_meeting_order, databases, problem_paths, record,
};
use chrono::{Days, NaiveDate};
use serde_json::{Value, json};

async fn full_pack(db: Db) -> TestApp {
    let plugins: Vec<(&str, &str)> = POLICIES.iter().map(|p| (*p, "")).collect();
    TestApp::with_plugins(db, &plugins).await
}

fn d(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Sam, in care since 2 January 2024, reviewed five times; the last review (1 October 2025)
/// found Sam's mental health needs partly met and agreed no action.
fn sam() -> Value {
    let mut r = record("SAM", "IRO-1");
    r["child"]["name"] = json!("Sam Ashdown");
    r["reviews"] = json!([
        {"date": "2024-01-25"},
        {"date": "2024-04-20"},
        {"date": "2024-10-15"},
        {"date": "2025-04-10"},
        {"date": "2025-10-01", "mental_health": {"outcome": "partly-met", "actions": []}}
    ]);
    r
}

fn items(checklist: &Value) -> Vec<&Value> {
    checklist["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["items"].as_array().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_checklist_is_grouped_for_the_meeting_and_replays() {
    for db in databases().await {
        let t = full_pack(db).await;
        let uri = "/api/v1/children/E10000001/SAM";
        assert_eq!(
            t.put_json(uri, &t.admin, &sam()).await.0,
            StatusCode::CREATED
        );
        let runs_before = count(&t, "runs").await;
        let (status, c) = t
            .get(&format!("{uri}/checklist?review_date=2026-05-11"), &t.iro)
            .await;
        assert_eq!(status, StatusCode::OK, "{db:?} {c}");
        assert_eq!(c["review_date"], "2026-05-11");
        assert_eq!(c["review_date_from"], "requested");
        assert_eq!(c["last_review"], "2025-10-01");
        assert_eq!(c["first_name"], "Sam");

        // Groups in the meeting's order (those with items), never policy order.
        let titles: Vec<&str> = c["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["title"].as_str().unwrap())
            .collect();
        assert_meeting_order(&titles);
        assert!(titles.len() >= 5, "{titles:?}");

        // The first item is EWG recommendation 11, with what the last review recorded.
        let first = &c["groups"][0]["items"][0];
        assert_eq!(first["policy"], "review-mental-health");
        assert_eq!(first["check"], "mental-health-reviewed");
        assert_eq!(first["status"], "met");
        assert_eq!(
            first["prompt"],
            "Ask whether Sam's mental health needs have been met: the last review recorded 'needs partly met' with no action. (EWG 2017 recommendation 11)"
        );

        // Within each group, attention first: never a met item above a breach.
        let attention = [
            ["breach", "error"].as_slice(),
            &["due_soon"],
            &["warning"],
            &["insufficient_data", "not_evaluated"],
            &["upcoming"],
            &["met"],
            &["not_applicable"],
        ];
        let rank = |s: &str| attention.iter().position(|a| a.contains(&s)).unwrap() as u8;
        for g in c["groups"].as_array().unwrap() {
            let ranks: Vec<u8> = g["items"].as_array().unwrap()
                [usize::from(g["id"] == "review-and-iro")..]
                .iter()
                .map(|i| rank(i["status"].as_str().unwrap()))
                .collect();
            assert!(
                ranks.windows(2).all(|w| w[0] <= w[1]),
                "{db:?} {}: {ranks:?}",
                g["title"]
            );
        }

        // The next review was due 6 months after 1 October 2025: 1 April 2026. On 11 May 2026
        // it is 40 days late (29 days left of April after the 1st, plus 11 of May).
        let all = items(&c);
        let later = all
            .iter()
            .find(|i| i["check"] == "later-review" && i["current"] == true)
            .expect("the current later-review item");
        assert_eq!(later["status"], "breach", "{later}");
        assert_eq!(later["due"], "2026-04-01");
        assert_eq!(later["days_late"], 40);
        assert_eq!(later["timing"], "40 days late: it was due by 1 Apr 2026");
        assert!(
            later["prompt"].as_str().unwrap().contains("Sam's reviews"),
            "{later}"
        );
        // History since the last review: the occurrence due 10 October 2025 (met by the review
        // of 1 October), never the ones due before the last review.
        let history = later["history"].as_array().unwrap();
        assert!(
            history
                .iter()
                .any(|h| h["due"] == "2025-10-10" && h["status"] == "met"),
            "{later}"
        );
        assert!(
            history
                .iter()
                .all(|h| h["due"].as_str().unwrap() >= "2025-10-01"),
            "{later}"
        );
        // No action agreed where needs were partly met: a breach with its citation and basis.
        let actions = all
            .iter()
            .find(|i| i["check"] == "mental-health-actions")
            .unwrap();
        assert_eq!(actions["status"], "breach");
        assert_eq!(actions["citation"], "EWG 2017 rec 11");
        assert_eq!(actions["basis"], "guidance");
        assert!(
            actions["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == "outcome" && e["value"] == "needs partly met"),
            "{actions}"
        );
        // The counts add up to the items.
        let total: u64 = c["counts"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(total as usize, all.len());
        // Every built-in check has a topic of its own, so no prompt falls back to quoting a
        // check's title (as a regulator's check is named).
        for i in &all {
            assert!(
                !i["prompt"].as_str().unwrap().contains('\u{201c}'),
                "{db:?}: {i}"
            );
        }
        let pack = t.state.policies.base();
        for policy in POLICIES {
            let loaded = pack.policy(policy).unwrap();
            for check in &loaded.plugin.metadata.checks {
                assert!(
                    carecheck::checklist::prompts::topic(&check.id).is_some(),
                    "{policy}/{} has no prompt topic",
                    check.id
                );
            }
        }

        // Recorded compactly (no run), audited, and reproducible.
        assert_eq!(
            count(&t, "runs").await,
            runs_before,
            "{db:?}: a view wrote a run"
        );
        assert_eq!(count(&t, "checklist_views").await, 1);
        assert!(
            carecheck::access::audit::count(&t.state.store, Some("checklist"))
                .await
                .unwrap()
                >= 1
        );
        let view = c["view_id"].as_str().unwrap();
        let replayed = replay(&t, view).await;
        assert!(replayed.reproduced, "{db:?} {replayed:?}");
        assert_eq!(replayed.as_of, d("2026-05-11"));
        // A tampered digest is reported as a difference.
        sqlx::query("UPDATE checklist_views SET results_sha256 = $1 WHERE id = $2")
            .bind(vec![0u8; 32])
            .bind(view.parse::<i64>().unwrap())
            .execute(t.state.store.pool())
            .await
            .unwrap();
        assert!(!replay(&t, view).await.reproduced, "{db:?}");

        // `as_of` still means the same; both at once, or an unknown policy, is a 400.
        let (_, by_as_of) = t
            .get(&format!("{uri}/checklist?as_of=2026-05-11"), &t.iro)
            .await;
        assert_eq!(by_as_of["groups"], c["groups"]);
        for bad in [
            "review_date=2026-05-11&as_of=2026-05-11",
            "policy=nope",
            "review_date=2026-02-30",
        ] {
            let (status, body) = t.get(&format!("{uri}/checklist?{bad}"), &t.iro).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_review_date_is_the_next_review_due() {
    let t = TestApp::new(Db::Sqlite).await;
    let today = chrono::Utc::now().date_naive();
    let last = today - Days::new(100);
    let mut r = record("C1", "IRO-1");
    r["reviews"] =
        json!([{"date": "2024-01-25"}, {"date": "2024-04-20"}, {"date": last.to_string()}]);
    let uri = "/api/v1/children/E10000001/C1";
    assert_eq!(t.put_json(uri, &t.admin, &r).await.0, StatusCode::CREATED);
    let (status, c) = t.get(&format!("{uri}/checklist"), &t.iro).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let due = add_months(last, 6);
    assert_eq!(c["review_date"], due.to_string());
    assert_eq!(c["review_date_from"], "next_review_due");
    // Only the timeliness policy runs here: the first item is still recommendation 11.
    assert_eq!(c["groups"][0]["items"][0]["status"], "not_evaluated");
    assert!(
        c["groups"][0]["items"][0]["prompt"]
            .as_str()
            .unwrap()
            .starts_with("Ask whether Test's mental health needs have been met: this checklist did not evaluate it")
    );
}

/// A record assigned to `iro` whose last review was on `last`.
fn reviewed(id: &str, iro: &str, last: NaiveDate) -> Value {
    let mut r = record(id, iro);
    r["child"]["name"] = json!(format!("{id} Child"));
    r["reviews"] =
        json!([{"date": "2024-01-25"}, {"date": "2024-04-20"}, {"date": last.to_string()}]);
    r
}

#[tokio::test(flavor = "multi_thread")]
async fn upcoming_reviews_and_caseloads_are_the_iros_own() {
    for db in databases().await {
        let t = full_pack(db).await;
        let today = chrono::Utc::now().date_naive();
        let soon = today - Days::new(170); // next review due in about 12 days
        let later = today - Days::new(60); // due in about 4 months
        for (id, body) in [
            ("C1", reviewed("C1", "IRO-1", soon)),
            ("C2", reviewed("C2", "IRO-1", later)),
            ("C3", record("C3", "IRO-1")), // last review 20 April 2024: long late
            ("C4", reviewed("C4", "IRO-2", soon)),
        ] {
            let (status, reply) = t
                .put_json(
                    &format!("/api/v1/children/{AUTHORITY}/{id}"),
                    &t.admin,
                    &body,
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{reply}");
        }
        let (status, u) = t.get("/api/v1/iros/IRO-1/upcoming?days=28", &t.iro).await;
        assert_eq!(status, StatusCode::OK, "{db:?} {u}");
        let ids: Vec<&str> = u["reviews"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["child_id"].as_str().unwrap())
            .collect();
        // The late one first, then the one due soon; not the one months away, nor IRO-2's.
        assert_eq!(ids, ["C3", "C1"], "{db:?} {u}");
        assert_eq!(u["reviews"][0]["overdue"], true);
        assert_eq!(
            u["reviews"][1]["next_review_due"],
            add_months(soon, 6).to_string()
        );
        assert_eq!(u["reviews"][1]["first_name"], "C1");
        let counts = u["reviews"][1]["counts"].as_object().unwrap();
        assert!(
            counts.values().map(|v| v.as_u64().unwrap()).sum::<u64>() > 5,
            "{u}"
        );
        // Three children, not in the directory: full time assumed, below 50-70.
        assert_eq!(u["caseload"]["children"], 3);
        assert_eq!(u["caseload"]["in_directory"], false);
        assert_eq!(u["caseload"]["against_guide"], "below");

        // In the directory on 0.05 of full time: the guide is 2.5-3.5, rounded 3-4 (half away
        // from zero): 3 children is within it.
        let body = json!({"authority": AUTHORITY, "name": "Ann Ashdown", "email": "ann@example.invalid", "working_hours": 0.05});
        let (status, iro) = t.put_json("/api/v1/iros/IRO-1", &t.admin, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{iro}");
        let (status, _) = t.put_json("/api/v1/iros/IRO-1", &t.admin, &body).await;
        assert_eq!(status, StatusCode::OK);
        let (_, u) = t.get("/api/v1/iros/IRO-1/upcoming", &t.admin).await;
        assert_eq!(u["name"], "Ann Ashdown");
        assert_eq!(
            (
                u["caseload"]["expected_min"].as_i64(),
                u["caseload"]["expected_max"].as_i64()
            ),
            (Some(3), Some(4)),
            "{u}"
        );
        assert_eq!(u["caseload"]["against_guide"], "within");
        let (_, list) = t.get("/api/v1/iros", &t.admin).await;
        let listed: Vec<(&str, i64)> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["iro_id"].as_str().unwrap(),
                    i["caseload"]["children"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(listed, [("IRO-1", 3), ("IRO-2", 1)], "{db:?} {list}");

        // Another IRO, and an admin of another authority, are told it does not exist.
        let (status, _) = t.get("/api/v1/iros/IRO-1/upcoming", &t.other_iro).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let elsewhere = t
            .token(carecheck::access::Role::Admin, &["E99999999"], None)
            .await;
        let (status, _) = t.get("/api/v1/iros/IRO-1/upcoming", &elsewhere).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = t.put_json("/api/v1/iros/IRO-1", &elsewhere, &body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{db:?}");
        let (_, list) = t.get("/api/v1/iros", &elsewhere).await;
        assert_eq!(list, json!([]));
        // Every child listed is audited, and so is every refusal.
        let audited = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'upcoming' AND child_id IS NOT NULL",
        )
        .fetch_one(t.state.store.pool())
        .await
        .unwrap();
        assert_eq!(audited, 4, "{db:?}");
        let refused = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('upcoming', 'iro_set') AND outcome = 'denied'",
        )
        .fetch_one(t.state.store.pool())
        .await
        .unwrap();
        assert_eq!(refused, 3, "{db:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_iro_entry_is_validated_field_by_field() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        let (status, reply) = t
            .put_json(
                "/api/v1/iros/IRO-1",
                &t.admin,
                &json!({"authority": "E1 0", "name": "", "email": "nobody", "working_hours": 1.2, "grade": 7}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
        let paths: Vec<&str> = problem_paths(&reply);
        assert_eq!(
            paths,
            ["/grade", "/authority", "/name", "/email", "/working_hours"],
            "{db:?}"
        );
        let (status, _) = t
            .put_raw("/api/v1/iros/IRO-1", &t.admin, "{\"name\": ")
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = t
            .put_json("/api/v1/iros/IRO%201", &t.admin, &json!({}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (_, list) = t.get("/api/v1/iros", &t.admin).await;
        assert_eq!(list, json!([]), "{db:?}: a refused entry was stored");
    }
}

async fn replay(t: &TestApp, view: &str) -> carecheck::runs::views::ViewReplay {
    carecheck::runs::views::replay(
        &t.state.store,
        &t.state.config.data_dir.join("compiled"),
        view,
    )
    .await
    .unwrap()
}

async fn count(t: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(t.state.store.pool())
        .await
        .unwrap()
}
