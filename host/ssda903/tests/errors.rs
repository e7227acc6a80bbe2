//! One small hand-made input per kind of problem (tests/fixtures/<case>/).

mod common;

use carecheck_sdk::record::{Participation, Sex};
use carecheck_ssda903::{InputFile, ProblemKind as K, Severity, Table, parse};
use common::{child, date, fixture, of_kind, only_error, options};

#[test]
fn unparseable_and_impossible_dates() {
    let parsed = fixture("bad_dates");
    let bad = of_kind(&parsed, K::BadDate);
    assert_eq!(bad.len(), 1);
    assert_eq!((bad[0].file.as_str(), bad[0].line), ("episodes.csv", 3));
    assert_eq!(bad[0].column.as_deref(), Some("DECOM"));
    assert_eq!(bad[0].value.as_deref(), Some("2017-01-05"));
    assert_eq!(bad[0].severity, Severity::Error);
    assert_eq!(
        bad[0].to_string(),
        r#"episodes.csv line 3, DECOM = "2017-01-05": not a date in the form dd/mm/yyyy"#
    );

    let unreal = of_kind(&parsed, K::NotARealDate);
    assert_eq!(unreal.len(), 1);
    assert_eq!(
        unreal[0].to_string(),
        r#"episodes.csv line 4, DECOM = "31/02/2017": not a real date"#
    );

    assert_eq!(parsed.rows_read, 6);
    assert_eq!(parsed.rows_rejected, 2);
    // The children are still imported; only the good episode is.
    assert_eq!(parsed.children.len(), 3);
    assert_eq!(child(&parsed, "101").periods_of_care.len(), 1);
    assert!(child(&parsed, "102").periods_of_care.is_empty());
    assert!(child(&parsed, "103").periods_of_care.is_empty());
}

#[test]
fn unknown_sex_code_rejects_the_child_and_its_rows() {
    let parsed = fixture("bad_sex");
    let sex = of_kind(&parsed, K::UnknownCode);
    assert_eq!(sex.len(), 1);
    assert_eq!(
        (
            sex[0].file.as_str(),
            sex[0].line,
            sex[0].column.as_deref(),
            sex[0].value.as_deref()
        ),
        ("header.csv", 2, Some("SEX"), Some("X"))
    );
    assert!(sex[0].reason.contains("unknown SEX code"), "{}", sex[0]);
    let cascade = of_kind(&parsed, K::ChildRejected);
    assert_eq!(cascade.len(), 1);
    assert_eq!(
        (cascade[0].file.as_str(), cascade[0].line),
        ("reviews.csv", 2)
    );
    assert!(
        cascade[0].reason.contains("header.csv line 2"),
        "{}",
        cascade[0]
    );
    assert_eq!(parsed.children.len(), 1);
    assert_eq!(parsed.children[0].child_id, "202");
    assert_eq!((parsed.rows_read, parsed.rows_rejected), (4, 2));
}

#[test]
fn sex_current_and_old_codes() {
    let parsed = fixture("sex_sets");
    assert!(parsed.problems.is_empty(), "{:#?}", parsed.problems);
    let sexes: Vec<(&str, Option<Sex>)> = parsed
        .children
        .iter()
        .map(|c| (c.child_id.as_str(), c.child.sex))
        .collect();
    assert_eq!(
        sexes,
        [
            ("1201", Some(Sex::Male)),
            ("1202", Some(Sex::Female)),
            ("1203", Some(Sex::Unknown)),
            ("1204", Some(Sex::Male)),
            ("1205", Some(Sex::Female)),
        ]
    );
}

#[test]
fn unknown_participation_code() {
    let parsed = fixture("bad_participation");
    let p = only_error(&parsed);
    assert_eq!(
        (
            p.kind,
            p.file.as_str(),
            p.line,
            p.column.as_deref(),
            p.value.as_deref()
        ),
        (
            K::UnknownCode,
            "reviews.csv",
            2,
            Some("REVIEW_CODE"),
            Some("PN9")
        )
    );
    let reviews = &child(&parsed, "301").reviews;
    assert_eq!(reviews.len(), 1);
    assert_eq!(
        (reviews[0].date, reviews[0].participation),
        (date(11, 11, 2017), Some(Participation::PN3))
    );
}

