//! `out-of-area-responsibility`: when a child is placed outside the responsible authority's area,
//! the area authority is told, a distant placement is approved first, and someone is named as
//! responsible for the child's health and mental health.
//!
//! Sources: the Care Planning, Placement and Case Review (England) Regulations 2010 (CPPCR)
//! reg 11 and reg 13(4), as amended by SI 2013/3239 (in force 27 Jan 2014): a placement outside
//! the responsible authority's area and not in an adjoining authority ("at a distance",
//! reg 11(5)) must be approved by the director of children's services before it is put into
//! effect, and the area authority must be notified of an out-of-area placement before it starts,
//! or within 5 working days of its start when it is made in an emergency. NHS England's "Who
//! Pays?" guidance keeps the placing authority's health commissioner (ICB) responsible after the
//! move, and the House of Commons Education Committee ("Mental health and well-being of
//! looked-after children", April 2016, paras 81-84) asks that no child wait for mental health
//! services because of a move.
//!
//! Scope: every placement current on the evaluation date (started on or before it, not ended
//! before it) or started in the 12 months up to it, whose `location_authority` differs from the
//! child's `responsible_authority`. For each such placement (subject `placement <id>`):
//! - `area-authority-notified` (statutory, reg 13(4)): `area_authority_notified` on or before the
//!   start; for an `emergency` placement, within `emergency_notification_working_days` (5) working
//!   days of the start (the start day does not count; day 1 is the next working day).
//! - `distant-placement-approved` (statutory, reg 11(5)): when `distant` is true,
//!   `director_approved` on or before the start. `distant` false (an adjoining authority):
//!   `not_applicable`; not recorded: `insufficient_data`.
//! - `health-commissioner-recorded` (guidance, Who Pays?): a health commissioner is recorded.
//! - `mental-health-service-named` (basis `local`; HC 2016 paras 81-84): a mental health service
//!   is assigned within `service_working_days` (20) working days of the start. The guidance asks
//!   that the record name who is responsible and that no child wait because of a move, but fixes
//!   no timescale: 20 working days is a local default, so the message says "local timescale:
//!   20 working days" and a service named later, or not yet named after it, is a `warning`,
//!   never a `breach`.
//!
//! When no placement is in scope, or every placement in scope is inside the responsible
//! authority, each check gives one `not_applicable` result (subject `record`), not one per
//! placement.
//!
//! Readings chosen where the reference is silent (a careful IRO's reading):
//! - "Started in the last 12 months" means a start on or after the same date 12 months before
//!   the evaluation date (clipped to the month's end, as every month count is). A placement that
//!   has ended but started in that window is still checked: the duties fell due when it began.
//! - Authority codes are compared ignoring surrounding spaces and letter case ("e09000001" and
//!   "E09000001" are the same authority). A placement with no `location_authority` cannot be
//!   placed inside or outside the area: each check gives `insufficient_data` for it. A record with
//!   placements in scope but no `responsible_authority` gives one `insufficient_data` per check
//!   (subject `child`).
//! - Notification and approval on the day the placement starts count as "before placement": the
//!   record holds dates, not times. Notice given any time before the start is on time.
//! - Whether the placement was an emergency is taken from the placement's `emergency` flag; the
//!   5-working-day allowance applies to notification only. The regulation gives no emergency
//!   exception for the director's approval of a distant placement, so none is assumed.
//! - `health-commissioner-recorded` has no timescale in the guidance: no commissioner recorded for
//!   an out-of-area placement in scope is a `breach`, with no due date.
//! - A mental health service named before the placement started is on time. When the placement
//!   ended before the local timescale ran out and none was named, nothing was owed:
//!   `not_applicable` (a short placement still gets the notification checks).
//! - A notification, approval or assignment dated after the evaluation date is a data error:
//!   `insufficient_data` naming the field, never evidence. A placement starting after the
//!   evaluation date is not current and did not start in the last 12 months, so it is not checked.
//! - A working-day deadline beyond the calendar the host passes gives `insufficient_data` naming
//!   the calendar rather than a guess.
//! - `emergency_notification_working_days` and `service_working_days` may be shortened, to 0 at
//!   the least (0 means by the start day itself); neither may be lengthened.
//! - `current`: the results for a placement current on the evaluation date; a placement that has
//!   ended (checked because it began in the last 12 months) is history. Data errors and the
//!   record-wide results are current. Data errors carry no due date.
//! - Provenance: the checks need the placements (`placements.dates`), their out-of-area details
//!   (`placements.out_of_area`: location authority, distance, emergency, notice, approval), for
//!   the last two checks their health details (`placements.health`), and the child's details
//!   (the responsible authority). An SSDA903 return supplies the placements but not the
//!   out-of-area details, so when a placement is in scope an SSDA903-only record gives one
//!   `insufficient_data` per check naming `placements.out_of_area`, never a breach. With no
//!   placement in scope the checks are `not_applicable` whatever the provenance.

