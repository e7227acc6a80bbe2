//! Hostile inputs stay bounded: XML nested without end and returns with more rows than any
//! authority's are refused with a located error, not read into memory.

mod common;

use carecheck_ssda903::{InputFile, MAX_XML_DEPTH, ProblemKind as K, Severity, parse, parse_with};
use common::options;

#[test]
fn xml_nested_deeper_than_a_return_is_refused_at_the_element() {
    // 100,000 nested <a> elements over 1,001 lines: once the 33rd opens, reading stops.
    let mut text = String::from("<?xml version=\"1.0\"?>\n<Message>\n");
    for i in 0..100_000 {
        text.push_str("<a>");
        if i % 100 == 99 {
            text.push('\n');
        }
    }
    let files = [InputFile {
        name: "deep.xml".into(),
        bytes: text.into_bytes(),
    }];
    let parsed = parse(&files, &options());
    assert!(parsed.children.is_empty());
    let problem = &parsed.problems[0];
    assert_eq!(problem.severity, Severity::Error);
    assert_eq!(problem.file, "deep.xml");
    // <Message> on line 2 is depth 1; the 32nd <a> (depth 33) is on line 3.
    assert_eq!(problem.line, 3);
    assert!(
        problem
            .reason
            .contains(&format!("nested more than {MAX_XML_DEPTH} deep")),
        "{problem:?}"
    );
}

#[test]
fn rows_beyond_the_cap_are_not_read() {
    // A header file and a reviews file of 10 rows each, with room for 15 rows in all.
    let header = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n".to_string()
        + &(1..=10)
            .map(|i| format!("C{i},1,01/02/2015,WBRI,,,\n"))
            .collect::<String>();
    let reviews = "CHILD,DOB,REVIEW,REVIEW_CODE\n".to_string()
        + &(1..=10)
            .map(|i| format!("C{i},01/02/2015,01/03/2017,PN1\n"))
            .collect::<String>();
    let files = [
        InputFile {
            name: "header.csv".into(),
            bytes: header.into_bytes(),
        },
        InputFile {
            name: "reviews.csv".into(),
            bytes: reviews.into_bytes(),
        },
    ];
    let mut options = options();
    options.max_rows = 15;
    let parsed = parse(&files, &options);
    let capped: Vec<_> = parsed
        .problems
        .iter()
        .filter(|p| p.kind == K::TooLarge)
        .collect();
    assert_eq!(capped.len(), 1, "{:?}", parsed.problems);
    assert_eq!(capped[0].file, "reviews.csv");
    // Line 1 is the header row, lines 2-6 the five rows read: the sixth row, on line 7, is where
    // reading stopped.
    assert_eq!(capped[0].line, 7);
    assert_eq!(parsed.rows_read, 15);
}

#[test]
fn problems_past_the_cap_are_counted_not_kept() {
    use carecheck_ssda903::MAX_PROBLEMS;
    // One child in the header; every review row names a child who is not there.
    let header = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,1,01/02/2015,WBRI,,,\n";
    let extra = 25;
    let reviews = "CHILD,DOB,REVIEW,REVIEW_CODE\n".to_string()
        + &(0..MAX_PROBLEMS + extra)
            .map(|i| format!("Z{i},01/02/2015,01/03/2017,PN1\n"))
            .collect::<String>();
    let files = [
        InputFile {
            name: "header.csv".into(),
            bytes: header.into(),
        },
        InputFile {
            name: "reviews.csv".into(),
            bytes: reviews.into_bytes(),
        },
    ];
    // Every problem reaches the callback, those past the cap too, each naming its own line:
    // review row i is on line i + 2 (line 1 is the header row).
    let mut seen = Vec::new();
    let parsed = parse_with(&files, &options(), |p| seen.push((p.line, p.kind)));
    assert_eq!(parsed.problems.len(), MAX_PROBLEMS);
    assert_eq!(parsed.problems_omitted, extra);
    assert!(parsed.problems.iter().all(|p| p.kind == K::UnknownChild));
    assert_eq!(seen.len(), MAX_PROBLEMS + extra);
    assert!(seen.iter().all(|(_, kind)| *kind == K::UnknownChild));
    let mut lines: Vec<u64> = seen.iter().map(|(line, _)| *line).collect();
    lines.sort_unstable();
    let expected: Vec<u64> = (2..(MAX_PROBLEMS + extra) as u64 + 2).collect();
    assert_eq!(lines, expected);
}