#[test]
fn unknown_place_code_is_an_error_and_retired_one_a_warning() {
    let parsed = fixture("bad_place");
    let p = only_error(&parsed);
    assert_eq!(
        (p.kind, p.line, p.column.as_deref(), p.value.as_deref()),
        (K::UnknownCode, 2, Some("PLACE"), Some("Q9"))
    );
    assert!(child(&parsed, "401").placements.is_empty());

    let retired = of_kind(&parsed, K::RetiredCode);
    assert_eq!(retired.len(), 1);
    assert_eq!(
        (
            retired[0].severity,
            retired[0].line,
            retired[0].value.as_deref()
        ),
        (Severity::Warning, 3, Some("P4"))
    );
    assert!(retired[0].reason.starts_with("retired PLACE code"));
    let kept = child(&parsed, "402");
    assert_eq!(kept.placements.len(), 1);
    assert_eq!(kept.placements[0].placement_type.as_deref(), Some("P4"));
    assert_eq!(
        (
            parsed.rows_read,
            parsed.rows_rejected,
            parsed.rows_with_warnings
        ),
        (4, 1, 1)
    );
}

#[test]
fn child_missing_from_header() {
    let parsed = fixture("unknown_child");
    let p = only_error(&parsed);
    assert_eq!(
        (
            p.kind,
            p.file.as_str(),
            p.line,
            p.column.as_deref(),
            p.value.as_deref()
        ),
        (
            K::UnknownChild,
            "reviews.csv",
            3,
            Some("CHILD"),
            Some("999")
        )
    );
    assert_eq!(p.reason, "child 999 is not in the Header table");
    assert_eq!(parsed.children.len(), 1);
    assert_eq!(child(&parsed, "501").reviews.len(), 1);
}

#[test]
fn episode_ending_before_it_starts() {
    let parsed = fixture("ends_before_start");
    let p = only_error(&parsed);
    assert_eq!(
        (p.kind, p.line, p.column.as_deref(), p.value.as_deref()),
        (K::EndsBeforeStart, 2, Some("DEC"), Some("09/05/2017"))
    );
    assert!(child(&parsed, "601").periods_of_care.is_empty());
}

#[test]
fn review_after_the_import_date() {
    let parsed = fixture("future_review");
    let p = only_error(&parsed);
    assert_eq!(
        (p.kind, p.line, p.column.as_deref()),
        (K::AfterImportDate, 3, Some("REVIEW"))
    );
    assert_eq!(
        p.reason,
        "review dated 03/04/2029 is after the import date (23/11/2026)"
    );
    // A review on the import date itself is fine.
    let reviews = &child(&parsed, "701").reviews;
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].date, options().import_date);
}

#[test]
fn sdq_score_out_of_range() {
    let parsed = fixture("sdq_out_of_range");
    let p = only_error(&parsed);
    assert_eq!(
        (p.kind, p.line, p.column.as_deref(), p.value.as_deref()),
        (K::OutOfRange, 2, Some("SDQ_SCORE"), Some("41"))
    );
    assert_eq!(p.reason, "SDQ score 41 is outside 0-40");
    assert!(child(&parsed, "801").sdq.is_empty());
    let forty = &child(&parsed, "802").sdq;
    assert_eq!(forty.len(), 1);
    assert_eq!(
        (
            forty[0].score,
            forty[0].date,
            forty[0].date_approximate,
            forty[0].completed_by.as_deref()
        ),
        (Some(40), date(31, 3, 2018), true, None)
    );
    let reason = &child(&parsed, "803").sdq;
    assert_eq!(
        (reason[0].score, reason[0].reason_not_completed.as_deref()),
        (None, Some("SDQ1"))
    );
    // Neither score nor reason: no SDQ, and not a problem.
    assert!(child(&parsed, "804").sdq.is_empty());
}

#[test]
fn missing_required_column_rejects_the_file() {
    let parsed = fixture("missing_column");
    let p = only_error(&parsed);
    assert_eq!(
        (p.kind, p.file.as_str(), p.line, p.column.as_deref()),
        (K::MissingColumn, "reviews.csv", 1, Some("REVIEW_CODE"))
    );
    assert!(p.reason.contains("Reviews table"), "{p}");
    assert!(p.reason.contains("none of its 2 rows"), "{p}");
    assert_eq!((parsed.rows_read, parsed.rows_rejected), (3, 2));
    assert!(child(&parsed, "901").reviews.is_empty());
    assert_eq!(parsed.tables, [("header.csv".to_owned(), Table::Header)]);
}

