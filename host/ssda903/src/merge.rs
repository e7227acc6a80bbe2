//! Folding an imported child into the record the store already holds.

use std::collections::HashMap;

use carecheck_sdk::record::{CareRecord, Child, Placement, Provenance, Section};
use chrono::NaiveDate;

use crate::ImportedChild;

/// Merges what the return covers into an existing record (or a new one).
///
/// Replaced from the return: the child's id, responsible authority, date of birth, sex, UPN
/// (when the return gives one) and legal status (when the return has episodes); all periods
/// of care; the placements that came from a return (id `"<CHILD>-<yyyy-mm-dd>"`), keeping on
/// each the fields the return does not carry (location authority, distance, emergency,
/// notification and approval dates, health commissioner, mental-health service); the SDQ of
/// the same collection year that an earlier import gave (approximate, dated 31 March).
///
/// Reviews are merged by date: a review already on the record for that date keeps its chair,
/// accompaniment, mental-health item, items discussed and preparation and takes the return's
/// participation code; a new date is added. Reviews the return does not mention are kept (the record may
/// hold reviews entered by hand; the return cannot tell which came from an earlier import).
///
/// Untouched: the name, placements entered by hand, caregivers, IRO assignments, the virtual
/// mental-health lead, the next review planned, health assessments, dental checks, other SDQs,
/// mental-health assessments and referrals, education and leaving care.
///
/// Provenance: a new record says the return supplied only the sections it covers
/// ([`Section::SSDA903`]), complete to 31 March of the collection year, so no check reads a
/// section the return never carries as "did not happen". A record that already lists its
/// sources has the return's entries replaced by this return's; a record without provenance was
/// supplied whole by its author and stays so.
pub fn merge(existing: Option<CareRecord>, imported: &ImportedChild) -> CareRecord {
    let existed = existing.is_some();
    let mut record = existing.unwrap_or_else(|| CareRecord::new(Child::default()));
    let supplied = Provenance::from_source(
        SOURCE,
        Some(imported.collection_year_end),
        &Section::SSDA903,
    );
    record.provenance = match record.provenance.take() {
        None if existed => None,
        None => Some(supplied),
        Some(mut earlier) => {
            earlier.sections.retain(|s| s.source != SOURCE);
            earlier.sections.extend(supplied.sections);
            Some(earlier)
        }
    };

    let from = &imported.child;
    let child = &mut record.child;
    child.id.clone_from(&imported.child_id);
    child
        .responsible_authority
        .clone_from(&from.responsible_authority);
    if let Some(dob) = from.date_of_birth {
        child.date_of_birth = Some(dob);
        child.date_of_birth_approximate = false;
    }
    if from.sex.is_some() {
        child.sex = from.sex;
    }
    if from.upn.is_some() {
        child.upn.clone_from(&from.upn);
    }
    if from.legal_status.is_some() {
        child.legal_status.clone_from(&from.legal_status);
    }

    record.periods_of_care = imported.periods_of_care.clone();

    // Placements: earlier return placements by id (to keep their local fields), the rest kept.
    let mut earlier: HashMap<String, Placement> = HashMap::new();
    let mut placements = Vec::with_capacity(record.placements.len() + imported.placements.len());
    for p in std::mem::take(&mut record.placements) {
        if is_return_placement_id(&p.id, &imported.child_id) {
            earlier.insert(p.id.clone(), p);
        } else {
            placements.push(p);
        }
    }
    for new in &imported.placements {
        let mut p = new.clone();
        if let Some(old) = earlier.remove(&new.id) {
            p.location_authority = old.location_authority;
            p.distant = old.distant;
            p.emergency = old.emergency;
            p.area_authority_notified = old.area_authority_notified;
            p.director_approved = old.director_approved;
            p.health_commissioner = old.health_commissioner;
            p.mental_health_service = old.mental_health_service;
        }
        placements.push(p);
    }
    placements.sort_by_key(|a| a.start);
    record.placements = placements;

    for new in &imported.reviews {
        match record.reviews.iter_mut().find(|r| r.date == new.date) {
            Some(old) => {
                old.date_approximate = false;
                if new.participation.is_some() {
                    old.participation = new.participation;
                }
            }
            None => record.reviews.push(new.clone()),
        }
    }

    let year_end = imported.collection_year_end;
    record
        .health
        .sdq
        .retain(|s| !(s.date_approximate && s.date == year_end));
    record.health.sdq.extend(imported.sdq.iter().cloned());

    record
}

/// How provenance names this source.
const SOURCE: &str = "ssda903";

/// `"<child>-<yyyy-mm-dd>"`: the id [`crate::parse`] gives a placement.
fn is_return_placement_id(id: &str, child: &str) -> bool {
    id.strip_prefix(child)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|date| NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok() && date.len() == 10)
}
