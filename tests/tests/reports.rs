//! Scheduled reports end to end on SQLite and PostgreSQL, delivered to real receivers: an SMTP
//! server (aiosmtpd, started here), an HTTP receiver that checks every webhook signature itself,
//! and an outbox folder. Boards' reports never hold a name, date of birth or child id.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use carecheck::subscriptions::queries;
use carecheck_tests::receivers::{
    Answer, Smtp, Webhooks, aiosmtpd_available, folder_files, header, wait_for,
};
use carecheck_tests::{AUTHORITY, Db, TestApp, databases, root};
use serde_json::{Value, json};
use sha2::Digest as _;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PLUGINS: [(&str, &str); 3] = [
    ("statutory-review-timeliness", ""),
    ("health-assessments", ""),
    ("sdq", ""),
];
const WAIT: Duration = Duration::from_secs(120);

/// A child looked after since 2024 with a name, a date of birth, reviews, health and an
/// out-of-area placement at Oak House: every identifying value is distinctive, so a report
/// that leaked one would be caught.
fn child(n: usize) -> Value {
    json!({
        "child": {
            "id": format!("CHILD-{n:04}"),
            "responsible_authority": AUTHORITY,
            "name": format!("Zebedee Quantock{n}"),
            "date_of_birth": "2013-02-17",
            "sex": if n.is_multiple_of(2) { "F" } else { "M" },
            "legal_status": "C2"
        },
        "periods_of_care": [{"episodes": [
            {"start": "2024-01-02", "end": "2024-03-05", "legal_status": "V2", "placement_id": "P1"},
            {"start": "2024-03-05", "legal_status": "C2", "placement_id": "P2"}
        ]}],
        "placements": [
            {"id": "P1", "start": "2024-01-02", "end": "2024-03-05", "location_authority": AUTHORITY, "placement_type": "U1"},
            {"id": "P2", "start": "2024-03-05", "location_authority": "E10000099", "placement_type": "K2", "provider": "Oak House", "urn": "SC123456", "postcode": "ZZ1 1ZZ"}
        ],
        "iro_assignments": [{"iro_id": if n.is_multiple_of(2) { "IRO-1" } else { "IRO-2" }, "from": "2024-01-01"}],
        "reviews": [{"date": "2024-01-25"}, {"date": "2024-04-20"}],
        "health": {
            "assessments": [{"kind": "initial", "date": "2024-01-20"}],
            "dental_checks": ["2024-05-01"],
            "sdq": [{"date": "2025-11-30", "score": 12}]
        }
    })
}

const IDENTIFYING: [&str; 4] = ["CHILD-0", "Zebedee", "Quantock", "2013-02-17"];