#[test]
fn unrecognised_file() {
    let parsed = fixture("unrecognised");
    let p = only_error(&parsed);
    assert_eq!(
        (p.kind, p.file.as_str(), p.line, p.column.as_deref()),
        (K::UnrecognisedFile, "children.csv", 1, None)
    );
    for expected in [
        "Header (CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB)",
        "Episodes (CHILD,DECOM,",
        "Reviews (CHILD,DOB,REVIEW,REVIEW_CODE)",
        "OC2 (",
        "SWEpisodes (",
    ] {
        assert!(
            p.reason.contains(expected),
            "{expected} not in {}",
            p.reason
        );
    }
    assert_eq!((parsed.rows_read, parsed.rows_rejected), (3, 2));
    assert_eq!(parsed.children.len(), 1);
}

#[test]
fn bom_crlf_blank_lines_whitespace_and_column_order() {
    let parsed = fixture("bom_crlf");
    assert!(parsed.problems.is_empty(), "{:#?}", parsed.problems);
    assert_eq!((parsed.rows_read, parsed.rows_rejected), (3, 0));
    let c = child(&parsed, "1101");
    assert_eq!(c.child.date_of_birth, Some(date(1, 1, 2010)));
    assert_eq!(c.child.sex, Some(Sex::Male));
    assert_eq!(c.child.upn.as_deref(), Some("A123456789012"));
    assert_eq!(c.reviews.len(), 1);
    assert_eq!(c.reviews[0].participation, Some(Participation::PN1));
    assert_eq!(child(&parsed, "1102").child.upn, None);
}

#[test]
fn tables_are_recognised_by_columns_not_names() {
    let parsed = fixture("misnamed");
    assert!(parsed.problems.is_empty(), "{:#?}", parsed.problems);
    assert_eq!(
        parsed.tables,
        [
            ("header.csv".to_owned(), Table::Reviews),
            ("reviews.csv".to_owned(), Table::Header)
        ]
    );
    let c = child(&parsed, "1301");
    assert_eq!(c.reviews.len(), 1);
    assert_eq!(c.reviews[0].participation, Some(Participation::PN4));
}

#[test]
fn periods_of_care_chain_on_x1_only() {
    let parsed = fixture("chaining");
    let c = child(&parsed, "1401");
    let periods: Vec<Vec<_>> = c
        .periods_of_care
        .iter()
        .map(|p| p.episodes.iter().map(|e| e.start).collect())
        .collect();
    assert_eq!(
        periods,
        [
            vec![date(1, 1, 2015), date(1, 3, 2015), date(1, 6, 2015)],
            vec![date(1, 10, 2015)],
            vec![date(5, 11, 2015)],
        ]
    );
    assert_eq!(c.periods_of_care[0].end(), Some(date(1, 9, 2015)));
    assert_eq!(c.periods_of_care[2].end(), None);
    assert_eq!(c.child.legal_status.as_deref(), Some("C2"));
    // The X1 followed by a gap is reported (warning, episode kept).
    let gap = of_kind(&parsed, K::Inconsistent);
    assert_eq!(gap.len(), 1);
    assert_eq!(
        (gap[0].severity, gap[0].line, gap[0].column.as_deref()),
        (Severity::Warning, 5, Some("REC"))
    );

    // Placements: one per episode, linked, oldest first.
    assert_eq!(c.placements.len(), 5);
    let first = &c.placements[0];
    assert_eq!(first.id, "1401-2015-01-01");
    assert_eq!(
        (first.start, first.end),
        (date(1, 1, 2015), Some(date(1, 3, 2015)))
    );
    assert_eq!(first.placement_type.as_deref(), Some("U1"));
    assert_eq!(first.provider.as_deref(), Some("PR1"));
    assert_eq!(first.postcode.as_deref(), Some("AB1 2CD"));
    assert_eq!(first.urn.as_deref(), Some("SC123456"));
    assert_eq!(first.reason_changed.as_deref(), Some("CARPL"));
    assert_eq!(first.location_authority, None);
    let e0 = &c.periods_of_care[0].episodes[0];
    assert_eq!(e0.placement_id.as_deref(), Some("1401-2015-01-01"));
    assert_eq!(
        (
            e0.reason_new.as_deref(),
            e0.reason_ended.as_deref(),
            e0.legal_status.as_deref()
        ),
        (Some("L"), Some("X1"), Some("C1"))
    );

    // Another REC on the day the next episode starts: two periods.
    assert_eq!(child(&parsed, "1402").periods_of_care.len(), 2);

    // An episode starting while the previous one is open: error on the later row.
    let overlap = of_kind(&parsed, K::Overlap);
    assert_eq!(overlap.len(), 1);
    assert_eq!(
        (
            overlap[0].severity,
            overlap[0].line,
            overlap[0].column.as_deref()
        ),
        (Severity::Error, 10, Some("DECOM"))
    );
    assert!(
        overlap[0]
            .reason
            .contains("(line 9), which has no end date"),
        "{}",
        overlap[0]
    );
    assert_eq!(child(&parsed, "1403").periods_of_care.len(), 1);
    assert_eq!((parsed.rows_read, parsed.rows_rejected), (12, 1));
}

