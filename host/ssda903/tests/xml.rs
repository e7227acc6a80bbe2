//! The XML layout (tests/fixtures/xml/return.xml, hand-made).

mod common;

use carecheck_sdk::record::{Participation, Sex};
use carecheck_ssda903::{InputFile, ProblemKind as K, Severity, Table, parse, read_folder};
use common::{child, date, fixture_dir, options};

fn line_of(text: &str, needle: &str) -> u64 {
    text.lines().position(|l| l.contains(needle)).expect(needle) as u64 + 1
}

#[test]
fn xml_return_is_read_like_the_csv_one() {
    let files = read_folder(&fixture_dir("xml")).unwrap();
    assert_eq!(files.len(), 1);
    let text = String::from_utf8(files[0].bytes.clone()).unwrap();
    let parsed = parse(&files, &options());

    let tables: Vec<Table> = parsed.tables.iter().map(|(_, t)| *t).collect();
    assert_eq!(
        tables,
        [
            Table::Header,
            Table::Episodes,
            Table::Reviews,
            Table::Oc2,
            Table::Uasc
        ]
    );
    assert_eq!(
        parsed.table_rows,
        [
            (Table::Header, 3),
            (Table::Episodes, 2),
            (Table::Reviews, 4),
            (Table::Oc2, 2),
            (Table::Uasc, 1)
        ]
    );
    assert_eq!((parsed.rows_read, parsed.rows_rejected), (12, 4));

    // Child X1: everything but the 31/02 review.
    let x1 = child(&parsed, "X1");
    assert_eq!(x1.child.sex, Some(Sex::Female));
    assert_eq!(x1.child.date_of_birth, Some(date(1, 1, 2010)));
    assert_eq!(x1.child.upn.as_deref(), Some("C123456789012"));
    assert_eq!(x1.child.legal_status.as_deref(), Some("C1"));
    assert_eq!(x1.child.responsible_authority, "E09000001");
    assert_eq!(x1.periods_of_care.len(), 1);
    assert_eq!(x1.periods_of_care[0].episodes.len(), 2);
    assert_eq!(
        x1.placements[1].placement_type.as_deref(),
        Some("K2"),
        "<PL> is read as PLACE"
    );
    assert_eq!(x1.placements[1].reason_changed.as_deref(), Some("CARPL"));
    assert_eq!(x1.placements[0].postcode.as_deref(), Some("LS1 1AA"));
    let reviews: Vec<_> = x1
        .reviews
        .iter()
        .map(|r| (r.date, r.participation))
        .collect();
    assert_eq!(
        reviews,
        [
            (date(20, 1, 2017), Some(Participation::PN1)),
            (date(20, 7, 2017), Some(Participation::PN6))
        ]
    );
    assert_eq!(x1.sdq.len(), 1);
    assert_eq!(x1.sdq[0].score, Some(17));

    let unreal = parsed
        .problems
        .iter()
        .find(|p| p.kind == K::NotARealDate)
        .unwrap();
    assert_eq!(
        (
            unreal.file.as_str(),
            unreal.column.as_deref(),
            unreal.value.as_deref()
        ),
        ("return.xml", Some("REVIEW"), Some("31/02/2018"))
    );
    assert_eq!(
        unreal.line,
        line_of(&text, "<REVIEW>31/02/2018"),
        "line of the element"
    );

    // Child X2: unknown SEX, so the child and its review are rejected.
    let sex = parsed
        .problems
        .iter()
        .find(|p| p.column.as_deref() == Some("SEX"))
        .unwrap();
    assert_eq!(
        (sex.kind, sex.severity, sex.value.as_deref()),
        (K::UnknownCode, Severity::Error, Some("7"))
    );
    assert_eq!(sex.line, line_of(&text, "<SEX>7</SEX>"));
    assert!(parsed.problems.iter().any(|p| p.kind == K::ChildRejected));

    // Child X3: imported; its SDQ of 41 is not.
    let x3 = child(&parsed, "X3");
    assert!(x3.sdq.is_empty());
    let sdq = parsed
        .problems
        .iter()
        .find(|p| p.kind == K::OutOfRange)
        .unwrap();
    assert_eq!(sdq.line, line_of(&text, "<SDQ_SCORE>41"));

    assert_eq!(parsed.children.len(), 2);
    assert_eq!(parsed.problems.len(), 4, "{:#?}", parsed.problems);
    let lines: Vec<u64> = parsed.problems.iter().map(|p| p.line).collect();
    assert!(
        lines.windows(2).all(|w| w[0] <= w[1]),
        "problems in line order: {lines:?}"
    );
}

#[test]
fn xml_that_is_not_well_formed_is_rejected_whole() {
    let bytes = std::fs::read(fixture_dir("xml").join("broken.xml.txt")).unwrap();
    let parsed = parse(
        &[InputFile {
            name: "broken.xml".into(),
            bytes,
        }],
        &options(),
    );
    assert!(parsed.children.is_empty());
    assert_eq!(parsed.problems.len(), 1);
    let p = &parsed.problems[0];
    assert_eq!(
        (p.kind, p.severity, p.line),
        (K::UnreadableFile, Severity::Error, 6)
    );
    assert!(p.reason.contains("not well-formed"), "{p}");
}

#[test]
fn dfe_style_xml_child_elements() {
    // The DfE schema's own spelling: <CHILD> records holding <CHILDID>, <EPISODE>, <HEADER><AREVIEW>.
    let xml = "\u{feff}<?xml version=\"1.0\"?>\r\n<Message>\r\n<CHILD><CHILDID>7</CHILDID><SEX>2</SEX><DOB>2012-05-01</DOB>\r\n\
        <EPISODE><DECOM>2017-04-01</DECOM><LS>C2</LS><PL>U1</PL><RNE>S</RNE></EPISODE>\r\n\
        <HEADER><AREVIEW><REVIEW>2017-04-20</REVIEW><REVIEW_CODE>PN0</REVIEW_CODE></AREVIEW>\r\n\
        <OC2><SDQ_REASON>SDQ1</SDQ_REASON></OC2></HEADER></CHILD>\r\n</Message>\r\n";
    let parsed = parse(
        &[InputFile {
            name: "r.xml".into(),
            bytes: xml.as_bytes().to_vec(),
        }],
        &options(),
    );
    assert!(parsed.problems.is_empty(), "{:#?}", parsed.problems);
    let c = child(&parsed, "7");
    assert_eq!(c.child.sex, Some(Sex::Female));
    assert_eq!(c.placements[0].placement_type.as_deref(), Some("U1"));
    assert_eq!(c.reviews[0].participation, Some(Participation::PN0));
    assert_eq!(c.sdq[0].reason_not_completed.as_deref(), Some("SDQ1"));
}
