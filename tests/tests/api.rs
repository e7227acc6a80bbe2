//! The HTTP API on SQLite and PostgreSQL: every role against every endpoint, malformed input
//! that must be refused precisely and write nothing, and append-only versioning.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use carecheck_tests::{AUTHORITY, Db, TestApp, databases, problem_paths, record};
use serde_json::{Value, json};

const C1: &str = "/api/v1/children/E10000001/C1";

#[tokio::test(flavor = "multi_thread")]
async fn role_by_endpoint_matrix() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        assert_eq!(
            t.put_json(C1, &t.admin, &record("C1", "IRO-1")).await.0,
            StatusCode::CREATED
        );
        let (status, run) = t
            .call(
                Method::POST,
                "/api/v1/runs",
                Some(&t.admin),
                Some(Body::from("{\"as_of\": \"2026-11-23\"}")),
                "application/json",
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{run}");
        let run_id = run["run_id"].as_str().unwrap().to_string();

        let who: [(&str, Option<&str>); 8] = [
            ("admin", Some(&t.admin)),
            ("iro", Some(&t.iro)),
            ("other_iro", Some(&t.other_iro)),
            ("board", Some(&t.board)),
            ("inspector", Some(&t.inspector)),
            ("other_inspector", Some(&t.other_inspector)),
            ("regulator", Some(&t.regulator)),
            ("none", None),
        ];
        use StatusCode as S;
        const OK: S = S::OK;
        const NF: S = S::NOT_FOUND;
        const FB: S = S::FORBIDDEN;
        const UA: S = S::UNAUTHORIZED;
        let (plugin_form, plugin_form_type) =
            carecheck_tests::multipart(&[("component", b"not wasm")]);
        let multipart = "--X\r\nContent-Disposition: form-data; name=\"f\"; filename=\"h.csv\"\r\n\r\nCHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\nZ9,1,01/02/2015,WBRI,,,\r\n--X--\r\n";
        // (method, uri, body, content type, expected per role in the order above)
        type Case<'a> = (Method, String, Option<String>, &'a str, [S; 8]);
        let endpoints: Vec<Case> = vec![
            (
                Method::GET,
                "/api/v1/children".into(),
                None,
                "application/json",
                [OK, OK, OK, FB, OK, OK, FB, UA],
            ),
            (
                Method::GET,
                C1.into(),
                None,
                "application/json",
                [OK, OK, NF, NF, OK, NF, NF, UA],
            ),
            (
                Method::GET,
                format!("{C1}/history"),
                None,
                "application/json",
                [OK, OK, NF, NF, OK, NF, NF, UA],
            ),
            (
                Method::GET,
                format!("{C1}/checklist?as_of=2026-11-23"),
                None,
                "application/json",
                [OK, OK, NF, NF, OK, NF, NF, UA],
            ),
            (
                Method::GET,
                format!("{C1}/checklist?review_date=2026-11-23"),
                None,
                "application/json",
                [OK, OK, NF, NF, OK, NF, NF, UA],
            ),
            (
                Method::GET,
                "/api/v1/iros".into(),
                None,
                "application/json",
                [OK, FB, FB, FB, FB, FB, FB, UA],
            ),
            (
                Method::PUT,
                "/api/v1/iros/IRO-1".into(),
                Some(format!(
                    "{{\"authority\": \"{AUTHORITY}\", \"name\": \"Ann Ashdown\", \"email\": \"ann@example.invalid\", \"working_hours\": 0.8}}"
                )),
                "application/json",
                [S::CREATED, FB, FB, FB, FB, FB, FB, UA],
            ),
            (
                Method::GET,
                "/api/v1/iros/IRO-1/upcoming?days=366".into(),
                None,
                "application/json",
                [OK, OK, NF, FB, FB, FB, FB, UA],
            ),
            (
                Method::PUT,
                C1.into(),
                Some(record("C1", "IRO-1").to_string()),
                "application/json",
                [OK, FB, FB, FB, FB, FB, FB, UA],
            ),
            (
                Method::POST,
                "/api/v1/records/bulk".into(),
                Some(format!("{}\n", record("C2", "IRO-2"))),
                "application/x-ndjson",
                [OK, FB, FB, FB, FB, FB, FB, UA],
            ),
            (
                Method::GET,
                "/api/v1/policies".into(),
                None,
                "application/json",
                [OK, OK, OK, OK, OK, OK, OK, UA],
            ),
            (
                Method::POST,
                "/api/v1/plugins".into(),
                Some(String::from_utf8(plugin_form.clone()).unwrap()),
                plugin_form_type.as_str(),
                // Only a regulator publishes; this unsigned upload is refused.
                [FB, FB, FB, FB, FB, FB, S::UNPROCESSABLE_ENTITY, UA],
            ),
            (
                Method::GET,
                "/api/v1/plugins".into(),
                None,
                "application/json",
                [OK, FB, FB, FB, FB, FB, OK, UA],
            ),
            (
                Method::GET,
                format!("/api/v1/authorities/{AUTHORITY}/plugins"),
                None,
                "application/json",
                [OK, FB, FB, FB, FB, FB, FB, UA],
            ),
            (
                Method::DELETE,
                format!("/api/v1/authorities/{AUTHORITY}/plugins/not-enabled"),
                None,
                "application/json",
                [NF, FB, FB, FB, FB, FB, FB, UA],
            ),
            (
                Method::POST,
                "/api/v1/runs".into(),
                Some("{}".into()),
                "application/json",
                [OK, FB, FB, FB, FB, FB, FB, UA],
            ),
            (
                Method::GET,
                format!("/api/v1/runs/{run_id}"),
                None,
                "application/json",
                [OK, FB, FB, OK, OK, OK, FB, UA],
            ),
            (
                Method::GET,
                format!("/api/v1/runs/{run_id}/results"),
                None,
                "application/json",
                [OK, FB, FB, FB, OK, OK, FB, UA],
            ),
            (
                Method::GET,
                format!("/api/v1/reports/summary?run={run_id}"),
                None,
                "application/json",
                [OK, FB, FB, OK, OK, OK, FB, UA],
            ),
            (
                Method::GET,
                "/api/v1/tokens".into(),
                None,
                "application/json",
                [OK, FB, FB, FB, FB, FB, FB, UA],
            ),
            (
                Method::POST,
                "/api/v1/tokens".into(),
                Some(format!(
                    "{{\"role\": \"board\", \"authorities\": [\"{AUTHORITY}\"]}}"
                )),
                "application/json",
                [S::CREATED, FB, FB, FB, FB, FB, FB, UA],
            ),
            (
                Method::GET,
                "/api/v1/subscriptions".into(),
                None,
                "application/json",
                [OK, FB, FB, FB, FB, FB, FB, UA],
            ),
            (
                Method::GET,
                "/api/v1/reports/scheduled".into(),
                None,
                "application/json",
                [OK, FB, FB, OK, OK, OK, FB, UA],
            ),
            (
                Method::DELETE,
                "/api/v1/tokens/0123456789abcdef".into(),
                None,
                "application/json",
                [NF, FB, FB, FB, FB, FB, FB, UA],
            ),
            (
                Method::POST,
                format!("/api/v1/imports/ssda903?authority={AUTHORITY}&year=2026"),
                Some(multipart.into()),
                "multipart/form-data; boundary=X",
                [OK, FB, FB, FB, FB, FB, FB, UA],
            ),
        ];
        for (method, uri, body, content_type, expected) in &endpoints {
            for ((role, token), want) in who.iter().zip(expected) {
                let (status, body) = t
                    .call(
                        method.clone(),
                        uri,
                        *token,
                        body.clone().map(Body::from),
                        content_type,
                    )
                    .await;
                assert_eq!(status, *want, "{db:?} {role} {method} {uri}: {body}");
                if matches!(status, S::NOT_FOUND | S::FORBIDDEN | S::UNAUTHORIZED) {
                    assert!(
                        !body.to_string().contains("C1\""),
                        "{role} {uri}: refusal leaks the child: {body}"
                    );
                }
            }
        }
        // The other inspector's scope holds no children, and an IRO sees only their own.
        let (_, list) = t.get("/api/v1/children", &t.other_inspector).await;
        assert_eq!(list["children"], json!([]));
        let (_, list) = t.get("/api/v1/children", &t.other_iro).await;
        let ids: Vec<&str> = list["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["child_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["C2"]);
        let (status, _) = t.get("/api/v1/children?iro=IRO-1", &t.other_iro).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // Boards see counts, never identifiers, names or dates of birth.
        let (_, summary) = t.get("/api/v1/reports/summary", &t.board).await;
        let text = summary.to_string();
        assert!(
            summary["rows"].as_array().is_some_and(|r| !r.is_empty()),
            "{text}"
        );
        for forbidden in ["C1", "Test Child", "2014-06-30", "child_id"] {
            assert!(
                !text.contains(forbidden),
                "board summary contains {forbidden}: {text}"
            );
        }
        // A checklist is recorded as a compact view, not a run; a one-child run (as
        // `carecheck check --child` makes) never stands in a board report.
        let (_, checklist) = t
            .get(&format!("{C1}/checklist?as_of=2026-11-23"), &t.admin)
            .await;
        assert!(checklist["view_id"].is_string(), "{checklist}");
        assert!(checklist.get("run_id").is_none(), "{checklist}");
        let one_child_run = one_child_run(&t, "C1").await;
        let (status, _) = t
            .get(
                &format!("/api/v1/reports/summary?run={one_child_run}"),
                &t.board,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, summary) = t.get("/api/v1/reports/summary", &t.board).await;
        assert_ne!(
            summary["run_id"], one_child_run,
            "a one-child run was summarised"
        );
        assert!(summary["children"].as_u64().unwrap() >= 1, "{summary}");
        // An IRO token belongs to exactly one authority.
        let no_authority = carecheck::access::tokens::create(
            &t.state.store,
            carecheck::access::Role::Iro,
            &[],
            Some("IRO-1"),
            None,
        )
        .await;
        assert!(no_authority.is_err());
        // A missing child and a hidden child look the same to an IRO.
        let (s1, b1) = t.get("/api/v1/children/E10000001/NOPE", &t.other_iro).await;
        let (s2, b2) = t.get(C1, &t.other_iro).await;
        assert_eq!((s1, b1), (s2, b2));
        // Every read of a child's record, allowed or not, is audited.
        assert!(
            carecheck::access::audit::count(&t.state.store, Some("read_record"))
                .await
                .unwrap()
                >= 8
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_input_gets_a_precise_4xx_and_writes_nothing() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        assert_eq!(
            t.put_json(C1, &t.admin, &record("C1", "IRO-1")).await.0,
            StatusCode::CREATED
        );
        let before = t.versions().await;
        let with = |f: &dyn Fn(&mut Value)| {
            let mut r = record("C1", "IRO-1");
            f(&mut r);
            r
        };
        // (case, body, expected JSON pointer of a reported problem)
        let cases: Vec<(&str, String, &str)> = vec![
            ("not JSON", "{\"child\": ".into(), ""),
            ("empty body", String::new(), ""),
            ("id of the wrong type", with(&|r| r["child"]["id"] = json!(17)).to_string(), "/child/id"),
            ("impossible date", with(&|r| r["child"]["date_of_birth"] = json!("2026-02-30")).to_string(), "/child/date_of_birth"),
            ("month 13", with(&|r| r["reviews"][0]["date"] = json!("2026-13-01")).to_string(), "/reviews/0/date"),
            ("UK date layout", with(&|r| r["reviews"][0]["date"] = json!("01/02/2026")).to_string(), "/reviews/0/date"),
            ("episode ends before it starts", with(&|r| r["periods_of_care"][0]["episodes"][0]["end"] = json!("2023-12-01")).to_string(), "/periods_of_care/0/episodes/0/end"),
            ("SDQ score 41", with(&|r| r["health"] = json!({"sdq": [{"date": "2025-03-31", "score": 41}]})).to_string(), "/health/sdq/0/score"),
            ("SDQ score -1", with(&|r| r["health"] = json!({"sdq": [{"date": "2025-03-31", "score": -1}]})).to_string(), "/health/sdq/0/score"),
            ("unknown top-level field", with(&|r| r["nickname"] = json!("x")).to_string(), ""),
            ("unknown nested field", with(&|r| r["placements"][0]["colour"] = json!("red")).to_string(), "/placements/0"),
            ("no child", json!({"reviews": []}).to_string(), "/child/id"),
            ("child id differs from the URL", with(&|r| r["child"]["id"] = json!("C2")).to_string(), "/child/id"),
            ("authority differs from the URL", with(&|r| r["child"]["responsible_authority"] = json!("E10000002")).to_string(), "/child/responsible_authority"),
            ("duplicate placement ids", with(&|r| r["placements"] = json!([{"id": "P1", "start": "2024-01-02"}, {"id": "P1", "start": "2024-03-02"}])).to_string(), "/placements/1/id"),
            ("review before birth", with(&|r| r["reviews"][0]["date"] = json!("2013-01-01")).to_string(), "/reviews/0/date"),
            ("participation code PN9", with(&|r| r["reviews"][0]["participation"] = json!("PN9")).to_string(), "/reviews/0/participation"),
            ("unknown mental-health outcome", with(&|r| r["reviews"][0]["mental_health"] = json!({"outcome": "fine"})).to_string(), "/reviews/0/mental_health/outcome"),
            ("schema version 2", with(&|r| r["schema_version"] = json!(2)).to_string(), "/schema_version"),
            ("IRO assignment ends before it starts", with(&|r| r["iro_assignments"][0]["to"] = json!("2023-01-01")).to_string(), "/iro_assignments/0/to"),
            ("episodes that do not follow on", with(&|r| r["periods_of_care"][0]["episodes"] = json!([{"start": "2024-01-02", "end": "2024-02-01"}, {"start": "2024-02-05"}])).to_string(), "/periods_of_care/0/episodes/1/start"),
            ("open episode not last", with(&|r| r["periods_of_care"][0]["episodes"] = json!([{"start": "2024-01-02"}, {"start": "2024-02-05"}])).to_string(), "/periods_of_care/0/episodes/0/end"),
            ("seen before referred", with(&|r| r["health"] = json!({"mental_health_referrals": [{"id": "R1", "service": "CAMHS", "referred": "2025-02-01", "first_seen": "2025-01-01"}]})).to_string(), "/health/mental_health_referrals/0/first_seen"),
            ("caregiver kind unknown", with(&|r| r["caregivers"] = json!([{"id": "K1", "kind": "uncle", "from": "2024-01-02"}])).to_string(), "/caregivers/0/kind"),
            ("array where an object belongs", with(&|r| r["health"] = json!([])).to_string(), "/health"),
        ];
        for (case, body, path) in &cases {
            let (status, response) = t.put_raw(C1, &t.admin, body).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{db:?} {case}: {response}"
            );
            let problems = response["problems"]
                .as_array()
                .unwrap_or_else(|| panic!("{case}: {response}"));
            assert!(
                problems.iter().any(|p| p["path"] == *path),
                "{db:?} {case}: no problem at {path:?} in {response}"
            );
            assert_eq!(t.versions().await, before, "{case} wrote something");
        }
        // Oversized body, no token, a malformed token, the wrong role, bad query parameters.
        let big = format!(
            "{{\"child\": {{\"id\": \"C1\", \"name\": \"{}\"}}}}",
            "x".repeat(300 * 1024)
        );
        assert_eq!(
            t.put_raw(C1, &t.admin, &big).await.0,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let (status, _) = t
            .call(
                Method::PUT,
                C1,
                None,
                Some(Body::from(record("C1", "IRO-1").to_string())),
                "application/json",
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            t.put_json(C1, "cc_not_a_token", &record("C1", "IRO-1"))
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            t.put_json(C1, &t.inspector, &record("C1", "IRO-1")).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            t.get("/api/v1/children?limit=0", &t.admin).await.0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            t.get(
                "/api/v1/children?review_due_within_days=4000000000",
                &t.admin
            )
            .await
            .0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            t.get("/api/v1/children?after=no-slash", &t.admin).await.0,
            StatusCode::BAD_REQUEST
        );
        // A bulk upload over the upload limit (8 MiB in tests) is refused whole.
        let huge = format!("{}\n", record("C9", "IRO-1")).repeat(8 * 1024 * 1024 / 300);
        let (status, _) = t
            .call(
                Method::POST,
                "/api/v1/records/bulk",
                Some(&t.admin),
                Some(Body::from(huge)),
                "application/x-ndjson",
            )
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        // Refused writes are audited too.
        assert!(
            carecheck::access::audit::count(&t.state.store, Some("write_record"))
                .await
                .unwrap()
                >= 2
        );
        assert_eq!(
            t.get("/api/v1/children?colour=red", &t.admin).await.0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(t.versions().await, before);

        // Bulk: the bad lines are reported with their numbers, the good ones committed.
        let ndjson = format!(
            "{}\nnot json\n{}\n\n{}\n",
            record("C5", "IRO-1"),
            with(&|r| {
                r["child"]["id"] = json!("C6");
                r["health"] = json!({"sdq": [{"date": "2025-03-31", "score": 41}]})
            }),
            record("C7", "IRO-1"),
        );
        assert_eq!(bulk(&t, ndjson).await, (2, 2, vec![2, 3]));
        assert_eq!(t.versions().await, before + 2);

        // A bulk large enough to be checked on several threads answers line by line, in order,
        // exactly as lines checked one at a time: lines 7 and 58 carry an SDQ score over 40,
        // line 31 is not a care record; the other 57 are written.
        let ndjson: String = (1..=60)
            .map(|n| {
                let id = format!("B{n}");
                let line = match n {
                    7 | 58 => with(&|r| {
                        r["child"]["id"] = json!(id);
                        r["health"] = json!({"sdq": [{"date": "2025-03-31", "score": 41}]})
                    }),
                    31 => json!({"reviews": []}),
                    _ => record(&id, "IRO-1"),
                };
                format!("{line}\n")
            })
            .collect();
        assert_eq!(bulk(&t, ndjson).await, (57, 3, vec![7, 31, 58]));
        assert_eq!(t.versions().await, before + 2 + 57);
    }
}