use carecheck_sdk::outcome::{describe, describe_local, timescale};
use carecheck_sdk::record::{Placement, Section};
use carecheck_sdk::settings::{Settings, at_most};
use carecheck_sdk::text;
use carecheck_sdk::text::Long;
use carecheck_sdk::{
    About, CareRecord, CheckInfo, CheckResult, Context, NaiveDate, Policy, Status,
};
use chrono::Months;
use schemars::JsonSchema;
use serde::Deserialize;

pub struct OutOfAreaResponsibility;

const EMERGENCY_NOTIFICATION_WORKING_DAYS: u32 = 5;
const SERVICE_WORKING_DAYS: u32 = 20;
/// How far back a placement that has ended is still checked.
const LOOK_BACK_MONTHS: u32 = 12;

/// Settings. A local authority may shorten these periods, never lengthen them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OutOfAreaSettings {
    /// Working days after the start of an emergency placement by which the area authority must
    /// be notified (CPPCR 2010 reg 13(4): 5).
    pub emergency_notification_working_days: u32,
    /// Working days after the start of an out-of-area placement by which a mental health service
    /// must be named as responsible for the child (HC 2016 paras 81-84; carecheck default 20).
    pub service_working_days: u32,
}

impl Default for OutOfAreaSettings {
    fn default() -> Self {
        Self {
            emergency_notification_working_days: EMERGENCY_NOTIFICATION_WORKING_DAYS,
            service_working_days: SERVICE_WORKING_DAYS,
        }
    }
}

impl Settings for OutOfAreaSettings {
    fn check(&self) -> Result<(), String> {
        at_most(
            "emergency_notification_working_days",
            self.emergency_notification_working_days,
            EMERGENCY_NOTIFICATION_WORKING_DAYS,
            "CPPCR 2010 reg 13(4)",
        )?;
        at_most(
            "service_working_days",
            self.service_working_days,
            SERVICE_WORKING_DAYS,
            "HC 2016 paras 81-84 (carecheck default)",
        )
    }
}

fn checks() -> [CheckInfo; 4] {
    [
        CheckInfo::statutory(
            "area-authority-notified",
            "Area authority notified before an out-of-area placement (within 5 working days in an emergency)",
            "CPPCR 2010 reg 13(4)",
        ),
        CheckInfo::statutory(
            "distant-placement-approved",
            "Distant placement approved by the director of children's services before it started",
            "CPPCR 2010 reg 11(5) (as substituted by SI 2013/3239)",
        ),
        CheckInfo::guidance(
            "health-commissioner-recorded",
            "Responsible health commissioner recorded for an out-of-area placement",
            "NHS England, Who Pays? (responsible commissioner guidance)",
        ),
        CheckInfo::local(
            "mental-health-service-named",
            "Mental health service named within the local timescale (default 20 working days) of an out-of-area placement",
            "HC 2016 paras 81-84",
        ),
    ]
}