#[test]
fn empty_and_odd_inputs_do_not_crash() {
    let opts = options();
    let parsed = parse(&[], &opts);
    assert!(parsed.children.is_empty() && parsed.problems.is_empty());

    let files = [
        InputFile {
            name: "empty.csv".into(),
            bytes: Vec::new(),
        },
        InputFile {
            name: "blank.csv".into(),
            bytes: b"\r\n\r\n".to_vec(),
        },
        InputFile {
            name: "binary.csv".into(),
            bytes: vec![0xff, 0xfe, 0x00, 0x41, 0x0a, 0x80],
        },
        InputFile {
            name: "reviews.csv".into(),
            bytes: b"CHILD,DOB,REVIEW,REVIEW_CODE\n1,01/01/2010,01/01/2017,PN1\n2,01/01/2010\n"
                .to_vec(),
        },
    ];
    let parsed = parse(&files, &opts);
    assert!(parsed.children.is_empty());
    let kinds: Vec<(&str, K)> = parsed
        .problems
        .iter()
        .map(|p| (p.file.as_str(), p.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("empty.csv", K::UnreadableFile),
            ("blank.csv", K::UnreadableFile),
            ("binary.csv", K::UnrecognisedFile),
            ("reviews.csv", K::NoHeaderTable),
            ("reviews.csv", K::UnknownChild),
            ("reviews.csv", K::MalformedRow),
        ]
    );
    assert_eq!((parsed.rows_read, parsed.rows_rejected), (3, 3));
}

#[test]
fn count_only_tables_are_recognised_and_counted() {
    let files = [
        InputFile { name: "a.csv".into(), bytes: b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,M,01/01/2010,WBRI,,,\n".to_vec() },
        InputFile {
            name: "b.csv".into(),
            bytes: b"CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\n1,01/01/2010,SW1,01/01/2017,,\n2,01/01/2010,SW2,01/01/2017,,\n".to_vec(),
        },
        InputFile { name: "c.csv".into(), bytes: b"CHILD,SEX,DOB,DUC\n1,M,01/01/2010,01/01/2028\n".to_vec() },
    ];
    let parsed = parse(&files, &options());
    assert_eq!(
        parsed.tables,
        [
            ("a.csv".to_owned(), Table::Header),
            ("b.csv".to_owned(), Table::SwEpisodes),
            ("c.csv".to_owned(), Table::Uasc)
        ]
    );
    assert_eq!(
        parsed.table_rows,
        [(Table::Header, 1), (Table::Uasc, 1), (Table::SwEpisodes, 2)]
    );
    // Not imported, so an unknown child there is only a warning.
    assert_eq!(parsed.problems.len(), 1);
    let p = &parsed.problems[0];
    assert_eq!(
        (p.kind, p.severity, p.file.as_str(), p.line),
        (K::UnknownChild, Severity::Warning, "b.csv", 3)
    );
    assert_eq!(
        (
            parsed.rows_read,
            parsed.rows_rejected,
            parsed.rows_with_warnings
        ),
        (4, 0, 1)
    );
    assert_eq!(parsed.children.len(), 1);
}