/// Uploads NDJSON in bulk as the admin: records created, lines rejected, and the line number of
/// each error reported.
async fn bulk(t: &TestApp, ndjson: String) -> (u64, u64, Vec<u64>) {
    let (status, report) = t
        .call(
            Method::POST,
            "/api/v1/records/bulk",
            Some(&t.admin),
            Some(Body::from(ndjson)),
            "application/x-ndjson",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let count = |key: &str| report[key].as_u64().expect("the report counts");
    let lines = report["errors"]
        .as_array()
        .expect("the report lists errors")
        .iter()
        .map(|e| e["line"].as_u64().expect("each error names its line"))
        .collect();
    (count("created"), count("rejected"), lines)
}

#[tokio::test(flavor = "multi_thread")]
async fn records_are_versioned_append_only() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        let first = record("C1", "IRO-1");
        let (status, written) = t.put_json(C1, &t.admin, &first).await;
        assert_eq!(
            (
                status,
                written["version"].as_i64(),
                written["outcome"].as_str()
            ),
            (StatusCode::CREATED, Some(1), Some("created"))
        );
        let (status, written) = t.put_json(C1, &t.admin, &first).await;
        assert_eq!(
            (
                status,
                written["version"].as_i64(),
                written["outcome"].as_str()
            ),
            (StatusCode::OK, Some(1), Some("unchanged"))
        );
        let mut second = first.clone();
        second["reviews"]
            .as_array_mut()
            .unwrap()
            .push(json!({"date": "2024-10-15"}));
        let (_, written) = t.put_json(C1, &t.admin, &second).await;
        assert_eq!(
            (written["version"].as_i64(), written["outcome"].as_str()),
            (Some(2), Some("updated"))
        );
        let (_, current) = t.get(C1, &t.admin).await;
        assert_eq!(current["version"], 2);
        assert_eq!(current["record"]["reviews"].as_array().unwrap().len(), 3);
        let (_, history) = t.get(&format!("{C1}/history"), &t.admin).await;
        let history = history.as_array().unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0]["record"]["reviews"].as_array().unwrap().len(), 2);
        assert!(
            history[0]["written_by"]
                .as_str()
                .unwrap()
                .starts_with("token:")
        );
        // The database itself refuses to rewrite history.
        let tamper = sqlx::query("UPDATE record_versions SET body = '{}'")
            .execute(t.state.store.pool())
            .await;
        assert!(
            tamper.is_err(),
            "{db:?}: an UPDATE of a stored version succeeded"
        );
        let tamper = sqlx::query("DELETE FROM audit_log")
            .execute(t.state.store.pool())
            .await;
        assert!(
            tamper.is_err(),
            "{db:?}: a DELETE of the audit log succeeded"
        );
        if db == Db::Postgres {
            for table in ["audit_log", "record_versions"] {
                let tamper = sqlx::query(&format!("TRUNCATE {table}"))
                    .execute(t.state.store.pool())
                    .await;
                assert!(tamper.is_err(), "a TRUNCATE of {table} succeeded");
            }
        }
        // Listing by IRO and by review due window.
        let (_, list) = t.get("/api/v1/children?iro=IRO-1", &t.admin).await;
        assert_eq!(list["children"][0]["child_id"], "C1");
        // Next review: 6 months after 15 Oct 2024 = 15 Apr 2025, long past: inside any window.
        assert_eq!(list["children"][0]["next_review_due"], "2025-04-15");
        let (_, list) = t
            .get("/api/v1/children?review_due_within_days=0", &t.admin)
            .await;
        assert_eq!(list["children"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn public_documents_are_served() {
    let t = TestApp::new(Db::Sqlite).await;
    let (status, openapi) = t
        .call(
            Method::GET,
            "/api/v1/openapi.json",
            None,
            None,
            "application/json",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        openapi["paths"]["/api/v1/children/{authority}/{child_id}"]["put"].is_object(),
        "{openapi}"
    );
    let (status, schema) = t
        .call(
            Method::GET,
            "/api/v1/schema/care-record.json",
            None,
            None,
            "application/json",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(schema["title"], "CareRecord");
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(carecheck_tests::root().join("host/schema/care-record.v1.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        schema, committed,
        "host/schema/care-record.v1.json is stale: regenerate it from the API"
    );
    let (status, _) = t
        .call(Method::GET, "/healthz", None, None, "text/plain")
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t
        .call(Method::GET, "/readyz", None, None, "text/plain")
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_token_is_one_actor_in_the_audit_log() {
    use carecheck::access::audit;
    for db in databases().await {
        let t = TestApp::new(db).await;
        // A write and a read by the admin token, then its id as the audit log names it.
        let (status, _) = t.put_json(C1, &t.admin, &record("C1", "IRO-1")).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(t.get(C1, &t.admin).await.0, StatusCode::OK);
        let token_id = token_id(&t.admin);
        let actor = format!("token:{token_id}");
        let rows = audit::by_actor(&t.state.store, &actor, 100).await.unwrap();
        let actions: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.action.as_str(), r.outcome.as_str()))
            .collect();
        assert_eq!(
            actions,
            [("write_record", "created"), ("read_record", "ok")],
            "{db:?}"
        );
        assert!(rows.iter().all(|r| r.actor == actor), "{db:?}: {rows:?}");

        // A row written before the spellings were unified (the bare token id) is read as the
        // same caller.
        sqlx::query(
            "INSERT INTO audit_log (at, actor, role, action, authority, child_id, outcome) \
             VALUES ('2026-01-01T00:00:00.000Z', $1, 'admin', 'read_record', 'E10000001', 'C1', 'ok')",
        )
        .bind(token_id)
        .execute(t.state.store.pool())
        .await
        .unwrap();
        let rows = audit::by_actor(&t.state.store, &actor, 100).await.unwrap();
        assert_eq!(rows.len(), 3, "{db:?}");
        assert!(rows.iter().all(|r| r.actor == actor), "{db:?}: {rows:?}");
        // Asked for by the old spelling, the answer is the same.
        assert_eq!(
            audit::by_actor(&t.state.store, token_id, 100)
                .await
                .unwrap(),
            rows
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scoped_admin_sees_no_run_of_another_authority() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        assert_eq!(
            t.put_json(C1, &t.admin, &record("C1", "IRO-1")).await.0,
            StatusCode::CREATED
        );
        // A one-child run of E10000001's child, made by an operator.
        let run = one_child_run(&t, "C1").await;
        let other_admin = carecheck::access::tokens::create(
            &t.state.store,
            carecheck::access::Role::Admin,
            &["E99999999".to_string()],
            None,
            None,
        )
        .await
        .unwrap()
        .token;
        let missing = t
            .get(
                "/api/v1/runs/00000000-0000-4000-8000-000000000000",
                &other_admin,
            )
            .await;
        for uri in [
            format!("/api/v1/runs/{run}"),
            format!("/api/v1/runs/{run}/results"),
            format!("/api/v1/reports/summary?run={run}"),
        ] {
            let seen = t.get(&uri, &other_admin).await;
            assert_eq!(seen.0, StatusCode::NOT_FOUND, "{db:?} {uri}: {}", seen.1);
            assert_eq!(seen.1, missing.1, "{db:?} {uri}");
        }
        // The admin of the child's own authority still sees it.
        let own_admin = carecheck::access::tokens::create(
            &t.state.store,
            carecheck::access::Role::Admin,
            &[AUTHORITY.to_string()],
            None,
            None,
        )
        .await
        .unwrap()
        .token;
        assert_eq!(
            t.get(&format!("/api/v1/runs/{run}"), &own_admin).await.0,
            StatusCode::OK,
            "{db:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_files_are_private_to_the_service() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestApp::new(Db::Sqlite).await;
    assert_eq!(
        t.put_json(C1, &t.admin, &record("C1", "IRO-1")).await.0,
        StatusCode::CREATED
    );
    let db = t.dir.path().join("test.db");
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:04o}", file.display());
    }
}

/// Evaluates one child of the test authority as a run of its own (as `carecheck check --child`
/// does) and returns the run's id.
async fn one_child_run(t: &TestApp, child_id: &str) -> String {
    let scope = carecheck::runs::Scope {
        authorities: None,
        child: Some(carecheck::store::ChildKey::new(AUTHORITY, child_id)),
        policy: None,
    };
    carecheck::runs::run(
        &t.state.store,
        &t.state.policies.current(),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        &scope,
        &carecheck::access::Actor::operator("cli:check"),
        1,
        |_, _| {},
    )
    .await
    .unwrap()
    .run_id
}

/// The id part of a `cc_<id>_<secret>` token.
fn token_id(token: &str) -> &str {
    &token["cc_".len().."cc_".len() + 16]
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_expire_rotate_and_are_managed_by_admins_in_scope() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        // Listed for admins only, never with a secret; using a token records when.
        let (status, list) = t.get("/api/v1/tokens", &t.admin).await;
        assert_eq!(status, StatusCode::OK, "{db:?} {list}");
        let secret = &t.admin["cc_".len() + 17..];
        assert!(
            !list.to_string().contains(secret),
            "{db:?}: a secret was listed"
        );
        let me = list
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == token_id(&t.admin))
            .unwrap();
        assert!(me["last_used_at"].is_string(), "{db:?} {me}");
        let expires: chrono::DateTime<chrono::Utc> =
            me["expires_at"].as_str().unwrap().parse().unwrap();
        let days = (expires - chrono::Utc::now()).num_days();
        assert!((89..=90).contains(&days), "{db:?}: expires in {days} days");
        for other in [&t.iro, &t.board, &t.inspector, &t.regulator] {
            assert_eq!(
                t.get("/api/v1/tokens", other).await.0,
                StatusCode::FORBIDDEN
            );
        }

        // Created over the API, then rotated: the old secret stops working, the new one works.
        let create = |body: Value, token: String| {
            let t = &t;
            async move {
                t.call(
                    Method::POST,
                    "/api/v1/tokens",
                    Some(&token),
                    Some(Body::from(body.to_string())),
                    "application/json",
                )
                .await
            }
        };
        let (status, made) = create(
            json!({"role": "inspector", "authorities": [AUTHORITY]}),
            t.admin.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{db:?} {made}");
        let inspector = made["token"].as_str().unwrap().to_string();
        assert_eq!(
            t.get("/api/v1/children", &inspector).await.0,
            StatusCode::OK
        );
        let (status, rotated) = t
            .call(
                Method::POST,
                &format!("/api/v1/tokens/{}/rotate", token_id(&inspector)),
                Some(&t.admin),
                None,
                "application/json",
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{db:?} {rotated}");
        let rotated = rotated["token"].as_str().unwrap().to_string();
        assert_eq!(
            t.get("/api/v1/children", &inspector).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(t.get("/api/v1/children", &rotated).await.0, StatusCode::OK);

        // A scoped admin: no unscoped tokens, nothing of another authority's.
        let scoped = carecheck::access::tokens::create(
            &t.state.store,
            carecheck::access::Role::Admin,
            &[AUTHORITY.to_string()],
            None,
            None,
        )
        .await
        .unwrap()
        .token;
        let (status, _) = create(json!({"role": "admin"}), scoped.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{db:?}");
        let (_, list) = t.get("/api/v1/tokens", &scoped).await;
        let ids: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&token_id(&rotated)), "{db:?} {ids:?}");
        assert!(
            !ids.contains(&token_id(&t.other_inspector)),
            "{db:?} {ids:?}"
        );
        let revoke = |id: String, token: String| {
            let t = &t;
            async move {
                t.call(
                    Method::DELETE,
                    &format!("/api/v1/tokens/{id}"),
                    Some(&token),
                    None,
                    "application/json",
                )
                .await
                .0
            }
        };
        let other = token_id(&t.other_inspector).to_string();
        assert_eq!(revoke(other, scoped.clone()).await, StatusCode::NOT_FOUND);
        assert_eq!(
            t.get("/api/v1/children", &t.other_inspector).await.0,
            StatusCode::OK,
            "{db:?}: a scoped admin revoked another authority's token"
        );
        // Revoked over the API: refused at once; revoking again finds nothing.
        let id = token_id(&rotated).to_string();
        assert_eq!(
            revoke(id.clone(), scoped.clone()).await,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            t.get("/api/v1/children", &rotated).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(revoke(id, scoped).await, StatusCode::NOT_FOUND);

        // An expired token is refused like an unknown one.
        sqlx::query("UPDATE tokens SET expires_at = '2026-01-01T00:00:00.000Z' WHERE id = $1")
            .bind(token_id(&t.inspector))
            .execute(t.state.store.pool())
            .await
            .unwrap();
        assert_eq!(
            t.get("/api/v1/children", &t.inspector).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_sent_twice_is_refused_with_its_pointer() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        // The second "child" would silently replace the first, wiping the name and birth date.
        let good = record("C1", "IRO-1").to_string();
        let twice = good.replacen(
            "{\"child\":",
            "{\"child\":{\"id\":\"C1\",\"responsible_authority\":\"E10000001\"},\"child\":",
            1,
        );
        assert_ne!(good, twice, "the test record starts with its child");
        let before = t.versions().await;
        let (status, body) = t.put_raw(C1, &t.admin, &twice).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{db:?} {body}");
        assert_eq!(body["problems"][0]["path"], "/child", "{db:?} {body}");
        assert_eq!(t.versions().await, before, "{db:?}: something was written");
        // In a bulk upload the line is reported, the others written.
        let upload = format!("{twice}\n{}\n", record("C2", "IRO-1"));
        let (status, report) = t.bulk(&t.admin, Body::from(upload)).await;
        assert_eq!(status, StatusCode::OK, "{db:?} {report}");
        assert_eq!(report["created"], 1, "{db:?} {report}");
        assert_eq!(report["errors"][0]["line"], 1, "{db:?} {report}");
        assert_eq!(report["errors"][0]["problems"][0]["path"], "/child");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn identifiers_follow_one_grammar_on_both_backends() {
    let mut answers = Vec::new();
    for db in databases().await {
        let t = TestApp::new(db).await;
        let mut answer = Vec::new();
        // A NUL in the URL (PostgreSQL cannot store it) or a trailing space (a look-alike child).
        for path in ["X%00", "D000022%20", "%09D1"] {
            let uri = format!("/api/v1/children/{AUTHORITY}/{path}");
            let mut body = record("C1", "IRO-1");
            body["child"]["id"] = json!(
                path.replace("%00", "\0")
                    .replace("%20", " ")
                    .replace("%09", "\t")
            );
            let (status, reply) = t.put_json(&uri, &t.admin, &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{db:?} PUT {uri}: {reply}");
            assert!(
                reply["error"].as_str().unwrap().contains("child id"),
                "{reply}"
            );
            let (status, reply) = t.get(&uri, &t.admin).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{db:?} GET {uri}: {reply}");
            answer.push(reply);
        }
        // In a body: the child id, the authority and IRO ids, each located by pointer.
        let mut bad = record("D000022 ", "IRO\u{7}1");
        bad["reviews"][0]["chair_iro_id"] = json!("IRO 1");
        let upload = format!("{bad}\n{}\n", record("D000022", "IRO-1"));
        let (status, report) = t.bulk(&t.admin, Body::from(upload)).await;
        assert_eq!(status, StatusCode::OK, "{db:?} {report}");
        assert_eq!(report["created"], 1, "{db:?} {report}");
        let paths: Vec<&str> = problem_paths(&report["errors"][0]);
        assert_eq!(
            paths,
            [
                "/child/id",
                "/iro_assignments/0/iro_id",
                "/reviews/0/chair_iro_id"
            ],
            "{db:?} {report}"
        );
        answer.push(report);
        // Query strings and tokens too.
        let (status, _) = t.get("/api/v1/children?authority=E1%00", &t.admin).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{db:?}");
        let refused = carecheck::access::tokens::create(
            &t.state.store,
            carecheck::access::Role::Inspector,
            &["E1 ".to_string()],
            None,
            None,
        )
        .await;
        assert!(refused.is_err(), "{db:?}");
        answers.push(answer);
    }
    // The same answer on every backend.
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_editors_cannot_silently_overwrite_each_other() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        let put = |body: Value, if_match: Option<&'static str>| {
            let t = &t;
            async move {
                let headers: Vec<(&str, &str)> =
                    if_match.map(|m| ("if-match", m)).into_iter().collect();
                t.call_with_headers(
                    Method::PUT,
                    C1,
                    Some(&t.admin),
                    Some(Body::from(body.to_string())),
                    "application/json",
                    &headers,
                )
                .await
            }
        };
        let first = record("C1", "IRO-1");
        let (status, headers, _) = put(first.clone(), None).await;
        assert_eq!(status, StatusCode::CREATED, "{db:?}");
        assert_eq!(headers["etag"], "\"v1\"");
        let (_, headers, _) = t
            .call_with_headers(
                Method::GET,
                C1,
                Some(&t.admin),
                None,
                "application/json",
                &[],
            )
            .await;
        assert_eq!(headers["etag"], "\"v1\"", "{db:?}");
        // Both editors read version 1; the first to write wins, the second is told.
        let mut a = first.clone();
        a["child"]["name"] = json!("Edited By A");
        let (status, headers, _) = put(a, Some("\"v1\"")).await;
        assert_eq!(status, StatusCode::OK, "{db:?}");
        assert_eq!(headers["etag"], "\"v2\"");
        let mut b = first.clone();
        b["child"]["date_of_birth"] = json!("2014-07-01");
        let versions = t.versions().await;
        let (status, _, reply) = put(b.clone(), Some("\"v1\"")).await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{db:?} {reply}");
        assert!(
            reply["error"].as_str().unwrap().contains("at version 2"),
            "{reply}"
        );
        assert_eq!(
            t.versions().await,
            versions,
            "{db:?}: the stale write was stored"
        );
        // Re-read, reapplied: accepted.
        let (status, headers, _) = put(b, Some("\"v2\"")).await;
        assert_eq!(status, StatusCode::OK, "{db:?}");
        assert_eq!(headers["etag"], "\"v3\"");
        let (status, _, _) = put(first.clone(), Some("v3")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{db:?}");
        // If-Match on a child that does not exist yet: nothing to match.
        let mut other = first;
        other["child"]["id"] = json!("C2");
        let (status, _, reply) = t
            .call_with_headers(
                Method::PUT,
                "/api/v1/children/E10000001/C2",
                Some(&t.admin),
                Some(Body::from(other.to_string())),
                "application/json",
                &[("if-match", "\"v1\"")],
            )
            .await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{db:?} {reply}");
        assert!(
            reply["error"]
                .as_str()
                .unwrap()
                .starts_with("there is no such record yet"),
            "{reply}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_upload_still_says_what_was_committed() {
    use futures::stream;
    for db in databases().await {
        let t = TestApp::new(db).await;
        let line = |id: &str| format!("{}\n", record(id, "IRO-1")).into_bytes();
        // Three good lines, one that is not UTF-8, two more good, then the connection breaks.
        let mut chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            ["C1", "C2", "C3"].map(|id| Ok(line(id))).into();
        chunks.push(Ok(b"{\"child\": \"\xff\xfe\"}\n".to_vec()));
        chunks.extend(["C4", "C5"].map(|id| Ok(line(id))));
        chunks.push(Err(std::io::Error::other("the client went away")));
        let (status, reply) = t
            .bulk(&t.admin, Body::from_stream(stream::iter(chunks)))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{db:?} {reply}");
        assert_eq!(reply["committed"]["created"], 5, "{db:?} {reply}");
        assert_eq!(reply["committed"]["rejected"], 1, "{db:?} {reply}");
        assert_eq!(reply["committed"]["errors"][0]["line"], 4, "{db:?} {reply}");
        assert_eq!(t.versions().await, 5, "{db:?}");
        // A stream of unknown length that runs over the limit (8 MiB in tests): what came
        // before is committed and said so.
        let padding = format!("{}\n", " ".repeat(1023)).into_bytes();
        let chunks = std::iter::once(line("C6"))
            .chain(std::iter::repeat_n(padding, 9 * 1024))
            .map(Ok::<_, std::io::Error>);
        let (status, reply) = t
            .bulk(&t.admin, Body::from_stream(stream::iter(chunks)))
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{db:?} {reply}");
        assert_eq!(reply["committed"]["created"], 1, "{db:?} {reply}");
        assert_eq!(t.versions().await, 6, "{db:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_longer_than_the_schema_allows_is_refused_by_pointer() {
    let t = TestApp::new(Db::Sqlite).await;
    let max = carecheck_sdk::record::MAX_ITEMS;
    let mut body = record("C1", "IRO-1");
    let reviews: Vec<Value> = (0..=max)
        .map(|i| json!({"date": (chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap() + chrono::Days::new(i as u64 * 10)).to_string()}))
        .collect();
    body["reviews"] = json!(reviews);
    let (status, reply) = t.put_json(C1, &t.admin, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
    assert_eq!(reply["problems"][0]["path"], "/reviews", "{reply}");
    assert_eq!(t.versions().await, 0);
    // At the limit it is accepted.
    body["reviews"] = json!(reviews[..max]);
    assert_eq!(t.put_json(C1, &t.admin, &body).await.0, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_warns_when_the_calendar_runs_out_within_a_year() {
    use tower::ServiceExt;
    let ready = |calendar_ends: chrono::NaiveDate| async move {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("calendar.toml"),
            format!(
                "name = \"short\"\nfrom = \"2020-01-01\"\nto = \"{calendar_ends}\"\n\n[[days]]\ndate = \"2020-12-25\"\nname = \"Christmas Day\"\n"
            ),
        )
        .unwrap();
        let pack = dir.path().join("pack.toml");
        std::fs::write(
            &pack,
            format!(
                "name = \"short\"\ncalendar = \"calendar.toml\"\n\n[[plugins]]\npath = {:?}\n",
                carecheck_tests::plugin_path("statutory-review-timeliness")
                    .display()
                    .to_string()
            ),
        )
        .unwrap();
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        let config = carecheck_tests::config(dir.path(), url.clone(), pack);
        let store = carecheck::store::Store::open(&url, 1).await.unwrap();
        let state = carecheck::AppState::with_store(config, store)
            .await
            .unwrap();
        let response = carecheck::app(state)
            .oneshot(
                axum::http::Request::get("/readyz")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        String::from_utf8(body.to_vec()).unwrap()
    };
    let today = chrono::Utc::now().date_naive();
    let soon = ready(today + chrono::Days::new(200)).await;
    assert!(
        soon.starts_with("ready; warning: the bank-holiday calendar ends on"),
        "{soon}"
    );
    assert_eq!(ready(today + chrono::Days::new(400)).await, "ready");
}