async fn app_with_receivers(db: Db, smtp: &Smtp, outbox: &std::path::Path) -> TestApp {
    let url = smtp.url();
    let t = TestApp::with_config(db, &PLUGINS, |c| {
        c.smtp_url = Some(url);
        c.smtp_from = "reports@council.example".into();
        c.outbox_dir = Some(outbox.to_path_buf());
    })
    .await;
    for n in 1..=12 {
        let uri = format!("/api/v1/children/{AUTHORITY}/CHILD-{n:04}");
        let (status, body) = t.put_json(&uri, &t.admin, &child(n)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    t
}

/// Renders and delivers until every delivery of `report` is settled (retries included).
async fn deliver_all(t: &TestApp, report: &str) -> Vec<queries::Delivery> {
    let worker = t.state.scheduler();
    wait_for("the report and its deliveries", WAIT, async || {
        worker.run_until_idle(chrono::Utc::now()).await.unwrap();
        let deliveries = queries::deliveries_of(&t.state.store, report)
            .await
            .unwrap();
        (!deliveries.is_empty() && deliveries.iter().all(|d| d.state != "pending"))
            .then_some(deliveries)
    })
    .await
}

fn smtp_script() -> std::path::PathBuf {
    root().join("tests/support/smtp_server.py")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_board_report_reaches_email_webhook_and_outbox_and_names_no_child() {
    if !aiosmtpd_available() {
        return;
    }
    for db in databases().await {
        let mail_dir = tempfile::tempdir().unwrap();
        let smtp = Smtp::start(&smtp_script(), mail_dir.path());
        let outbox_root = tempfile::tempdir().unwrap();
        // The receiver asks for a retry first: the second attempt carries the same webhook-id.
        let hooks = Webhooks::start(SECRET, vec![Answer::RetryAfter(1)]).await;
        let t = app_with_receivers(db, &smtp, outbox_root.path()).await;
        let (status, created) = t
            .post_json(
                "/api/v1/subscriptions",
                &t.admin,
                json!({
                    "name": "Corporate parenting board",
                    "audience": "corporate-parenting-board",
                    "authorities": [AUTHORITY],
                    "cron": "0 7 1 1 *",
                    "email": ["board@council.example"],
                    "webhook_url": hooks.url,
                    "webhook_secret": SECRET,
                    "outbox": "board"
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{db:?} {created}");
        assert!(created.get("webhook_secret").is_none(), "{created}");
        let id = created["subscription"]["id"].as_str().unwrap().to_string();
        let (status, queued) = t.subscription_action(&id, "run", &t.admin).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
        let report_id = queued["report_id"].as_str().unwrap().to_string();
        let deliveries = deliver_all(&t, &report_id).await;
        assert_eq!(deliveries.len(), 3, "{deliveries:?}");
        assert!(
            deliveries.iter().all(|d| d.state == "delivered"),
            "{deliveries:?}"
        );

        // Email: one message, the key as its Message-ID, three attachments and the chart
        // as a related PNG.
        let messages = wait_for("the email", WAIT, async || {
            let m = smtp.messages();
            (!m.is_empty()).then_some(m)
        })
        .await;
        assert_eq!(messages.len(), 1, "{db:?}");
        let mail = &messages[0];
        assert_eq!(
            header(mail, "Message-ID").as_deref(),
            Some(format!("<{report_id}-email@council.example>").as_str())
        );
        assert!(mail.contains("multipart/related"), "{mail}");
        assert!(mail.contains("Content-ID: <chart.png>"), "{mail}");
        for name in ["report.html", "report.csv", "report.json"] {
            assert!(
                mail.contains(&format!("filename=\"{name}\"")),
                "{name} not attached"
            );
        }

        // Webhook: a retry, then delivered, both signed, both under the one key.
        let received = hooks.received();
        assert_eq!(received.len(), 2, "{db:?}");
        assert!(
            received.iter().all(|r| r.verified),
            "a signature did not verify"
        );
        assert!(
            received
                .iter()
                .all(|r| r.id == format!("{report_id}-webhook"))
        );
        assert_eq!(
            received[0].body, received[1].body,
            "the body changed between attempts"
        );
        let envelope: Value = serde_json::from_slice(&received[1].body).unwrap();
        assert_eq!(envelope["type"], "report.rendered");
        assert_eq!(envelope["data"]["report_id"], report_id.as_str());
        let webhook = deliveries.iter().find(|d| d.channel == "webhook").unwrap();
        let attempts = queries::attempts_of(&t.state.store, &webhook.id)
            .await
            .unwrap();
        let outcomes: Vec<&str> = attempts.iter().map(|a| a.outcome.as_str()).collect();
        assert_eq!(outcomes, ["retry", "delivered"], "{attempts:?}");
        assert_eq!(attempts[0].detail, "HTTP 503");

        // Outbox: the files under the key, the checksum file last and matching, no
        // temporary file left.
        let outbox = outbox_root.path().join("board");
        let key = format!("{report_id}-outbox");
        assert_eq!(
            folder_files(&outbox),
            [
                format!("{key}.csv"),
                format!("{key}.html"),
                format!("{key}.json"),
                format!("{key}.sha256"),
            ]
        );
        let sums = std::fs::read_to_string(outbox.join(format!("{key}.sha256"))).unwrap();
        assert_eq!(sums.lines().count(), 3);
        for line in sums.lines() {
            let (sum, name) = line.split_once("  ").unwrap();
            let bytes = std::fs::read(outbox.join(name)).unwrap();
            assert_eq!(hex(&sha2::Sha256::digest(&bytes)), sum, "{name}");
        }

        // Nothing more to do: a second tick claims and renders nothing.
        let worker = t.state.scheduler();
        assert_eq!(worker.claim_due(chrono::Utc::now()).await.unwrap(), 0);
        assert!(!worker.render_next(chrono::Utc::now()).await.unwrap());
        let reports = queries::reports_of(&t.state.store, &id, 10).await.unwrap();
        assert_eq!(reports.len(), 1);

        // Metrics: one rendered report, the webhook's retry and every delivery.
        let (_, metrics) = t
            .call(Method::GET, "/metrics", None, None, "text/plain")
            .await;
        let metrics = metrics.as_str().unwrap().to_string();
        for line in [
            "carecheck_reports_rendered_total{outcome=\"rendered\"} 1",
            "carecheck_reports_delivery_attempts_total{channel=\"webhook\",outcome=\"retry\"} 1",
            "carecheck_reports_delivery_attempts_total{channel=\"webhook\",outcome=\"delivered\"} 1",
            "carecheck_reports_delivery_attempts_total{channel=\"email\",outcome=\"delivered\"} 1",
            "carecheck_reports_delivery_attempts_total{channel=\"outbox\",outcome=\"delivered\"} 1",
            "carecheck_reports_delivery_lag_seconds_count{channel=\"email\"} 1",
        ] {
            assert!(metrics.contains(line), "{line} missing from\n{metrics}");
        }

        // No name, date of birth or child id anywhere a board sees.
        let files = queries::files(&t.state.store, &report_id).await.unwrap();
        let mut seen: Vec<(String, String)> = files
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    String::from_utf8_lossy(&f.body).into_owned(),
                )
            })
            .collect();
        seen.push(("email".into(), mail.clone()));
        for r in &received {
            seen.push((
                "webhook".into(),
                String::from_utf8_lossy(&r.body).into_owned(),
            ));
        }
        for name in folder_files(&outbox) {
            seen.push((
                name.clone(),
                std::fs::read_to_string(outbox.join(&name)).unwrap(),
            ));
        }
        for (where_, text) in &seen {
            for forbidden in IDENTIFYING {
                assert!(
                    !text.contains(forbidden),
                    "{db:?}: {where_} contains {forbidden}"
                );
            }
        }
        // It does hold the figures: twelve children, fewer than 5 shown as such.
        let json: Value =
            serde_json::from_str(&seen.iter().find(|(n, _)| n == "report.json").unwrap().1)
                .unwrap();
        assert_eq!(json["report"]["children"], 12, "{json}");
        let html = &seen.iter().find(|(n, _)| n == "report.html").unwrap().1;
        assert!(html.contains("<svg"), "the web page draws the chart inline");
        let email_html = &seen.iter().find(|(n, _)| n == "email.html").unwrap().1;
        assert!(email_html.contains("cid:chart.png"));

        // A board token opens the report as a locked-down page; another authority's
        // inspector cannot.
        let (status, list) = t.get("/api/v1/reports/scheduled", &t.board).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list[0]["id"], report_id.as_str(), "{list}");
        let page = format!("/api/v1/reports/scheduled/{report_id}/files/report.html");
        let (status, headers, body) = t
            .call_with_headers(Method::GET, &page, Some(&t.board), None, "text/html", &[])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'")
        );
        let (status, _) = t.get(&page, &t.other_inspector).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = t.get(&page, &t.iro).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let _ = &hooks;
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn column<'a>(csv: &'a str, row: usize, name: &str) -> &'a str {
    let mut lines = csv.lines();
    let header: Vec<&str> = split_csv(lines.next().unwrap());
    let i = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    let line = lines.nth(row).unwrap();
    split_csv(line)[i]
}

/// Splits a CSV line whose quoted fields hold no quotes (true of these lists).
fn split_csv(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        if let Some(stripped) = rest.strip_prefix('"') {
            let end = stripped.find('"').unwrap();
            out.push(&stripped[..end]);
            rest = &stripped[end + 1..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
        match rest.strip_prefix(',') {
            Some(r) => rest = r,
            None => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inspector_report_carries_annex_a_lists_a_board_cannot_open() {
    for db in databases().await {
        let t = TestApp::with_config(db, &PLUGINS, |c| {
            c.outbox_dir = None;
        })
        .await;
        for n in 1..=3 {
            let uri = format!("/api/v1/children/{AUTHORITY}/CHILD-{n:04}");
            assert_eq!(
                t.put_json(&uri, &t.admin, &child(n)).await.0,
                StatusCode::CREATED
            );
        }
        let (status, created) = t.post_json("/api/v1/subscriptions",
            &t.admin,
            json!({"name": "Ofsted", "audience": "inspector", "authorities": [AUTHORITY], "cron": "0 7 1 1 *"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["subscription"]["id"].as_str().unwrap();
        let (_, queued) = t.subscription_action(id, "run", &t.admin).await;
        let report_id = queued["report_id"].as_str().unwrap();
        t.state
            .scheduler()
            .run_until_idle(chrono::Utc::now())
            .await
            .unwrap();
        let file = |name: &str| format!("/api/v1/reports/scheduled/{report_id}/files/{name}");
        let (status, list8) = t.get(&file("annex-a-list-8.csv"), &t.inspector).await;
        let stored = queries::report(&t.state.store, report_id).await.unwrap();
        assert_eq!(status, StatusCode::OK, "{db:?} {list8} {stored:?}");
        let list8 = list8.as_str().unwrap().to_string();
        assert_eq!(list8.lines().count(), 4, "{list8}");
        // CHILD-0001, worked by hand from child(1): looked after since 2 Jan 2024, legal status
        // C2 since the second episode (5 Mar 2024), latest review 20 Apr 2024, placed out of
        // area at Oak House since 5 Mar 2024 (one placement overlapping the last 12 months).
        for (name, want) in [
            ("Child Unique ID", "CHILD-0001"),
            ("Gender", "Male"),
            ("Date of Birth", "17/02/2013"),
            ("Date Started to be Looked After", "02/01/2024"),
            ("Legal Status", "C2"),
            ("Start date of current legal status", "05/03/2024"),
            ("Date of Latest Statutory Review", "20/04/2024"),
            ("Date of Last Health Assessment", "20/01/2024"),
            ("Date of Last Dental Check", "01/05/2024"),
            ("Number of Placements in the Last 12 months", "1"),
            ("Start Date of Most Recent Placement", "05/03/2024"),
            ("Placement Type", "K2"),
            ("Placement Provider", "Oak House"),
            ("Placement Postcode", "ZZ1 1ZZ"),
            ("Placement Location (In/Out LA Boundary)", "Out"),
            ("LA of Placement", "E10000099"),
            ("URN of Placement", "SC123456"),
            ("Ethnicity", ""),
            ("Unaccompanied Asylum Seeking Child (UASC)", ""),
            ("Date Ceased to be Looked After", ""),
        ] {
            assert_eq!(column(&list8, 0, name), want, "{db:?} {name}");
        }
        // The notes name the columns the record cannot fill.
        let (_, json) = t.get(&file("report.json"), &t.inspector).await;
        let notes = json["report"]["notes"].to_string();
        assert!(
            notes.contains("Ethnicity") && notes.contains("Allocated Worker"),
            "{notes}"
        );
        // No care leavers among these children: List 9 is a header only.
        let (_, list9) = t.get(&file("annex-a-list-9.csv"), &t.inspector).await;
        assert_eq!(list9.as_str().unwrap().lines().count(), 1);
        // Boards never open an inspector's report, nor the other authority's inspector.
        for token in [&t.board, &t.other_inspector] {
            let (status, _) = t.get(&file("annex-a-list-8.csv"), token).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
        let (_, listed) = t.get("/api/v1/reports/scheduled", &t.board).await;
        assert_eq!(listed, json!([]));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_iro_digest_lists_each_iros_coming_and_late_reviews() {
    for db in databases().await {
        let t = TestApp::with_plugins(db, &PLUGINS).await;
        for n in 1..=4 {
            let uri = format!("/api/v1/children/{AUTHORITY}/CHILD-{n:04}");
            assert_eq!(
                t.put_json(&uri, &t.admin, &child(n)).await.0,
                StatusCode::CREATED
            );
        }
        let mut report_of = Vec::new();
        for (name, iros) in [("All IROs", json!([])), ("IRO-1 only", json!(["IRO-1"]))] {
            let (status, created) = t.post_json("/api/v1/subscriptions",
                &t.admin,
                json!({"name": name, "audience": "iro-digest", "authorities": [AUTHORITY], "cron": "0 8 1 1 *", "iros": iros, "digest_days": 28}),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            let id = created["subscription"]["id"].as_str().unwrap().to_string();
            let (_, queued) = t.subscription_action(&id, "run", &t.admin).await;
            report_of.push(queued["report_id"].as_str().unwrap().to_string());
        }
        t.state
            .scheduler()
            .run_until_idle(chrono::Utc::now())
            .await
            .unwrap();
        let digest = |report: &str| {
            let store = t.state.store.clone();
            let report = report.to_string();
            async move {
                let files = queries::files(&store, &report).await.unwrap();
                let json = files.iter().find(|f| f.name == "report.json").unwrap();
                serde_json::from_slice::<Value>(&json.body).unwrap()["digest"].clone()
            }
        };
        // Every child's later review was due 20 Oct 2024 and never held: late, so listed.
        let all = digest(&report_of[0]).await;
        let iros: Vec<&str> = all["iros"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["iro"].as_str().unwrap())
            .collect();
        assert_eq!(iros, ["IRO-1", "IRO-2"], "{db:?} {all}");
        assert_eq!(all["iros"][0]["children"].as_array().unwrap().len(), 2);
        let first = &all["iros"][0]["children"][0];
        assert_eq!(first["child_id"], "CHILD-0002");
        assert_eq!(first["review_status"], "breach");
        assert_eq!(first["review_due"], "2024-10-20");
        assert!(first["summary"]["breach"].as_u64().unwrap() >= 1, "{first}");
        let one = digest(&report_of[1]).await;
        let iros: Vec<&str> = one["iros"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["iro"].as_str().unwrap())
            .collect();
        assert_eq!(iros, ["IRO-1"]);
        // The digest is child-level: boards and inspectors cannot list it.
        let (_, listed) = t.get("/api/v1/reports/scheduled", &t.inspector).await;
        assert_eq!(listed, json!([]));
    }
}
