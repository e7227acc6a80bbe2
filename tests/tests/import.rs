//! Importing the public synthetic SSDA903 return into a real store, then checking it.

use carecheck::imports;
use carecheck::runs::{self, Scope};
use carecheck_ssda903::{ImportOptions, read_folder};
use carecheck_tests::{Db, TestApp, root};
use chrono::NaiveDate;

/// The shared return read as the 2017-18 collection, as of the tests' evaluation date.
fn options() -> ImportOptions {
    ImportOptions {
        authority: "E10000001".into(),
        collection_year: 2018,
        import_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        max_rows: carecheck_ssda903::DEFAULT_MAX_ROWS,
    }
}

fn fake_data() -> std::path::PathBuf {
    root().parent().unwrap().join("shared/data/ssda903-fake")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fake_return_imports_completely_twice_over_and_gets_review_results() {
    let t = TestApp::new(Db::Sqlite).await;
    let files = read_folder(&fake_data()).unwrap();
    let options = options();
    let header = std::fs::read_to_string(fake_data().join("header.csv")).unwrap();
    let children_in_header = header
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count() as u64;
    assert_eq!(children_in_header, 2675);

    let errors = t.dir.path().join("errors.csv");
    let mut progress = Vec::new();
    let first = imports::import_ssda903(
        &t.state.store,
        &t.state.due_dates,
        files.clone(),
        &options,
        &carecheck::access::Actor::operator("test"),
        Some(imports::ProblemsFile::create(&errors).unwrap()),
        |d, n| progress.push((d, n)),
    )
    .await
    .unwrap();
    assert_eq!(
        progress.last(),
        Some(&(first.children_in_return, first.children_in_return))
    );
    // Every child in header.csv is imported or reported.
    let reported_children: std::collections::HashSet<u64> = first
        .problems
        .iter()
        .filter(|p| p.file == "header.csv" && p.severity == "error")
        .map(|p| p.line)
        .collect();
    assert_eq!(
        first.created + first.children_rejected + reported_children.len() as u64,
        children_in_header,
        "{first:?}"
    );
    assert_eq!(
        first.created,
        first.children_in_return - first.children_rejected
    );
    assert_eq!(
        carecheck::records::queries::count_children(&t.state.store)
            .await
            .unwrap() as u64,
        first.created
    );
    // Reviews dated 2027-2030 are reported, with file, line, column and value.
    let future: Vec<_> = first
        .problems
        .iter()
        .filter(|p| {
            p.column.as_deref() == Some("REVIEW")
                && p.value.as_deref().is_some_and(|v| {
                    ["2027", "2028", "2029", "2030"]
                        .iter()
                        .any(|y| v.ends_with(y))
                })
        })
        .collect();
    assert!(
        future.len() >= 60,
        "{} future reviews reported",
        future.len()
    );
    assert!(
        future
            .iter()
            .all(|p| p.file == "reviews.csv" && p.line > 1 && p.severity == "error")
    );

    let versions = t.versions().await;
    let second = imports::import_ssda903(
        &t.state.store,
        &t.state.due_dates,
        files.clone(),
        &options,
        &carecheck::access::Actor::operator("test"),
        None,
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!((second.created, second.updated), (0, 0), "{second:?}");
    assert_eq!(second.unchanged, first.created);
    assert_eq!(
        t.versions().await,
        versions,
        "a second import wrote new versions"
    );

    // The errors file holds every problem counted (one CSV record each, after the header),
    // the same ones the summary lists when they are fewer than the 100,000 it keeps.
    let mut written = csv::Reader::from_path(&errors).unwrap();
    assert_eq!(
        written.headers().unwrap(),
        vec!["file", "line", "column", "value", "severity", "reason"]
    );
    let written: Vec<csv::StringRecord> = written.records().map(Result::unwrap).collect();
    assert_eq!(written.len() as u64, first.problems_total);
    assert_eq!(written.len(), first.problems.len());
    let warnings_written = written.iter().filter(|r| &r[4] == "warning").count() as u64;
    assert_eq!(warnings_written, first.warnings);

    let mut review_results = 0;
    let summary = runs::run(
        &t.state.store,
        &t.state.policies.current(),
        options.import_date,
        &Scope::default(),
        &carecheck::access::Actor::operator("test"),
        2,
        |_, outcomes| {
            review_results += outcomes
                .iter()
                .filter(|o| o.policy == "statutory-review-timeliness")
                .map(|o| o.results.len())
                .sum::<usize>();
        },
    )
    .await
    .unwrap();
    assert_eq!(summary.children as u64, first.created);
    assert_eq!(summary.errors, 0);
    assert!(
        review_results as u64 > first.created,
        "{review_results} review results for {} children",
        first.created
    );
}

/// The checks whose evidence an SSDA903 return carries: review dates and participation, and
/// the OC2 SDQ. Every other check reads sections the return never supplies.
const SUPPORTED_BY_THE_RETURN: [(&str, &str); 6] = [
    ("statutory-review-timeliness", "first-review"),
    ("statutory-review-timeliness", "second-review"),
    ("statutory-review-timeliness", "later-review"),
    ("statutory-review-timeliness", "review-date-valid"),
    ("child-voice", "views-conveyed"),
    ("sdq", "sdq-annual"),
];

#[tokio::test(flavor = "multi_thread")]
async fn no_breach_comes_from_data_the_return_does_not_carry() {
    let plugins: Vec<(&str, &str)> = carecheck_tests::POLICIES.iter().map(|p| (*p, "")).collect();
    let t = TestApp::with_plugins(Db::Sqlite, &plugins).await;
    let options = options();
    let summary = imports::import_ssda903(
        &t.state.store,
        &t.state.due_dates,
        read_folder(&fake_data()).unwrap(),
        &options,
        &carecheck::access::Actor::operator("test"),
        None,
        |_, _| {},
    )
    .await
    .unwrap();
    assert!(summary.created > 2000, "{}", summary.created);
    let mut breaches = std::collections::BTreeMap::<(String, String), u64>::new();
    let mut insufficient = 0u64;
    // What the checks on review preparation and IRO allocation say, by check, status and the
    // field they name as missing.
    let mut preparation = std::collections::BTreeMap::<(String, String, String), u64>::new();
    let run = runs::run(
        &t.state.store,
        &t.state.policies.current(),
        options.import_date,
        &Scope::default(),
        &carecheck::access::Actor::operator("test"),
        2,
        |_, outcomes| {
            for o in outcomes {
                for r in &o.results {
                    match r.status.as_str() {
                        "breach" => {
                            *breaches
                                .entry((o.policy.clone(), r.check.to_string()))
                                .or_default() += 1
                        }
                        "insufficient_data" => insufficient += 1,
                        _ => {}
                    }
                    if o.policy == "review-preparation" || r.check == "iro-allocated" {
                        let missing = r
                            .evidence
                            .iter()
                            .find(|(k, _)| k == "missing_field")
                            .map_or("", |(_, v)| v.as_str());
                        *preparation
                            .entry((
                                r.check.to_string(),
                                r.status.as_str().to_string(),
                                missing.to_string(),
                            ))
                            .or_default() += 1;
                    }
                }
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(run.errors, 0);
    let unsupported: Vec<_> = breaches
        .iter()
        .filter(|((policy, check), _)| {
            !SUPPORTED_BY_THE_RETURN.contains(&(policy.as_str(), check.as_str()))
        })
        .collect();
    assert!(
        unsupported.is_empty(),
        "breaches about data the return does not carry: {unsupported:?}"
    );
    // The return's own evidence still gives breaches, and the rest is said to be missing.
    assert!(breaches.values().sum::<u64>() > 1000, "{breaches:?}");
    assert!(insufficient > 2675, "{insufficient}");
    // The return carries no preparation and no IROs: every such result says so, for every child
    // (a child the return gives no episodes for has no period of care to count from either).
    let by_check: Vec<(&str, &str, &str)> = preparation
        .keys()
        .map(|(c, s, m)| (c.as_str(), s.as_str(), m.as_str()))
        .collect();
    assert_eq!(
        by_check,
        [
            (
                "child-consulted",
                "insufficient_data",
                "reviews.preparation"
            ),
            (
                "decisions-circulated",
                "insufficient_data",
                "reviews.preparation"
            ),
            ("iro-allocated", "insufficient_data", "iro_assignments"),
            ("iro-allocated", "insufficient_data", "periods_of_care"),
            (
                "iro-spoke-with-child",
                "insufficient_data",
                "reviews.preparation"
            ),
            (
                "papers-with-iro",
                "insufficient_data",
                "reviews.preparation"
            ),
            (
                "record-circulated",
                "insufficient_data",
                "reviews.preparation"
            ),
        ]
    );
    let papers = preparation
        .iter()
        .find(|((c, _, _), _)| c == "papers-with-iro")
        .map(|(_, n)| *n);
    assert_eq!(papers, Some(summary.created));
}
