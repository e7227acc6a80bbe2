//! Regulators' own policies, end to end on SQLite and PostgreSQL with real components built by
//! `cargo xtask plugins`: signed uploads, vetting, immutable versions, per-authority
//! enablement reaching a second replica without a restart, revoked keys, and every refusal.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, StatusCode};
use carecheck::access::Actor;
use carecheck::catalog;
use carecheck::regulators::{self, keys};
use carecheck::runs::{self, log};
use carecheck_tests::{
    AUTHORITY, Db, REGULATOR, TestApp, databases, get_from, plugin_path, record,
    register_regulator, sign,
};
use serde_json::{Value, json};

/// The example regulator's policy (`plugins/examples/inspectorate`).
const GAP: &str = "inspectorate-review-gap";
const GAP_VERSION: &str = "7.3.11";
/// An authority that enables nothing.
const OTHER: &str = "E08000001";
const AS_OF: &str = "2026-11-23";

fn component(name: &str) -> Vec<u8> {
    std::fs::read(plugin_path(name)).unwrap()
}

/// The component with one distinctive string changed in place (to one of the same length), as
/// a rebuild with that change would give.
fn patched(wasm: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at: Vec<usize> = wasm
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| *w == from.as_bytes())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(at.len(), 1, "{from:?} must occur exactly once");
    let mut out = wasm.to_vec();
    out[at[0]..at[0] + to.len()].copy_from_slice(to.as_bytes());
    out
}

/// The same component with a custom section appended: other bytes, same behaviour and version.
fn rebuilt(wasm: &[u8]) -> Vec<u8> {
    let mut out = wasm.to_vec();
    let payload = b"\x04noterebuilt";
    out.push(0);
    out.push(payload.len() as u8);
    out.extend_from_slice(payload);
    out
}

/// Replays a run, asserting every verdict comes out the same; the children replayed.
async fn replays_exactly(t: &TestApp, run_id: &str) -> u64 {
    let compiled = t.state.config.data_dir.join("compiled");
    let replayed = runs::replay(&t.state.store, &compiled, run_id, 2)
        .await
        .unwrap();
    assert!(
        replayed.differences.is_empty(),
        "{:?}",
        replayed.differences
    );
    replayed.children
}

/// An app on `db` with a child C1 in [`AUTHORITY`] and the example regulator's policy
/// published; its component.
async fn published(db: Db) -> (TestApp, Vec<u8>) {
    let t = TestApp::new(db).await;
    put_child(&t, AUTHORITY, "C1").await;
    let wasm = component("inspectorate");
    assert_eq!(t.publish(&wasm).await.0, StatusCode::CREATED);
    (t, wasm)
}

