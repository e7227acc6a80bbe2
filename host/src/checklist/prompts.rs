//! Agenda prompts: what to ask at the review, in plain English, naming the child by first name.
//!
//! Each built-in check has a topic ("Sam's next review", "Sam's SDQ"); the prompt puts the
//! topic in a sentence chosen by the status (ask why a breach happened, confirm what is due
//! soon, ask for missing information…) and adds the policy's own message, which says exactly
//! what was found. A regulator's check has no topic here and is named by its title. The first
//! item, EWG 2017 recommendation 11, has a prompt of its own built from what the last review
//! recorded.

use carecheck_sdk::outcome::{CheckResult, Status};

use super::{Item, LEAD_CHECK, LEAD_POLICY};

/// The topic of a built-in check, with the child's name (`{}`); `None` for a check this table
/// does not know (a regulator's), which is then named by its title.
pub fn topic(check: &str) -> Option<&'static str> {
    Some(match check {
        "first-review" => "{}'s first review",
        "second-review" => "{}'s second review",
        "later-review" => "the timing of {}'s reviews",
        "review-date-valid" => "the review dates in {}'s record",
        "placement-change-reviewed" => "{}'s placement move",
        "iro-before-first-review" => "an IRO being appointed for {} before the first review",
        "iro-assigned-now" => "{}'s IRO",
        "iro-allocated" => "allocating an IRO to {} when they became looked after",
        "papers-with-iro" => "the papers for {}'s review reaching the IRO in time",
        "child-consulted" => "consulting {} before the review",
        "iro-spoke-with-child" => "the IRO speaking with {} before the review",
        "decisions-circulated" => "circulating the decisions of {}'s review",
        "record-circulated" => "circulating the record of {}'s review",
        "mental-health-reviewed" => "whether {}'s reviews consider their mental health",
        "mental-health-actions" => "the actions agreed for {}'s mental health",
        "views-conveyed" => "{}'s views at each review",
        "initial-health-assessment" => "{}'s initial health assessment",
        "review-health-assessment" => "{}'s review health assessment",
        "sdq-annual" => "{}'s SDQ",
        "high-sdq-assessment" => "a mental-health assessment after {}'s high SDQ score",
        "borderline-sdq" => "follow-up of {}'s borderline SDQ score",
        "referral-seen" => "how long {} has waited to be seen after a mental-health referral",
        "assessment-accompaniment" => "who {} wanted with them at mental-health assessments",
        "wellbeing-support" => "wellbeing support for {}'s carer",
        "local-offer" => "whether {}'s carer knows the local offer",
        "mental-health-training" => "mental-health training for {}'s carer",
        "supervising-social-worker" => "a supervising social worker for {}'s foster carer",
        "unannounced-visit" => "an unannounced visit to {}'s foster carer",
        "area-authority-notified" => "notice to the area authority of {}'s placement",
        "distant-placement-approved" => "the director's approval of {}'s distant placement",
        "health-commissioner-recorded" => "who commissions {}'s health care out of area",
        "mental-health-service-named" => "who provides {}'s mental-health services out of area",
        "lead-named" => "a virtual mental health lead for {}",
        "designated-teacher" => "a designated teacher at {}'s school",
        "designated-teacher-trained" => "the designated teacher's mental-health training",
        "pep-review" => "{}'s personal education plan",
        "pathway-plan-review" => "{}'s pathway plan",
        "personal-adviser" => "a personal adviser for {}",
        "plan-addresses-mental-health" => "{}'s mental health in the pathway plan",
        _ => return None,
    })
}

fn topic_for(who: &str, title: &str, check: &str) -> String {
    match topic(check) {
        Some(t) => t.replace("{}", who),
        None => format!("\u{201c}{title}\u{201d}"),
    }
}

/// Upper-cases the first letter ("the child's…" opening a sentence).
fn sentence(text: String) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// The prompt for one result.
pub fn for_result(who: &str, title: &str, r: &CheckResult) -> String {
    let topic = topic_for(who, title, &r.check);
    let lead = match r.status {
        Status::Breach => {
            format!("Ask why {topic} is not in order, and agree who will put it right and by when")
        }
        Status::DueSoon => format!("Confirm {topic} will be done in time"),
        Status::Warning => format!("Raise {topic}"),
        Status::InsufficientData => format!("Ask for the missing information about {topic}"),
        Status::Upcoming => format!("Note when {topic} is next due"),
        Status::Met => format!("No action needed on {topic}"),
        Status::NotApplicable => format!("Nothing to raise about {topic}"),
    };
    format!("{}: {}", sentence(lead), r.message)
}

/// The prompt for a policy that failed.
pub fn failed() -> String {
    "This check could not be run: ask the carecheck administrator, and check the record by hand."
        .into()
}

fn evidence<'a>(r: &'a CheckResult, field: &str) -> Option<&'a str> {
    r.evidence
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, v)| v.as_str())
}

