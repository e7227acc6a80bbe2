//! The synthetic SSDA903 return in `../shared/data/ssda903-fake` beside the repository (2,675 children,
//! noisy on purpose).

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use carecheck_sdk::record::Sex;
use carecheck_ssda903::{ProblemKind, Severity, Table, parse, read_folder};
use common::{assert_accounted, header_ids, options};

fn fake_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/ssda903-fake"
    ));
    dir.canonicalize()
        .expect("the fake SSDA903 data beside the repository")
}

#[test]
fn fake_set_is_read_whole() {
    let dir = fake_dir();
    assert!(
        dir.ends_with("shared/data/ssda903-fake"),
        "{}",
        dir.display()
    );
    let files = read_folder(&dir).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert!(
        !names.contains(&"README.md") && !names.contains(&"LICENSE"),
        "{names:?}"
    );
    assert_eq!(files.len(), 10);

    let started = Instant::now();
    let parsed = parse(&files, &options());
    let elapsed = started.elapsed();
    println!("parsed the fake set in {elapsed:?}");

    // Every child in header.csv is imported or reported; counts add up.
    let ids = header_ids(&files);
    assert_eq!(ids.len(), 2675);
    assert_accounted(&parsed, &ids);

    // Every file recognised, by its columns.
    let tables: BTreeMap<&str, Table> = parsed
        .tables
        .iter()
        .map(|(f, t)| (f.as_str(), *t))
        .collect();
    assert_eq!(tables["header.csv"], Table::Header);
    assert_eq!(tables["episodes.csv"], Table::Episodes);
    assert_eq!(tables["reviews.csv"], Table::Reviews);
    assert_eq!(tables["oc2.csv"], Table::Oc2);
    assert_eq!(tables["uasc.csv"], Table::Uasc);
    assert_eq!(tables["oc3.csv"], Table::Oc3);
    assert_eq!(tables["missing.csv"], Table::Missing);
    assert_eq!(tables["ad1.csv"], Table::Ad1);
    assert_eq!(tables["placed_for_adoption.csv"], Table::PlacedAdoption);
    assert_eq!(tables["previous_permanence.csv"], Table::PrevPerm);
    let rows: BTreeMap<Table, usize> = parsed.table_rows.iter().copied().collect();
    assert_eq!(rows[&Table::Header], 2675);
    assert_eq!(rows[&Table::Episodes], 5050);
    assert_eq!(rows[&Table::Reviews], 12582);
    assert_eq!(rows[&Table::Oc2], 2675);
    assert_eq!(parsed.rows_read, rows.values().sum::<usize>());

    // SEX uses the old codes 1/2 throughout: all accepted.
    assert_eq!(parsed.children.len(), 2675);
    assert!(
        parsed
            .children
            .iter()
            .all(|c| matches!(c.child.sex, Some(Sex::Male | Sex::Female)))
    );
    assert!(
        parsed
            .children
            .iter()
            .any(|c| c.child.sex == Some(Sex::Male))
    );
    assert!(
        parsed
            .children
            .iter()
            .all(|c| c.child.responsible_authority == "E09000001")
    );

    // The 2027-2030 reviews are errors naming the date.
    let future: Vec<_> = parsed
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::AfterImportDate)
        .collect();
    let reviews_text = String::from_utf8_lossy(
        &files
            .iter()
            .find(|f| f.name == "reviews.csv")
            .unwrap()
            .bytes,
    )
    .into_owned();
    let expected_future = reviews_text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(2))
        .filter(|d| {
            chrono::NaiveDate::parse_from_str(d, "%d/%m/%Y").unwrap() > options().import_date
        })
        .count();
    let in_2027_to_2030 = future
        .iter()
        .filter(|p| {
            p.value.as_deref().is_some_and(|d| {
                ["2027", "2028", "2029", "2030"]
                    .iter()
                    .any(|y| d.ends_with(y))
            })
        })
        .count();
    assert!(in_2027_to_2030 > 0 && in_2027_to_2030 <= expected_future);
    assert_eq!(future.len(), expected_future);
    assert!(expected_future > 0);
    for p in &future {
        assert_eq!(p.severity, Severity::Error);
        assert_eq!(p.file, "reviews.csv");
        assert_eq!(p.column.as_deref(), Some("REVIEW"));
        let value = p.value.as_deref().unwrap();
        assert!(
            p.reason
                .starts_with(&format!("review dated {value} is after the import date")),
            "{p}"
        );
        assert!(
            reviews_text
                .lines()
                .nth(p.line as usize - 1)
                .unwrap()
                .contains(value)
        );
    }
    // No imported review is after the import date.
    assert!(
        parsed
            .children
            .iter()
            .flat_map(|c| &c.reviews)
            .all(|r| r.date <= options().import_date)
    );

    // Every imported episode has its placement.
    for c in &parsed.children {
        let episodes: Vec<_> = c.periods_of_care.iter().flat_map(|p| &p.episodes).collect();
        assert_eq!(episodes.len(), c.placements.len());
        for e in episodes {
            let id = e.placement_id.as_deref().unwrap();
            assert!(
                c.placements
                    .iter()
                    .any(|p| p.id == id && p.start == e.start)
            );
        }
    }

    // Deterministic.
    let again = parse(&files, &options());
    assert_eq!(parsed, again);

    let mut by_kind: BTreeMap<(ProblemKind, Severity), usize> = BTreeMap::new();
    for p in &parsed.problems {
        *by_kind.entry((p.kind, p.severity)).or_default() += 1;
    }
    println!(
        "children {}, rows read {}, rejected {}, with warnings {}",
        parsed.children.len(),
        parsed.rows_read,
        parsed.rows_rejected,
        parsed.rows_with_warnings
    );
    for ((kind, severity), n) in &by_kind {
        println!("  {kind:?} {severity:?}: {n}");
    }
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for p in &parsed.problems {
        let shape: String = p
            .reason
            .chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect();
        *by_reason
            .entry(format!("{:?} {shape}", p.severity))
            .or_default() += 1;
    }
    for (reason, n) in &by_reason {
        println!("  {n:>5}  {reason}");
    }
    for kind in by_kind
        .keys()
        .map(|(k, _)| *k)
        .collect::<std::collections::BTreeSet<_>>()
    {
        if let Some(p) = parsed.problems.iter().find(|p| p.kind == kind) {
            println!("  e.g. {p}");
        }
    }
    assert!(
        elapsed.as_millis() < 1000 || cfg!(debug_assertions),
        "took {elapsed:?}"
    );
}