async fn put_child(t: &TestApp, authority: &str, id: &str) {
    let mut body = record(id, "IRO-1");
    body["child"]["responsible_authority"] = json!(authority);
    let (status, answer) = t
        .put_json(
            &format!("/api/v1/children/{authority}/{id}"),
            &t.admin,
            &body,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

fn checklist_uri(authority: &str, id: &str) -> String {
    format!("/api/v1/children/{authority}/{id}/checklist?as_of={AS_OF}")
}

/// The checklist items of `policy`, from whichever group holds them.
fn rows_of(checklist: &Value, policy: &str) -> Vec<Value> {
    checklist["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("no groups in {checklist}"))
        .iter()
        .flat_map(|g| g["items"].as_array().unwrap())
        .filter(|i| i["policy"] == policy)
        .cloned()
        .collect()
}

/// A new run over every authority as of [`AS_OF`], by the API; its id.
async fn new_run(t: &TestApp) -> String {
    let (status, run) = t
        .post_json("/api/v1/runs", &t.admin, json!({"as_of": AS_OF}))
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    run["run_id"].as_str().unwrap().to_string()
}

async fn enable(t: &TestApp, authority: &str, id: &str, body: Value) -> (StatusCode, Value) {
    t.call(
        Method::PUT,
        &format!("/api/v1/authorities/{authority}/plugins/{id}"),
        Some(&t.admin),
        Some(Body::from(body.to_string())),
        "application/json",
    )
    .await
}

/// Enables `version` of the example regulator's policy for [`AUTHORITY`] with `settings`.
async fn enable_gap(t: &TestApp, version: &str, settings: Value) -> (StatusCode, Value) {
    enable(
        t,
        AUTHORITY,
        GAP,
        json!({"version": version, "settings": settings}),
    )
    .await
}

/// Waits (at most 15 s) until `done` holds for the replica's checklist of `child`.
async fn until_replica(
    state: &carecheck::AppState,
    token: &str,
    uri: &str,
    done: impl Fn(&Value) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let (status, body) = get_from(state, uri, token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if done(&body) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the replica did not pick up the change: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_policy_runs_where_it_is_enabled_labelled_and_on_every_replica() {
    for db in databases().await {
        let t = TestApp::new(db).await;
        put_child(&t, AUTHORITY, "C1").await;
        put_child(&t, OTHER, "C9").await;
        // A second replica, started before anything is published or enabled.
        let (replica, poll) = t.replica(100).await;

        let wasm = component("inspectorate");
        let (status, published) = t.publish(&wasm).await;
        assert_eq!(status, StatusCode::CREATED, "{db:?}: {published}");
        assert_eq!(published["policy_id"], GAP);
        assert_eq!(published["version"], GAP_VERSION);
        assert_eq!(published["regulator"], REGULATOR);
        assert_eq!(published["created"], true);
        let sha = carecheck_precompiled::sha256_hex(&wasm);
        assert_eq!(published["sha256"], sha.as_str());
        assert_eq!(published["digest"], format!("sha256:{sha}"));
        assert_eq!(published["dry_run"]["children"], 20, "{published}");
        assert!(published["dry_run"]["max_fuel"].as_u64().unwrap() > 0);
        let key_id = keys::key_id(
            &keys::parse_private(&t.regulator_key)
                .unwrap()
                .verifying_key(),
        );
        assert_eq!(published["signed_by"], json!([key_id]));

        // Published is not running: nothing runs it until an admin enables it.
        let (_, list) = t.get(&checklist_uri(AUTHORITY, "C1"), &t.admin).await;
        assert!(rows_of(&list, GAP).is_empty(), "{list}");
        // The regulator sees its version; so does an admin.
        for token in [&t.regulator, &t.admin] {
            let (status, versions) = t.get("/api/v1/plugins", token).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(versions[0]["policy_id"], GAP, "{versions}");
        }

        // Enabled for one authority, with settings the plugin validates.
        let (status, refused) = enable_gap(&t, GAP_VERSION, json!({"max_gap_days": 0})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["problems"][0]["path"], "/settings");
        assert!(
            refused["problems"][0]["message"]
                .as_str()
                .unwrap()
                .contains("max_gap_days must be between 1 and 366"),
            "{refused}"
        );
        let (status, enabled) = enable_gap(&t, GAP_VERSION, json!({"max_gap_days": 200})).await;
        assert_eq!(status, StatusCode::OK, "{enabled}");
        assert_eq!(enabled["settings"], json!({"max_gap_days": 200}));
        assert_eq!(enabled["suspended"], Value::Null);

        // Its check appears, labelled, in that authority's checklist...
        let (status, list) = t.get(&checklist_uri(AUTHORITY, "C1"), &t.iro).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let rows = rows_of(&list, GAP);
        assert_eq!(rows.len(), 1, "{list}");
        assert_eq!(rows[0]["regulator"], REGULATOR);
        // ...in a group of its own, after the built-in ones, labelled with the regulator.
        let groups = list["groups"].as_array().unwrap();
        let last = groups.last().unwrap();
        assert_eq!(last["regulator"], REGULATOR, "{list}");
        assert_eq!(last["title"], format!("Regulator: {REGULATOR}"));
        assert_eq!(last["items"][0]["policy"], GAP);
        assert!(
            groups[..groups.len() - 1]
                .iter()
                .all(|g| g["regulator"].is_null())
        );
        assert_eq!(rows[0]["check"], "review-gap");
        assert_eq!(rows[0]["status"], "warning");
        assert_eq!(rows[0]["basis"], "guidance");
        assert!(
            rows[0]["message"]
                .as_str()
                .unwrap()
                .contains("the inspectorate's figure is 200"),
            "{rows:?}"
        );
        // ...beside the pack's own, which carry no regulator...
        let review = rows_of(&list, "statutory-review-timeliness");
        assert!(!review.is_empty());
        assert!(review.iter().all(|r| r["regulator"].is_null()));
        // ...and not in another authority's.
        let (_, list) = t.get(&checklist_uri(OTHER, "C9"), &t.admin).await;
        assert!(rows_of(&list, GAP).is_empty(), "{list}");
        assert!(!rows_of(&list, "statutory-review-timeliness").is_empty());
        // The policies in force for each authority say so.
        let (_, policies) = t
            .get(&format!("/api/v1/policies?authority={AUTHORITY}"), &t.board)
            .await;
        assert!(
            policies
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["metadata"]["id"] == GAP
                    && p["regulator"] == REGULATOR
                    && p["settings"] == "{\"max_gap_days\":200}"),
            "{policies}"
        );
        let (_, policies) = t
            .get(&format!("/api/v1/policies?authority={OTHER}"), &t.board)
            .await;
        assert!(!policies.to_string().contains(GAP));

        // In a run over both authorities, and in the report, labelled, for that authority only.
        let run_id = &new_run(&t).await;
        let (_, summary) = t
            .get(&format!("/api/v1/reports/summary?run={run_id}"), &t.board)
            .await;
        let gap_rows: Vec<&Value> = summary["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["policy"] == GAP)
            .collect();
        assert_eq!(gap_rows.len(), 1, "{summary}");
        assert_eq!(gap_rows[0]["authority"], AUTHORITY);
        assert_eq!(gap_rows[0]["regulator"], REGULATOR);
        assert_eq!(gap_rows[0]["status"], "warning");
        // The decision log says which version and digest ran, and for whom.
        let logged = log::get(&t.state.store, run_id).await.unwrap().unwrap();
        let added = &logged.spec.enabled[AUTHORITY];
        assert_eq!(added.len(), 1);
        assert_eq!(
            (
                added[0].id.as_str(),
                added[0].version.as_str(),
                added[0].sha256.as_str()
            ),
            (GAP, GAP_VERSION, sha.as_str())
        );
        assert_eq!(added[0].regulator.as_deref(), Some(REGULATOR));
        assert!(!logged.spec.enabled.contains_key(OTHER));
        let children = log::children(&t.state.store, run_id, None, None, 10)
            .await
            .unwrap();
        let c1 = children.iter().find(|c| c.key.child_id == "C1").unwrap();
        let outcome = c1.outcomes.iter().find(|o| o.policy == GAP).unwrap();
        assert_eq!(
            (outcome.version.as_str(), outcome.regulator.as_deref()),
            (GAP_VERSION, Some(REGULATOR))
        );
        // Replay rebuilds the same per-authority sets and reproduces every verdict.
        assert_eq!(replays_exactly(&t, run_id).await, 2);

        // The second replica runs it too, with no restart.
        let uri = checklist_uri(AUTHORITY, "C1");
        let waited = until_replica(&replica, &t.admin, &uri, |l| !rows_of(l, GAP).is_empty()).await;
        assert!(waited < Duration::from_secs(10), "{waited:?}");

        // Disabled: gone here at once and on the replica within a poll; both acts audited.
        let (status, _) = t
            .delete(
                &format!("/api/v1/authorities/{AUTHORITY}/plugins/{GAP}"),
                &t.admin,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, list) = t.get(&uri, &t.admin).await;
        assert!(rows_of(&list, GAP).is_empty(), "{list}");
        until_replica(&replica, &t.admin, &uri, |l| rows_of(l, GAP).is_empty()).await;
        let admin_id = t.admin.split('_').nth(1).unwrap();
        let acts: Vec<_> =
            carecheck::access::audit::by_actor(&t.state.store, &format!("token:{admin_id}"), 1000)
                .await
                .unwrap()
                .into_iter()
                .filter(|a| a.action.ends_with("_plugin"))
                .map(|a| (a.action, a.authority, a.outcome, a.detail))
                .collect();
        assert_eq!(
            acts,
            [
                (
                    "enable_plugin".to_string(),
                    Some(AUTHORITY.to_string()),
                    "created".to_string(),
                    Some(format!(
                        "{GAP}@{GAP_VERSION} settings {{\"max_gap_days\":200}}"
                    ))
                ),
                (
                    "disable_plugin".to_string(),
                    Some(AUTHORITY.to_string()),
                    "updated".to_string(),
                    Some(format!("{GAP}@{GAP_VERSION}"))
                ),
            ],
            "{db:?}"
        );
        poll.abort();
    }
}

/// A policy written in Python goes the same way as a Rust one: signed, uploaded (the component
/// carries the interpreter, about 19 MB, inside the default upload limit), vetted by the dry
/// run alone and batched, enabled for one authority, and labelled in its checklists.
#[tokio::test(flavor = "multi_thread")]
async fn a_python_policy_is_published_and_enabled_like_any_other() {
    let t = TestApp::new(Db::Sqlite).await;
    put_child(&t, AUTHORITY, "C1").await;
    put_child(&t, OTHER, "C9").await;
    let (status, published) = t.publish(&component("dental-check")).await;
    assert_eq!(status, StatusCode::CREATED, "{published}");
    assert_eq!(published["policy_id"], "dental-check");
    assert_eq!(published["dry_run"]["children"], 20, "{published}");
    let (status, enabled) = enable(
        &t,
        AUTHORITY,
        "dental-check",
        json!({"version": "1.0.0", "settings": {"max_months": 6}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{enabled}");
    let (_, list) = t.get(&checklist_uri(AUTHORITY, "C1"), &t.iro).await;
    let rows = rows_of(&list, "dental-check");
    assert!(!rows.is_empty(), "{list}");
    assert!(rows.iter().all(|r| r["regulator"] == REGULATOR), "{list}");
    assert!(
        rows.iter().all(|r| r["basis"] == "local"),
        "a local timescale: {list}"
    );
    let (_, other) = t.get(&checklist_uri(OTHER, "C9"), &t.admin).await;
    assert!(rows_of(&other, "dental-check").is_empty(), "{other}");
}

#[tokio::test(flavor = "multi_thread")]
async fn versions_are_immutable_pinned_and_rolled_back() {
    for db in databases().await {
        let (t, v1) = published(db).await;
        // The same bytes again: nothing changes.
        let (status, again) = t.publish(&v1).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["created"], false);
        assert_eq!(again["dry_run"], Value::Null);
        // Other bytes under the published version: refused, naming the bytes it holds.
        let (status, refused) = t.publish(&rebuilt(&v1)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        let message = refused["error"].as_str().unwrap();
        assert!(
            message.contains(&format!(
                "{GAP}@{GAP_VERSION} is already published with other bytes"
            )) && message.contains(&carecheck_precompiled::sha256_hex(&v1)),
            "{message}"
        );
        // A new version is published beside it.
        let v2 = patched(&v1, GAP_VERSION, "7.3.12");
        let (status, published) = t.publish(&v2).await;
        assert_eq!(status, StatusCode::CREATED, "{published}");
        assert_eq!(published["version"], "7.3.12");

        // Enabling pins a version: a newer upload never replaces it.
        assert_eq!(
            enable_gap(&t, GAP_VERSION, json!({})).await.0,
            StatusCode::OK
        );
        assert_eq!(version_in_checklist(&t).await, GAP_VERSION);
        // Moved to the new version, then rolled back to the old one.
        assert_eq!(enable_gap(&t, "7.3.12", json!({})).await.0, StatusCode::OK);
        assert_eq!(version_in_checklist(&t).await, "7.3.12");
        let (status, back) = enable_gap(&t, GAP_VERSION, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{back}");
        assert_eq!(version_in_checklist(&t).await, GAP_VERSION);
        let (_, listed) = t
            .get(
                &format!("/api/v1/authorities/{AUTHORITY}/plugins"),
                &t.admin,
            )
            .await;
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        assert_eq!(listed[0]["version"], GAP_VERSION);
        // A version that was never published cannot be enabled.
        let (status, refused) = enable_gap(&t, "9.9.9", json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["problems"][0]["path"], "/version");

        // Another regulator may not publish under this policy id, nor the same bytes.
        let (other_key, other_token) = register_regulator(&t.state.store, "other-regulator").await;
        let v3 = patched(&v1, GAP_VERSION, "7.3.13");
        let (status, refused) = t
            .upload_plugin(&other_token, &v3, Some(&sign(&other_key, &v3)))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        error_says(&refused, "published by regulator \"test-inspectorate\"");
        let (status, _) = t
            .upload_plugin(&other_token, &v1, Some(&sign(&other_key, &v1)))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        // Nor may anyone take a pack policy's id: the pack runs statutory-review-timeliness.
        let pack_policy = component("statutory-review-timeliness");
        let (status, refused) = t.publish(&pack_policy).await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        error_says(&refused, "one of the policy pack's own");
        // A scoped admin of another authority cannot touch this one's enablements.
        let scoped = t.admin_of(OTHER).await;
        let (status, _) = t
            .call(
                Method::PUT,
                &format!("/api/v1/authorities/{AUTHORITY}/plugins/{GAP}"),
                Some(&scoped),
                Some(Body::from(json!({"version": "7.3.12"}).to_string())),
                "application/json",
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

/// Asserts an error body's message says `says`.
fn error_says(body: &Value, says: &str) {
    let error = body["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(says),
        "expected an error saying {says:?}: {body}"
    );
}

/// The version of the regulator's policy a checklist of C1 ran: the view's pack, as the
/// decision log keeps it.
async fn version_in_checklist(t: &TestApp) -> String {
    let (_, list) = t.get(&checklist_uri(AUTHORITY, "C1"), &t.admin).await;
    let view: i64 = list["view_id"].as_str().unwrap().parse().unwrap();
    let pack: String = sqlx::query_scalar(
        "SELECT p.pack FROM checklist_views v JOIN pack_snapshots p ON p.sha256 = v.pack_sha256 WHERE v.id = $1",
    )
    .bind(view)
    .fetch_one(t.state.store.pool())
    .await
    .unwrap();
    let pack: carecheck::plugins::pack::PackSnapshot = serde_json::from_str(&pack).unwrap();
    pack.plugins
        .iter()
        .find(|p| p.id == GAP)
        .map(|p| p.version.clone())
        .unwrap_or_else(|| panic!("{GAP} is not in the view's pack"))
}

/// Asserts an upload was refused with `status`, one of whose problems is at `path` and says
/// `says`; and that nothing was published.
async fn refused(
    t: &TestApp,
    (status, body): (StatusCode, Value),
    want: StatusCode,
    path: &str,
    says: &str,
) {
    assert_eq!(status, want, "{body}");
    let problems = body["problems"].as_array().cloned().unwrap_or_default();
    assert!(
        problems
            .iter()
            .any(|p| p["path"] == path && p["message"].as_str().is_some_and(|m| m.contains(says))),
        "expected a problem at {path} saying {says:?}: {body}"
    );
    assert_eq!(
        catalog::list(&t.state.store, None).await.unwrap().len(),
        0,
        "a refused upload published something"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_refusal_says_what_where_and_why_and_keeps_nothing() {
    for db in databases().await {
        let t = TestApp::with_config(db, &[("statutory-review-timeliness", "")], |c| {
            c.plugins.max_upload_bytes = 1024 * 1024;
        })
        .await;
        let good = component("inspectorate");
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;

        // Unsigned; signed by a key the regulator does not hold; a signature over other bytes;
        // not a signature at all.
        let (stranger, _) = keys::generate();
        let signatures: [(Option<Vec<u8>>, &str); 4] = [
            (None, "has no signature"),
            (
                Some(sign(&stranger, &good)),
                "not by a current key of regulator \"test-inspectorate\"",
            ),
            (
                Some(sign(&t.regulator_key, &rebuilt(&good))),
                "over these exact bytes",
            ),
            (Some(b"short".to_vec()), "64 bytes"),
        ];
        for (signature, says) in signatures {
            let answer = t
                .upload_plugin(&t.regulator, &good, signature.as_deref())
                .await;
            refused(&t, answer, unprocessable, "/signature", says).await;
        }

        // Signed properly, but not a policy the service will run: each refused, saying why.
        let core = wat::parse_str("(module (func (export \"evaluate\")))").unwrap();
        let wasi = wat::parse_str(
            r#"(component
                (import "wasi:cli/environment@0.2.0" (instance (export "get-arguments" (func (result (list string))))))
            )"#,
        )
        .unwrap();
        let clock = wat::parse_str(r#"(component (import "read-the-clock" (func)))"#).unwrap();
        let wrong_version = wat::parse_str(
            r#"(component (instance $i) (export "carecheck:policy/policy@2.0.0" (instance $i)))"#,
        )
        .unwrap();
        let malformed = "not a well-formed WebAssembly file";
        let cases: [(&[u8], &str, &str); 8] = [
            (b"not wasm at all", "/component", malformed),
            (&good[..good.len() / 2], "/component", malformed),
            (&core, "/component", "core WebAssembly module"),
            (
                &wasi,
                "/component",
                "imports wasi:cli/environment@0.2.0; a policy must import nothing",
            ),
            (&clock, "/component", "imports read-the-clock"),
            (
                &wrong_version,
                "/component",
                "this service speaks carecheck:policy/policy@1.x (not 2.0.0)",
            ),
            (
                &patched(&good, GAP_VERSION, "7.3.x1"),
                "/component/metadata/version",
                "not a semantic version",
            ),
            // The faulty policy reads past the end of the reviews: only the dry run finds out.
            (&component("faulty"), "/component/dry-run", "trapped"),
        ];
        for (wasm, path, says) in cases {
            let answer = t.publish(wasm).await;
            refused(&t, answer, unprocessable, path, says).await;
        }
        // Bad metadata: a read outside the care-record schema and a check that cites nothing,
        // each reported where it is.
        let citation = "Inspectorate guidance on reviews of children's cases (example)";
        let bad = patched(
            &patched(&good, "/reviews/*/date", "/reviews/*/dote"),
            citation,
            &" ".repeat(citation.len()),
        );
        let (status, body) = t.publish(&bad).await;
        assert_eq!(status, unprocessable, "{body}");
        let problems: Vec<(&str, &str)> = body["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["path"].as_str().unwrap(), p["message"].as_str().unwrap()))
            .collect();
        assert!(
            problems
                .iter()
                .any(|(path, m)| *path == "/component/metadata/reads/2"
                    && m.contains("/reviews/* has no \"dote\"")),
            "{body}"
        );
        assert!(
            problems
                .iter()
                .any(|(path, m)| *path == "/component/metadata/checks/0/citation"
                    && m.contains("cites nothing")),
            "{body}"
        );
        // Too large: refused before it is read.
        let huge = vec![0u8; 2 * 1024 * 1024];
        let (status, body) = t.publish(&huge).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        error_says(&body, "1048576-byte limit");
        // Only a regulator token publishes, and only a form with the two parts.
        let (status, _) = t
            .upload_plugin(&t.admin, &good, Some(&sign(&t.regulator_key, &good)))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (form, content_type) =
            carecheck_tests::multipart(&[("component", &good), ("extra", b"x")]);
        let (status, body) = t
            .call(
                Method::POST,
                "/api/v1/plugins",
                Some(&t.regulator),
                Some(Body::from(form)),
                &content_type,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        error_says(&body, "unknown part \"extra\"");
        // Every upload the service vetted is in the audit log, each refusal as denied (the
        // oversized body, the admin's and the malformed form never reached it).
        let regulator_id = t.regulator.split('_').nth(1).unwrap();
        let uploads = carecheck::access::audit::by_actor(
            &t.state.store,
            &format!("token:{regulator_id}"),
            1000,
        )
        .await
        .unwrap();
        let denied: Vec<&str> = uploads
            .iter()
            .filter(|a| a.action == "upload_plugin" && a.outcome == "denied")
            .filter_map(|a| a.detail.as_deref())
            .collect();
        assert_eq!(denied.len(), 13, "{db:?}");
        assert!(
            denied[0].ends_with("the plugin was refused: its signature does not check out: /signature the upload has no signature: sign the component (carecheck plugin sign FILE.wasm --key KEY) and send the signature part"),
            "{denied:?}"
        );
        // And after all that, the good component is published.
        assert_eq!(t.publish(&good).await.0, StatusCode::CREATED);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_key_stops_its_plugins_and_says_why() {
    for db in databases().await {
        let (t, wasm) = published(db).await;
        assert_eq!(
            enable_gap(&t, GAP_VERSION, json!({})).await.0,
            StatusCode::OK
        );
        let uri = checklist_uri(AUTHORITY, "C1");
        let (_, list) = t.get(&uri, &t.admin).await;
        assert_eq!(rows_of(&list, GAP)[0]["status"], "warning");

        // The only key that signed it is revoked.
        let key = keys::parse_private(&t.regulator_key)
            .unwrap()
            .verifying_key();
        let operator = Actor::operator("cli:regulator");
        regulators::revoke_key(&t.state.store, REGULATOR, &keys::key_id(&key), &operator)
            .await
            .unwrap();
        catalog::live::refresh(&t.state.store, &t.state.policies)
            .await
            .unwrap();
        // It stops running: the checklist says why, and so does the decision log.
        let (_, list) = t.get(&uri, &t.admin).await;
        let rows = rows_of(&list, GAP);
        assert_eq!(rows.len(), 1, "{list}");
        assert_eq!(rows[0]["status"], "error");
        assert_eq!(rows[0]["regulator"], REGULATOR);
        let message = rows[0]["message"].as_str().unwrap();
        assert!(
            message.contains("was not run: suspended: every key that signed it has been revoked")
                && message.contains(&keys::key_id(&key)),
            "{message}"
        );
        let run_id = &new_run(&t).await;
        let children = log::children(&t.state.store, run_id, None, None, 10)
            .await
            .unwrap();
        let logged = children
            .iter()
            .find(|c| c.key.child_id == "C1")
            .unwrap()
            .outcomes
            .iter()
            .find(|o| o.policy == GAP)
            .unwrap();
        assert!(
            matches!(&logged.error, Some(carecheck::plugins::runtime::EvalError::Suspended(why)) if why.contains("revoked")),
            "{logged:?}"
        );
        assert_eq!(logged.fuel, 0, "a suspended plugin runs no code");
        let (_, listed) = t
            .get(
                &format!("/api/v1/authorities/{AUTHORITY}/plugins"),
                &t.admin,
            )
            .await;
        assert!(
            listed[0]["suspended"].as_str().unwrap().contains("revoked"),
            "{listed}"
        );
        // Nothing signed by the revoked key is accepted any more, and a suspended version
        // cannot be enabled anywhere.
        let v2 = patched(&wasm, GAP_VERSION, "7.3.12");
        let answer = t.publish(&v2).await;
        refused_signature(answer);
        let (status, body) = enable(&t, OTHER, GAP, json!({"version": GAP_VERSION})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");

        // A new key signs the same bytes again: the version runs again.
        let (new_private, new_public) = keys::generate();
        regulators::add_key(
            &t.state.store,
            REGULATOR,
            &keys::parse_public(&new_public).unwrap(),
            &operator,
        )
        .await
        .unwrap();
        let (status, again) = t
            .upload_plugin(&t.regulator, &wasm, Some(&sign(&new_private, &wasm)))
            .await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["signed_by"].as_array().unwrap().len(), 2, "{again}");
        catalog::live::refresh(&t.state.store, &t.state.policies)
            .await
            .unwrap();
        let (_, list) = t.get(&uri, &t.admin).await;
        assert_eq!(rows_of(&list, GAP)[0]["status"], "warning", "{list}");
        // Replaying the suspended run still says it was suspended.
        replays_exactly(&t, run_id).await;
    }
}

fn refused_signature((status, body): (StatusCode, Value)) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["problems"][0]["path"], "/signature", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hostile_corpus_through_upload_is_refused_or_contained() {
    let t = TestApp::new(Db::Sqlite).await;
    put_child(&t, AUTHORITY, "C1").await;
    // Behaving by default, the hostile policy passes vetting...
    let (status, published) = t.publish(&component("hostile")).await;
    assert_eq!(status, StatusCode::CREATED, "{published}");
    // ...and whatever it is then set to do, it is contained: an error for it alone, the pack's
    // policy still answers.
    for (mode, says) in [
        ("loop", "fuel"),
        ("memory", "memory"),
        ("recursion", "stack"),
        ("output", "limit"),
        ("panic", "unreachable"),
        ("garbage", "undeclared check"),
    ] {
        let (status, body) = enable(
            &t,
            AUTHORITY,
            "hostile",
            json!({"version": "0.0.1", "settings": {"mode": mode}}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{mode}: {body}");
        let (status, list) = t.get(&checklist_uri(AUTHORITY, "C1"), &t.admin).await;
        assert_eq!(status, StatusCode::OK, "{mode}: {list}");
        let hostile = rows_of(&list, "hostile");
        assert_eq!(hostile.len(), 1, "{mode}: {list}");
        assert_eq!(hostile[0]["status"], "error", "{mode}");
        let message = hostile[0]["message"].as_str().unwrap();
        assert!(
            message.contains(says)
                || (mode == "loop" && message.contains("deadline"))
                || (mode == "memory" && message.contains("fuel")),
            "{mode}: {message}"
        );
        let review = rows_of(&list, "statutory-review-timeliness");
        assert!(
            !review.is_empty() && review.iter().all(|r| r["status"] != "error"),
            "{mode}: {list}"
        );
    }
}