/// The first item's prompt, from the last review's mental-health item (the current
/// `mental-health-reviewed` result) and the current `mental-health-actions` result.
pub fn lead(who: &str, item: &Item, actions: Option<&CheckResult>) -> String {
    let ask = format!("Ask whether {who}'s mental health needs have been met");
    let outcome = item
        .evidence
        .iter()
        .find(|e| e.field == "outcome")
        .map(|e| e.value.as_str());
    let agreed = actions
        .and_then(|a| evidence(a, "actions"))
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(0);
    let text = match (item.status.as_str(), outcome) {
        ("met", Some(o @ ("needs partly met" | "needs not met"))) if agreed == 0 => {
            format!("{ask}: the last review recorded '{o}' with no action.")
        }
        ("met", Some(o @ ("needs partly met" | "needs not met"))) => format!(
            "{ask}: the last review recorded '{o}' and agreed {}; ask what has been done.",
            carecheck_sdk::dates::plural(agreed, "action")
        ),
        ("met", Some(o)) => {
            format!("{ask}, and whether they still are: the last review recorded '{o}'.")
        }
        ("breach", Some("not discussed")) => {
            format!("{ask}: the last review did not discuss {who}'s mental health.")
        }
        ("breach", _) => format!("{ask}: the last review recorded no mental-health item."),
        ("not_applicable", _) => format!("{ask}: no earlier review has considered them."),
        _ => format!("{ask}: {}", item.message),
    };
    format!("{text} (EWG 2017 recommendation 11)")
}

/// The first item when the pack in force does not evaluate recommendation 11: the question
/// stays on the agenda.
pub fn lead_not_evaluated(who: &str) -> Item {
    Item {
        policy: LEAD_POLICY.into(),
        regulator: None,
        check: LEAD_CHECK.into(),
        title: "Each review considers whether the child's mental health needs have been met".into(),
        status: "not_evaluated".into(),
        basis: "guidance".into(),
        citation: "EWG 2017 rec 11".into(),
        subject: "review".into(),
        message: "The policies in force for this checklist do not check this recommendation."
            .into(),
        due: None,
        days_late: None,
        days_until_due: None,
        timing: None,
        evidence: Vec::new(),
        prompt: format!(
            "Ask whether {who}'s mental health needs have been met: this checklist did not evaluate it, so ask at the review (EWG 2017 recommendation 11)."
        ),
        current: true,
        history: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Evidence;

    fn lead_item(status: &str, outcome: Option<&str>) -> Item {
        let mut item = lead_not_evaluated("Sam");
        item.status = status.into();
        item.evidence = outcome
            .map(|o| {
                vec![Evidence {
                    field: "outcome".into(),
                    value: o.into(),
                }]
            })
            .unwrap_or_default();
        item
    }

    fn actions(n: u32) -> CheckResult {
        CheckResult {
            check: "mental-health-actions".into(),
            status: if n == 0 { Status::Breach } else { Status::Met },
            due: None,
            done: None,
            subject: "review 2026-06-01".into(),
            message: String::new(),
            evidence: vec![("actions".into(), n.to_string())],
            citation: "EWG 2017 rec 11".into(),
            current: true,
        }
    }

    #[test]
    fn the_lead_prompt_says_what_the_last_review_recorded() {
        assert_eq!(
            lead(
                "Sam",
                &lead_item("met", Some("needs partly met")),
                Some(&actions(0))
            ),
            "Ask whether Sam's mental health needs have been met: the last review recorded 'needs partly met' with no action. (EWG 2017 recommendation 11)"
        );
        assert!(
            lead(
                "Sam",
                &lead_item("met", Some("needs not met")),
                Some(&actions(2))
            )
            .contains("agreed 2 actions")
        );
        assert!(
            lead("Sam", &lead_item("breach", Some("not discussed")), None)
                .contains("did not discuss Sam's")
        );
        assert!(lead("Sam", &lead_item("breach", None), None).contains("no mental-health item"));
    }

    #[test]
    fn prompts_name_the_child_and_say_what_was_found() {
        let r = CheckResult {
            check: "sdq-annual".into(),
            status: Status::Breach,
            due: None,
            done: None,
            subject: "SDQ".into(),
            message: "No SDQ since 3 Mar 2025.".into(),
            evidence: vec![],
            citation: Default::default(),
            current: true,
        };
        assert_eq!(
            for_result("Sam", "SDQ at least every 12 months", &r),
            "Ask why Sam's SDQ is not in order, and agree who will put it right and by when: No SDQ since 3 Mar 2025."
        );
        let unknown = CheckResult {
            check: "regulator-check".into(),
            status: Status::Met,
            ..r
        };
        assert!(
            for_result("the child", "A regulator's rule", &unknown)
                .starts_with("No action needed on \u{201c}A regulator's rule\u{201d}")
        );
    }
}