impl Policy for OutOfAreaResponsibility {
    type Record = CareRecord;
    type Settings = OutOfAreaSettings;

    fn about() -> About {
        About {
            id: "out-of-area-responsibility",
            version: env!("CARGO_PKG_VERSION"),
            title: "Out-of-area placements",
            description: "For each placement outside the responsible authority, checks that the \
                          area authority was notified, a distant placement was approved by the \
                          director first, and a health commissioner and mental health service are \
                          named.",
            author: "carecheck",
            citations: &[
                "CPPCR 2010 reg 11 (as amended by SI 2013/3239)",
                "CPPCR 2010 reg 13(4)",
                "NHS England, Who Pays? (responsible commissioner guidance)",
                "HC 2016 paras 81-84",
            ],
            checks: checks().to_vec(),
            reads: &[
                "/child/responsible_authority",
                "/placements/*/id",
                "/placements/*/start",
                "/placements/*/end",
                "/placements/*/location_authority",
                "/placements/*/distant",
                "/placements/*/emergency",
                "/placements/*/area_authority_notified",
                "/placements/*/director_approved",
                "/placements/*/health_commissioner",
                "/placements/*/mental_health_service/service",
                "/placements/*/mental_health_service/assigned",
                "/provenance",
            ],
            effective_from: NaiveDate::from_ymd_opt(2014, 1, 27).expect("valid date"),
        }
    }

