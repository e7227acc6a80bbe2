//! Subscriptions through the API on SQLite and PostgreSQL: every field checked at creation with
//! its JSON pointer, scope, the webhook secret shown once, outbox folders for unscoped admins
//! only, pause, resume and delete, and catch-up of scheduled times missed while nothing ran.

use axum::http::StatusCode;
use carecheck::subscriptions::{Schedule, queries};
use carecheck_tests::{AUTHORITY, TestApp, databases, problem_paths};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

fn board(name: &str) -> Value {
    json!({"name": name, "audience": "corporate-parenting-board", "authorities": [AUTHORITY], "cron": "0 7 * * MON"})
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_are_checked_by_field_scoped_paused_and_deleted() {
    for db in databases().await {
        let t = TestApp::with_config(db, &[("statutory-review-timeliness", "")], |c| {
            c.outbox_dir = Some(std::env::temp_dir().join("carecheck-never-written"));
        })
        .await;
        // Every wrong field at once, each by its pointer.
        let (status, body) = t
            .post_json(
                "/api/v1/subscriptions",
                &t.admin,
                json!({
                    "name": "",
                    "audience": "parliament",
                    "authorities": [AUTHORITY, AUTHORITY],
                    "policies": ["no-such-policy"],
                    "cron": "0 25 * * *",
                    "formats": ["pdf"],
                    "email": ["board@council.example"],
                    "webhook_url": "ftp://x",
                    "catch_up": "sometimes"
                }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{db:?} {body}");
        let paths: Vec<&str> = problem_paths(&body);
        assert_eq!(
            paths,
            [
                "/name",
                "/audience",
                "/authorities/1",
                "/policies/0",
                "/cron",
                "/formats/0",
                "/email",
                "/webhook_url",
                "/catch_up"
            ],
            "{body}"
        );
        // The email problem says why: no SMTP server is configured.
        assert!(body.to_string().contains("smtp_url"), "{body}");
        assert_eq!(
            queries::list(&t.state.store).await.unwrap().len(),
            0,
            "a refused subscription was stored"
        );

        // A webhook without a secret gets one, shown once and never listed.
        let mut request = board("Board");
        request["webhook_url"] = json!("http://127.0.0.1:9/hook");
        let (status, created) = t
            .post_json("/api/v1/subscriptions", &t.admin, request)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let secret = created["webhook_secret"].as_str().unwrap();
        assert!(secret.starts_with("whsec_"), "{secret}");
        let id = created["subscription"]["id"].as_str().unwrap().to_string();
        let (_, listed) = t.get("/api/v1/subscriptions", &t.admin).await;
        assert!(!listed.to_string().contains(secret), "{listed}");
        assert_eq!(listed[0]["webhook_url"], "http://127.0.0.1:9/hook");
        assert_eq!(listed[0]["catch_up"], "latest");
        assert_eq!(listed[0]["suppress_below"], 5);
        assert!(listed[0]["next_run"].is_string(), "{listed}");
        // Names are unique.
        let (status, _) = t
            .post_json("/api/v1/subscriptions", &t.admin, board("Board"))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);

        // A scoped admin: not another authority's subscriptions, and no outbox folders
        // (shared by every authority on the server).
        let scoped = t.admin_of("E99999999").await;
        let (status, _) = t
            .post_json("/api/v1/subscriptions", &scoped, board("Theirs"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let mut theirs = board("Theirs");
        theirs["authorities"] = json!(["E99999999"]);
        theirs["outbox"] = json!("theirs");
        let (status, body) = t
            .post_json("/api/v1/subscriptions", &scoped, theirs.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["problems"][0]["path"], "/outbox", "{body}");
        theirs.as_object_mut().unwrap().remove("outbox");
        let (status, _) = t.post_json("/api/v1/subscriptions", &scoped, theirs).await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, mine) = t.get("/api/v1/subscriptions", &scoped).await;
        assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
        let (status, _) = t.get(&format!("/api/v1/subscriptions/{id}"), &scoped).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        for path in ["pause", "resume", "run"] {
            let (status, _) = t.subscription_action(&id, path, &scoped).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        // Only admins manage subscriptions.
        for token in [&t.board, &t.inspector, &t.iro, &t.regulator] {
            let (status, _) = t.get("/api/v1/subscriptions", token).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
        }

        // Pause, resume, delete.
        let (status, paused) = t.subscription_action(&id, "pause", &t.admin).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(paused["paused"], true);
        assert!(paused["next_run"].is_null());
        let (_, resumed) = t.subscription_action(&id, "resume", &t.admin).await;
        assert_eq!(resumed["paused"], false);
        let (_, queued) = t.subscription_action(&id, "run", &t.admin).await;
        assert!(queued["report_id"].is_string(), "{queued}");
        let (status, _) = t
            .delete(&format!("/api/v1/subscriptions/{id}"), &t.admin)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = t
            .get(&format!("/api/v1/subscriptions/{id}"), &t.admin)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let report = queries::report(&t.state.store, queued["report_id"].as_str().unwrap())
            .await
            .unwrap();
        assert!(report.is_none(), "the report went with its subscription");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn times_missed_while_nothing_ran_are_made_up_as_catch_up_says() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        let mut ids = Vec::new();
        for catch_up in ["none", "latest", "all"] {
            let mut request = board(catch_up);
            request["cron"] = json!("0 12 * * *");
            request["catch_up"] = json!(catch_up);
            let (status, created) = t
                .post_json("/api/v1/subscriptions", &t.admin, request)
                .await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            ids.push(created["subscription"]["id"].as_str().unwrap().to_string());
        }
        let sub = queries::get(&t.state.store, &ids[0])
            .await
            .unwrap()
            .unwrap();
        let created: DateTime<Utc> = DateTime::parse_from_rfc3339(&sub.scheduled_through)
            .unwrap()
            .with_timezone(&Utc);
        // Nothing ran for three noons (London): the first after creation and the two after it;
        // the scheduler comes back an hour after the third.
        let noon = Schedule::parse("0 12 * * *").unwrap();
        let first = noon.next_after(created).unwrap();
        let third = noon.next_after(noon.next_after(first).unwrap()).unwrap();
        let back = third + Duration::hours(1);
        let worker = t.state.scheduler();
        assert_eq!(
            worker.claim_due(back).await.unwrap(),
            4,
            "{db:?}: none 0 + latest 1 + all 3"
        );
        let times = |id: String| {
            let store = t.state.store.clone();
            async move {
                let mut v: Vec<String> = queries::reports_of(&store, &id, 10)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| r.scheduled_for)
                    .collect();
                v.sort();
                v
            }
        };
        let text = |t: DateTime<Utc>| queries::scheduled_text(t);
        assert_eq!(times(ids[0].clone()).await, Vec::<String>::new());
        assert_eq!(times(ids[1].clone()).await, [text(third)]);
        let second = noon.next_after(first).unwrap();
        assert_eq!(
            times(ids[2].clone()).await,
            [text(first), text(second), text(third)]
        );
        // Claiming again at the same moment, as a second replica would, adds nothing.
        assert_eq!(worker.claim_due(back).await.unwrap(), 0);
        // The next noon, seen on time, is claimed whatever catch_up says.
        let fourth = noon.next_after(third).unwrap();
        assert_eq!(
            worker
                .claim_due(fourth + Duration::seconds(5))
                .await
                .unwrap(),
            3
        );
        // A paused subscription claims nothing.
        let (status, _) = t
            .post_json(
                &format!("/api/v1/subscriptions/{}/pause", ids[2]),
                &t.admin,
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let fifth = noon.next_after(fourth).unwrap();
        assert_eq!(
            worker
                .claim_due(fifth + Duration::seconds(5))
                .await
                .unwrap(),
            2
        );
    }
}
