//! Merging an imported child into an existing care record.

mod common;

use carecheck_sdk::record::{CareRecord, MentalHealthOutcome, Participation, Sex};
use carecheck_ssda903::merge;
use common::{child, date, fixture};

fn existing() -> CareRecord {
    serde_json::from_value(serde_json::json!({
        "child": {
            "id": "1501", "responsible_authority": "E09000002", "name": "Test Child",
            "date_of_birth": "2010-01-02", "date_of_birth_approximate": true, "sex": "M",
            "legal_status": "V2", "upn": "OLD000000000A"
        },
        "periods_of_care": [{ "episodes": [{ "start": "2016-01-01", "end": "2016-02-01" }] }],
        "placements": [
            { "id": "1501-2017-01-01", "start": "2017-01-01", "placement_type": "U6",
              "location_authority": "E08000035", "distant": true, "area_authority_notified": "2017-01-03",
              "health_commissioner": "ICB Leeds" },
            { "id": "1501-2016-01-01", "start": "2016-01-01", "end": "2016-02-01" },
            { "id": "manual-1", "start": "2015-05-01", "placement_type": "Z1" }
        ],
        "iro_assignments": [{ "iro_id": "iro-7", "from": "2017-01-05" }],
        "reviews": [
            { "date": "2017-01-20", "chair_iro_id": "iro-7", "participation": "PN7",
              "accompaniment": { "asked": true, "chosen": "aunt" },
              "mental_health": { "outcome": "partly-met", "actions": ["refer to CAMHS"] },
              "items_discussed": ["contact"],
              "preparation": { "child_consulted": "2017-01-10", "papers": { "care_plan": "2017-01-16" },
                               "decisions_circulated": "2017-01-25" } },
            { "date": "2016-06-01", "participation": "PN1" }
        ],
        "next_review": { "planned_date": "2017-07-20", "child_consulted": "2017-07-01" },
        "health": {
            "assessments": [{ "kind": "initial", "date": "2017-01-15" }],
            "sdq": [
                { "date": "2018-03-31", "date_approximate": true, "score": 30 },
                { "date": "2017-03-31", "date_approximate": true, "score": 12 },
                { "date": "2017-09-01", "score": 20, "completed_by": "main-carer" }
            ]
        },
        "caregivers": [{ "id": "cg-1", "kind": "foster", "from": "2017-01-01", "supervising_social_worker": "SW 12" }],
        "education": { "school": { "name": "Hill School" }, "pep_reviews": ["2017-02-01"] }
    }))
    .unwrap()
}

#[test]
fn merge_keeps_what_the_return_does_not_cover() {
    let parsed = fixture("merge");
    assert!(parsed.problems.is_empty(), "{:#?}", parsed.problems);
    let imported = child(&parsed, "1501");
    let before = existing();
    let merged = merge(Some(before.clone()), imported);

    // Identity from the return; the name stays.
    assert_eq!(merged.child.responsible_authority, "E09000001");
    assert_eq!(merged.child.date_of_birth, Some(date(1, 1, 2010)));
    assert!(!merged.child.date_of_birth_approximate);
    assert_eq!(merged.child.sex, Some(Sex::Female));
    assert_eq!(merged.child.upn.as_deref(), Some("B123456789012"));
    assert_eq!(merged.child.legal_status.as_deref(), Some("C2"));
    assert_eq!(merged.child.name.as_deref(), Some("Test Child"));

    // Periods of care replaced.
    assert_eq!(merged.periods_of_care, imported.periods_of_care);

    // Placements: return ones replaced (local fields kept by id), stale return one gone, manual one kept.
    let ids: Vec<&str> = merged.placements.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["manual-1", "1501-2017-01-01", "1501-2017-06-01"]);
    let p = &merged.placements[1];
    assert_eq!(p.placement_type.as_deref(), Some("U1"));
    assert_eq!(p.end, Some(date(1, 6, 2017)));
    assert_eq!(p.location_authority.as_deref(), Some("E08000035"));
    assert_eq!(p.distant, Some(true));
    assert_eq!(p.area_authority_notified, Some(date(3, 1, 2017)));
    assert_eq!(p.health_commissioner.as_deref(), Some("ICB Leeds"));
    assert_eq!(merged.placements[2].location_authority, None);

    // Reviews merged by date: the mental-health item, chair and accompaniment stay.
    assert_eq!(merged.reviews.len(), 3);
    let jan = merged
        .reviews
        .iter()
        .find(|r| r.date == date(20, 1, 2017))
        .unwrap();
    assert_eq!(jan.participation, Some(Participation::PN2));
    assert_eq!(jan.chair_iro_id.as_deref(), Some("iro-7"));
    assert_eq!(jan.accompaniment, before.reviews[0].accompaniment);
    assert_eq!(
        jan.mental_health.as_ref().map(|m| m.outcome),
        Some(MentalHealthOutcome::PartlyMet)
    );
    assert_eq!(jan.items_discussed, ["contact"]);
    assert_eq!(jan.preparation, before.reviews[0].preparation);
    assert!(jan.preparation.is_some());
    let apr = merged
        .reviews
        .iter()
        .find(|r| r.date == date(20, 4, 2017))
        .unwrap();
    assert_eq!(
        (apr.participation, apr.mental_health.as_ref()),
        (Some(Participation::PN3), None)
    );
    assert!(
        merged.reviews.iter().any(|r| r.date == date(1, 6, 2016)),
        "reviews the return does not mention stay"
    );

    // SDQ: this year's approximate one replaced; other years' and dated ones kept.
    let sdq: Vec<(chrono::NaiveDate, Option<u8>, bool)> = merged
        .health
        .sdq
        .iter()
        .map(|s| (s.date, s.score, s.date_approximate))
        .collect();
    assert_eq!(
        sdq,
        [
            (date(31, 3, 2017), Some(12), true),
            (date(1, 9, 2017), Some(20), false),
            (date(31, 3, 2018), Some(15), true)
        ]
    );

    // Untouched.
    assert_eq!(merged.caregivers, before.caregivers);
    assert_eq!(merged.iro_assignments, before.iro_assignments);
    assert_eq!(merged.health.assessments, before.health.assessments);
    assert_eq!(merged.education, before.education);
    assert_eq!(merged.next_review, before.next_review);

    // Merging the same return again changes nothing.
    assert_eq!(merge(Some(merged.clone()), imported), merged);
}

#[test]
fn merge_into_nothing_builds_a_record() {
    let parsed = fixture("merge");
    let imported = child(&parsed, "1501");
    let record = merge(None, imported);
    assert_eq!(record.schema_version, carecheck_sdk::record::SCHEMA_VERSION);
    assert_eq!(record.child, imported.child);
    assert_eq!(record.placements, imported.placements);
    assert_eq!(record.reviews, imported.reviews);
    assert_eq!(record.health.sdq, imported.sdq);
    assert!(record.caregivers.is_empty());
    // The return says nothing of how reviews were prepared for: not supplied, not "not done".
    assert!(record.reviews.iter().all(|r| r.preparation.is_none()));
    assert_eq!(record.next_review, None);
    assert!(!record.supplied(carecheck_sdk::Section::ReviewPreparation));
    assert!(record.supplied(carecheck_sdk::Section::ReviewDates));
    // It serialises as a care record.
    let json = serde_json::to_value(&record).unwrap();
    let back: CareRecord = serde_json::from_value(json).unwrap();
    assert_eq!(back, record);
}
