#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use carecheck_ssda903::{
    ImportOptions, Parsed, Problem, ProblemKind, Severity, parse, read_folder,
};
use chrono::NaiveDate;

pub fn options() -> ImportOptions {
    ImportOptions {
        authority: "E09000001".to_owned(),
        collection_year: 2018,
        import_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        max_rows: carecheck_ssda903::DEFAULT_MAX_ROWS,
    }
}

pub fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> Parsed {
    let files = read_folder(&fixture_dir(name)).expect("fixture folder");
    assert!(!files.is_empty(), "no files in fixture {name}");
    let parsed = parse(&files, &options());
    assert_accounted(&parsed, &header_ids(&files));
    parsed
}

pub fn date(d: u32, m: u32, y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Where each child of every Header-like CSV file is: id -> (file, line). Tests only.
pub fn header_ids(files: &[carecheck_ssda903::InputFile]) -> BTreeMap<String, (String, u64)> {
    let mut ids = BTreeMap::new();
    for f in files {
        let text = String::from_utf8_lossy(&f.bytes);
        let text = text.trim_start_matches('\u{feff}');
        let mut lines = text.lines();
        let Some(head) = lines.next() else { continue };
        let cols: Vec<String> = head
            .split(',')
            .map(|c| c.trim().to_ascii_uppercase())
            .collect();
        let is_header = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
            .iter()
            .all(|c| cols.iter().any(|h| h == c));
        if !is_header {
            continue;
        }
        let child = cols.iter().position(|c| c == "CHILD").unwrap();
        for (i, line) in lines.enumerate() {
            if let Some(id) = line
                .split(',')
                .nth(child)
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                ids.entry(id.to_owned())
                    .or_insert((f.name.clone(), i as u64 + 2));
            }
        }
    }
    ids
}

/// Every Header child is imported or has an error on its Header row; the counts are consistent.
pub fn assert_accounted(parsed: &Parsed, header_ids: &BTreeMap<String, (String, u64)>) {
    for (id, (file, line)) in header_ids {
        let imported = parsed.children.iter().any(|c| &c.child_id == id);
        let reported = parsed.errors().any(|p| &p.file == file && p.line == *line);
        assert!(
            imported || reported,
            "child {id} ({file} line {line}) neither imported nor reported"
        );
        assert!(
            !(imported && reported),
            "child {id} ({file} line {line}) imported despite an error on its row"
        );
    }
    assert!(parsed.rows_rejected <= parsed.rows_read);
    assert!(parsed.rows_with_warnings <= parsed.rows_read - parsed.rows_rejected);
    assert_eq!(
        parsed.rows_accepted() + parsed.rows_rejected,
        parsed.rows_read
    );
    let ids: Vec<&str> = parsed
        .children
        .iter()
        .map(|c| c.child_id.as_str())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "children sorted by id, each once");
}

pub fn of_kind(parsed: &Parsed, kind: ProblemKind) -> Vec<&Problem> {
    parsed.problems.iter().filter(|p| p.kind == kind).collect()
}

pub fn only_error(parsed: &Parsed) -> &Problem {
    let errors: Vec<&Problem> = parsed.errors().collect();
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    errors[0]
}

pub fn child<'p>(parsed: &'p Parsed, id: &str) -> &'p carecheck_ssda903::ImportedChild {
    parsed
        .children
        .iter()
        .find(|c| c.child_id == id)
        .unwrap_or_else(|| panic!("child {id} not imported"))
}

pub fn is_error(p: &Problem) -> bool {
    p.severity == Severity::Error
}