    fn evaluate(ctx: &Context, record: &CareRecord, s: &OutOfAreaSettings) -> Vec<CheckResult> {
        let checks = checks();
        let today = ctx.evaluation_date;
        if !record.supplied(Section::PlacementDates) {
            return checks
                .iter()
                .map(|c| c.not_supplied("record", record, Section::PlacementDates))
                .collect();
        }
        let window_start = today
            .checked_sub_months(Months::new(LOOK_BACK_MONTHS))
            .unwrap_or(NaiveDate::MIN);
        let in_scope: Vec<&Placement> = record
            .placements
            .iter()
            .filter(|p| {
                p.start <= today && (p.end.is_none_or(|e| e >= today) || p.start >= window_start)
            })
            .collect();
        let each = |status: Status, subject: &str, message: &str| -> Vec<CheckResult> {
            checks
                .iter()
                .map(|c| c.result(status, subject, message).with_current(true))
                .collect()
        };
        if in_scope.is_empty() {
            return each(
                Status::NotApplicable,
                "record",
                &text![
                    "No placement is current on ",
                    Long(today),
                    " or started in the 12 months before it, so there is no out-of-area placement to check."
                ],
            );
        }
        if let Some(section) = record.unsupplied(&[Section::Child, Section::PlacementOutOfArea]) {
            return checks
                .iter()
                .map(|c| c.not_supplied("record", record, section))
                .collect();
        }
        let Some(responsible) = non_empty(Some(&record.child.responsible_authority)) else {
            return checks
                .iter()
                .map(|c| {
                    c.insufficient(
                        "child",
                        "child.responsible_authority",
                        "The child's responsible authority is not recorded, so it cannot be told whether any placement is out of area; record the responsible authority.",
                    )
                    .with_current(true)
                })
                .collect();
        };
        let health_missing = record.unsupplied(&[Section::PlacementHealth]);
        let [notified, distant, commissioner, service] = &checks;
        let mut results = Vec::new();
        for p in in_scope {
            let subject = text!["placement ", &p.id];
            let open = p.end.is_none_or(|e| e >= today);
            let Some(location) = non_empty(p.location_authority.as_deref()) else {
                for c in &checks {
                    results.push(
                        c.insufficient(
                            subject.clone(),
                            "placements[].location_authority",
                            text![
                                "The local authority placement ",
                                &p.id,
                                " is in is not recorded, so it cannot be told whether the placement is out of area; record its location authority.",
                            ],
                        )
                        .with_current(true),
                    );
                }
                continue;
            };
            if location.eq_ignore_ascii_case(responsible) {
                continue;
            }
            let base = |r: CheckResult| {
                let current = open || r.status == Status::InsufficientData;
                r.with_evidence("location_authority", location)
                    .with_evidence("responsible_authority", responsible)
                    .with_evidence("placement_start", p.start)
                    .with_current(current)
            };
            results.push(base(notification(ctx, notified, p, location, s)));
            results.push(base(distant_approval(ctx, distant, p, location)));
            match health_missing {
                Some(section) => {
                    for c in [commissioner, service] {
                        results.push(base(c.not_supplied(subject.clone(), record, section)));
                    }
                }
                None => {
                    results.push(base(commissioner_recorded(commissioner, p, location)));
                    results.push(base(service_named(ctx, service, p, s)));
                }
            }
        }
        if results.is_empty() {
            return each(
                Status::NotApplicable,
                "record",
                &text![
                    "Every placement current on ",
                    Long(today),
                    " or started in the 12 months before it is inside the responsible authority (",
                    &responsible,
                    "), so the out-of-area duties do not apply."
                ],
            );
        }
        results
    }
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

fn future_error(
    ctx: &Context,
    info: &CheckInfo,
    p: &Placement,
    field: &str,
    what: &str,
    date: NaiveDate,
) -> CheckResult {
    info.insufficient(
        text!["placement ", &p.id],
        field,
        text![
            "The ",
            &what,
            " for placement ",
            &p.id,
            " is dated ",
            Long(date),
            ", after the evaluation date ",
            Long(ctx.evaluation_date),
            "; correct the date before it is counted."
        ],
    )
    .with_evidence("recorded_date", date)
}

fn calendar_error(
    info: &CheckInfo,
    p: &Placement,
    what: &str,
    e: impl std::fmt::Display,
) -> CheckResult {
    info.insufficient(
        text!["placement ", &p.id],
        "calendar",
        text![
            "The date for ",
            &what,
            " for placement ",
            &p.id,
            " cannot be counted: ",
            e.to_string(),
            "."
        ],
    )
}

fn notification(
    ctx: &Context,
    info: &CheckInfo,
    p: &Placement,
    location: &str,
    s: &OutOfAreaSettings,
) -> CheckResult {
    let subject = text!["placement ", &p.id];
    if let Some(date) = p.area_authority_notified
        && ctx.is_future(date)
    {
        return future_error(
            ctx,
            info,
            p,
            "placements[].area_authority_notified",
            "notice to the area authority",
            date,
        );
    }
    let due = if p.emergency {
        match ctx.add_working_days(p.start, s.emergency_notification_working_days) {
            Ok(due) => due,
            Err(e) => return calendar_error(info, p, "notifying the area authority", e),
        }
    } else {
        p.start
    };
    let timing = ctx.timing(due, p.area_authority_notified);
    let kind = if p.emergency {
        "emergency placement"
    } else {
        "placement"
    };
    let what = text![
        "Notice to the area authority (",
        &location,
        ") of ",
        &kind,
        " ",
        &p.id,
        " (started ",
        Long(p.start),
        ")"
    ];
    let mut result = info
        .result(
            timing.status(),
            subject,
            describe(&what, "given", due, timing),
        )
        .with_due(due)
        .with_evidence("emergency", p.emergency);
    if let Some(date) = p.area_authority_notified {
        result = result.with_evidence("area_authority_notified", date);
    }
    result
}

fn distant_approval(ctx: &Context, info: &CheckInfo, p: &Placement, location: &str) -> CheckResult {
    let subject = text!["placement ", &p.id];
    match p.distant {
        None => info.insufficient(
            subject,
            "placements[].distant",
            text![
                "Whether placement ",
                &p.id,
                " in ",
                &location,
                " is at a distance (not in an authority adjoining the responsible authority) is not recorded; record it so the director's approval can be checked.",
            ],
        ),
        Some(false) => info.result(
            Status::NotApplicable,
            subject,
            text![
                "Placement ",
                &p.id,
                " is in an adjoining authority (",
                &location,
                "), not at a distance, so the director's approval is not needed.",
            ],
        ),
        Some(true) => {
            if let Some(date) = p.director_approved
                && ctx.is_future(date)
            {
                return future_error(
                    ctx,
                    info,
                    p,
                    "placements[].director_approved",
                    "director's approval",
                    date,
                );
            }
            let timing = ctx.timing(p.start, p.director_approved);
            let what = text![
                "The director's approval of distant placement ",
                &p.id,
                " in ",
                &location,
            ];
            let mut result = info
                .result(
                    timing.status(),
                    subject,
                    describe(&what, "given", p.start, timing),
                )
                .with_due(p.start);
            if let Some(date) = p.director_approved {
                result = result.with_evidence("director_approved", date);
            }
            result
        }
    }
}

fn commissioner_recorded(info: &CheckInfo, p: &Placement, location: &str) -> CheckResult {
    let subject = text!["placement ", &p.id];
    match non_empty(p.health_commissioner.as_deref()) {
        Some(name) => info
            .result(
                Status::Met,
                subject,
                text![
                    "The health commissioner responsible for the child in placement ",
                    &p.id,
                    " is recorded as ",
                    &name,
                    ".",
                ],
            )
            .with_evidence("health_commissioner", name),
        None => info
            .result(
                Status::Breach,
                subject,
                text![
                    "No health commissioner is recorded for placement ",
                    &p.id,
                    " in ",
                    &location,
                    "; record which ICB is responsible for the child's health (normally the placing authority's, under Who Pays?).",
                ],
            )
            .with_evidence("missing_field", "placements[].health_commissioner"),
    }
}

fn service_named(
    ctx: &Context,
    info: &CheckInfo,
    p: &Placement,
    s: &OutOfAreaSettings,
) -> CheckResult {
    let subject = text!["placement ", &p.id];
    let assignment = p
        .mental_health_service
        .as_ref()
        .filter(|a| !a.service.trim().is_empty());
    if let Some(a) = assignment
        && ctx.is_future(a.assigned)
    {
        return future_error(
            ctx,
            info,
            p,
            "placements[].mental_health_service.assigned",
            "mental health service assignment",
            a.assigned,
        );
    }
    let due = match ctx.add_working_days(p.start, s.service_working_days) {
        Ok(due) => due,
        Err(e) => return calendar_error(info, p, "naming a mental health service", e),
    };
    if assignment.is_none()
        && let Some(end) = p.end
        && end < due
    {
        return info
            .result(
                Status::NotApplicable,
                subject,
                text![
                    "Placement ",
                    &p.id,
                    " ended on ",
                    Long(end),
                    ", before the local timescale for naming a mental health service ran out on ",
                    Long(due),
                    " (local timescale: ",
                    timescale(s.service_working_days, "working day"),
                    ")."
                ],
            )
            .with_due(due);
    }
    let timing = ctx.timing(due, assignment.map(|a| a.assigned));
    let what = text![
        "Naming the child's mental health service for placement ",
        &p.id,
        " (started ",
        Long(p.start),
        ")"
    ];
    let timescale = timescale(s.service_working_days, "working day");
    let mut result = info.timed(
        subject,
        due,
        timing,
        describe_local(&what, "done", due, timing, &timescale),
    );
    if let Some(a) = assignment {
        result = result
            .with_evidence("mental_health_service", a.service.trim())
            .with_evidence("assigned", a.assigned);
    }
    result
}

carecheck_sdk::export_policy!(OutOfAreaResponsibility);

#[cfg(test)]
mod tests;
