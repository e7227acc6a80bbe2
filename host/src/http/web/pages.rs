//! The pages themselves (maud), in GOV.UK Design System patterns: the header and service name,
//! a skip link, one `h1` per page, summary lists, tables, tags for statuses, the error summary,
//! and `details` for what is collapsed. No script: everything works with HTML and CSS alone.

use axum::http::StatusCode;
use carecheck_sdk::dates::{format_long, plural};
use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, html};

use super::super::checklist::{ChecklistView, Upcoming};
use crate::access::{Principal, Role};
use crate::checklist::Item;
use crate::checklist::service::UpcomingReview;
use crate::iros::IroWithCaseload;

/// A status as people read it, and the tag colour class.
fn status_label(status: &str) -> (&'static str, &'static str) {
    match status {
        "breach" => ("Breach", "tag--red"),
        "error" => ("Not checked: error", "tag--red"),
        "due_soon" => ("Due soon", "tag--orange"),
        "warning" => ("Warning", "tag--yellow"),
        "insufficient_data" => ("Insufficient data", "tag--purple"),
        "not_evaluated" => ("Not evaluated", "tag--purple"),
        "upcoming" => ("Upcoming", "tag--blue"),
        "met" => ("Met", "tag--green"),
        "not_applicable" => ("Not applicable", "tag--grey"),
        _ => ("Unknown", "tag--grey"),
    }
}

fn tag(status: &str) -> Markup {
    let (label, class) = status_label(status);
    html! { strong class={ "tag " (class) } { (label) } }
}

fn date(d: NaiveDate) -> String {
    format_long(d)
}

/// The page frame: skip link, header with the service name and navigation, the main content.
fn layout(title: &str, user: Option<(&Principal, &str)>, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – carecheck" }
                link rel="stylesheet" href="/assets/carecheck.css";
            }
            body {
                a href="#main-content" class="skip-link" { "Skip to main content" }
                header class="app-header" role="banner" {
                    div class="width-container app-header__inner" {
                        a href="/" class="app-header__service" { "carecheck" }
                        @if let Some((principal, csrf)) = user {
                            nav class="app-nav" aria-label="Menu" {
                                ul class="app-nav__list" {
                                    @if principal.role == Role::Iro {
                                        li { a href="/iro" class="app-nav__link" { "Upcoming reviews" } }
                                    }
                                    @if principal.role == Role::Admin {
                                        li { a href="/admin/iros" class="app-nav__link" { "IROs and caseloads" } }
                                    }
                                    li {
                                        form method="post" action="/sign-out" class="app-nav__form" {
                                            input type="hidden" name="csrf" value=(csrf);
                                            button type="submit" class="app-nav__button" { "Sign out" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                div class="width-container" {
                    main id="main-content" class="main" {
                        (main)
                    }
                }
                footer class="app-footer" role="contentinfo" {
                    div class="width-container" {
                        p { "carecheck checks looked-after children's care records against the CPPCR 2010, the Children Act 1989 and the 2017 expert working group's recommendations. Every view of a child's checklist is recorded." }
                    }
                }
            }
        }
    }
}

pub fn sign_in(csrf: &str, error: Option<&str>) -> Markup {
    let (group_class, described_by) = match error {
        Some(_) => ("form-group form-group--error", "token-hint token-error"),
        None => ("form-group", "token-hint"),
    };
    layout(
        "Sign in",
        None,
        html! {
            @if let Some(error) = error {
                div class="error-summary" aria-labelledby="error-summary-title" role="alert" tabindex="-1" {
                    h2 class="error-summary__title" id="error-summary-title" { "There is a problem" }
                    ul class="error-summary__list" {
                        li { a href="#token" { (error) } }
                    }
                }
            }
            h1 class="heading-l" { "Sign in to carecheck" }
            form method="post" action="/sign-in" novalidate {
                input type="hidden" name="csrf" value=(csrf);
                div class=(group_class) {
                    label class="label" for="token" { "Your carecheck token" }
                    div id="token-hint" class="hint" { "The token your carecheck administrator gave you. It starts with cc_." }
                    @if let Some(error) = error {
                        p id="token-error" class="error-message" { span class="visually-hidden" { "Error: " } (error) }
                    }
                    input class="input" id="token" name="token" type="password" autocomplete="off" spellcheck="false"
                        aria-describedby=(described_by);
                }
                button type="submit" class="button" { "Sign in" }
            }
        },
    )
}

pub fn sign_out(principal: &Principal, csrf: &str) -> Markup {
    layout(
        "Sign out",
        Some((principal, csrf)),
        html! {
            h1 class="heading-l" { "Sign out" }
            p class="body" { "Signing out ends this session on this device." }
            form method="post" action="/sign-out" {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" class="button" { "Sign out" }
            }
        },
    )
}

pub fn error(status: StatusCode, message: &str) -> Markup {
    let title = match status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::FORBIDDEN => "You cannot see this page",
        StatusCode::BAD_REQUEST => "There is a problem with the address",
        _ => "Sorry, there is a problem with the service",
    };
    layout(
        title,
        None,
        html! {
            h1 class="heading-l" { (title) }
            @if !message.is_empty() { p class="body" { (message) } }
            @if status == StatusCode::NOT_FOUND {
                p class="body" { "If you typed the web address, check it is correct. You can only see the children assigned to you." }
            }
            p class="body" { a href="/sign-in" { "Go to the start" } }
        },
    )
}

fn counts(counts: &std::collections::BTreeMap<String, u32>) -> Markup {
    const ORDER: [&str; 9] = [
        "breach",
        "error",
        "due_soon",
        "warning",
        "insufficient_data",
        "not_evaluated",
        "upcoming",
        "met",
        "not_applicable",
    ];
    html! {
        ul class="counts" {
            @for status in ORDER {
                @if let Some(n) = counts.get(status) {
                    li { (tag(status)) " " (n) }
                }
            }
        }
    }
}

fn caseload_text(c: &crate::iros::Caseload) -> String {
    let against = match c.against_guide.as_str() {
        "above" => "above",
        "below" => "below",
        _ => "within",
    };
    format!(
        "{} children, {against} the guide of {}-{} for {} of full time{}.",
        c.children,
        c.expected_min,
        c.expected_max,
        c.working_hours,
        if c.in_directory {
            ""
        } else {
            " (not in the IRO directory: full time assumed)"
        }
    )
}

pub fn upcoming(principal: &Principal, csrf: &str, u: &Upcoming) -> Markup {
    let title = "Upcoming reviews";
    layout(
        title,
        Some((principal, csrf)),
        html! {
            span class="caption-l" { (u.name.as_deref().unwrap_or(&u.iro_id)) " (" (u.iro_id) ", " (u.authority) ")" }
            h1 class="heading-l" { (title) }
            div class="inset" {
                p class="body" { strong { "Caseload: " } (caseload_text(&u.caseload)) }
            }
            p class="body" { "Reviews due in the next " (u.days) " days, and any that are late, as of " (date(u.today)) "." }
            @let (late, due): (Vec<&UpcomingReview>, Vec<&UpcomingReview>) = u.reviews.iter().partition(|r| r.overdue);
            @if u.reviews.is_empty() {
                p class="body" { "No reviews are due in this period, and none is late." }
            }
            @if !due.is_empty() {
                (reviews_table("due", &format!("Due in the next {} days", u.days), &due))
            }
            @if !late.is_empty() {
                (reviews_table("late", "Late reviews", &late))
            }
        },
    )
}

/// One table of an IRO's reviews: those due soon (soonest first), or those already late (the
/// longest late first: the record may need correcting, or the child may have left care).
fn reviews_table(id: &str, heading: &str, reviews: &[&UpcomingReview]) -> Markup {
    html! {
        h2 class="heading-m" id={ "reviews-" (id) } { (heading) " (" (reviews.len()) ")" }
        table class="table" aria-labelledby={ "reviews-" (id) } {
            thead {
                tr {
                    th scope="col" { "Child" }
                    th scope="col" { "Review due" }
                    th scope="col" { "Checklist" }
                }
            }
            tbody {
                @for r in reviews {
                    tr {
                        td {
                            a href={ "/children/" (r.authority) "/" (r.child_id) "/checklist" } {
                                (r.first_name.as_deref().unwrap_or("Child")) " (" (r.child_id) ")"
                            }
                        }
                        td {
                            (date(r.next_review_due))
                            @if r.overdue {
                                " " strong class="tag tag--red" { (plural(r.days_until_due.abs(), "day")) " late" }
                            } @else if r.days_until_due == 0 {
                                " (today)"
                            } @else {
                                " (in " (plural(r.days_until_due, "day")) ")"
                            }
                        }
                        td { (counts(&r.counts)) }
                    }
                }
            }
        }
    }
}

fn item(i: &Item, n: usize) -> Markup {
    html! {
        li class="item" {
            h3 class="heading-s item__title" {
                span class="item__number" { (n) ". " }
                (tag(&i.status)) " " (i.title)
            }
            p class="body item__prompt" { span class="visually-hidden" { "Agenda prompt: " } (i.prompt) }
            @if let Some(timing) = &i.timing { p class="body item__timing" { (timing) } }
            dl class="summary-list" {
                // The prompt usually ends with what the policy found; say it again only if not.
                @if !i.prompt.ends_with(i.message.as_str()) {
                    div class="summary-list__row" {
                        dt class="summary-list__key" { "Found" }
                        dd class="summary-list__value" { (i.message) }
                    }
                }
                @if !i.evidence.is_empty() {
                    div class="summary-list__row" {
                        dt class="summary-list__key" { "Evidence" }
                        dd class="summary-list__value" {
                            ul class="evidence" {
                                @for e in &i.evidence { li { code { (e.field) } ": " (e.value) } }
                            }
                        }
                    }
                }
                div class="summary-list__row" {
                    dt class="summary-list__key" { "Source" }
                    dd class="summary-list__value" { (i.citation) " (" (i.basis) ")" }
                }
            }
            @if !i.history.is_empty() {
                details class="details" {
                    summary class="details__summary" { "History since the last review (" (i.history.len()) ")" }
                    div class="details__text" {
                        ul class="history" {
                            @for h in &i.history {
                                li { (tag(&h.status)) " " (h.subject) @if let Some(due) = h.due { ", due " (date(due)) } ": " (h.message) }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn checklist(principal: &Principal, csrf: &str, view: &ChecklistView) -> Markup {
    let c = &view.checklist;
    let who = c.first_name.as_deref().unwrap_or("Child");
    let title = format!("Pre-review checklist: {who} ({})", c.child_id);
    let running = format!(
        "{who}, child {} ({}) · review {}",
        c.child_id,
        c.authority,
        date(c.review_date)
    );
    let mut number = 0;
    layout(
        &title,
        Some((principal, csrf)),
        html! {
            span class="caption-l" { "Review on " (date(c.review_date)) }
            h1 class="heading-l" { "Pre-review checklist: " (who) " (" (c.child_id) ")" }
            dl class="summary-list summary-list--meta" {
                div class="summary-list__row" {
                    dt class="summary-list__key" { "Child" }
                    dd class="summary-list__value" { (who) ", " (c.child_id) ", " (c.authority) }
                }
                div class="summary-list__row" {
                    dt class="summary-list__key" { "Review date" }
                    dd class="summary-list__value" {
                        (date(c.review_date))
                        @match c.review_date_from.as_str() {
                            "next_review_due" => " (the next review due)",
                            "today" => " (today: the review is due now or its date is unknown)",
                            _ => " (the date asked for)",
                        }
                    }
                }
                div class="summary-list__row" {
                    dt class="summary-list__key" { "Last review" }
                    dd class="summary-list__value" { @if let Some(d) = c.last_review { (date(d)) } @else { "None recorded" } }
                }
                div class="summary-list__row" {
                    dt class="summary-list__key" { "Summary" }
                    dd class="summary-list__value" { (counts(&c.counts)) }
                }
            }
            form method="get" class="review-date-form" {
                div class="form-group" {
                    label class="label" for="review_date" { "Prepare for a review on another date" }
                    input class="input input--width-10" id="review_date" name="review_date" type="date" value=(c.review_date.to_string());
                }
                button type="submit" class="button button--secondary" { "Show checklist" }
            }
            @for group in &c.groups {
                section class="group" aria-labelledby={ "group-" (group.id) } {
                    table class="print-frame" role="presentation" {
                        thead class="print-frame__head" {
                            tr { td { p class="running-header" { (running) } } }
                        }
                        tbody {
                            tr {
                                td {
                                    h2 class="heading-m" id={ "group-" (group.id) } { (group.title) }
                                    ol class="items" {
                                        @for i in &group.items {
                                            ({ number += 1; item(i, number) })
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p class="body view-id" { "Recorded as checklist view " code { (view.view_id) } "." }
        },
    )
}

pub fn admin_iros(principal: &Principal, csrf: &str, list: &[IroWithCaseload]) -> Markup {
    let title = "IROs and caseloads";
    layout(
        title,
        Some((principal, csrf)),
        html! {
            h1 class="heading-l" { (title) }
            p class="body" { "Each IRO's caseload against the guide of 50 to 70 children per full-time IRO, scaled by their working hours." }
            @if list.is_empty() {
                p class="body" { "No IROs are in the directory or assigned children yet." }
            } @else {
                table class="table" {
                    caption class="table__caption visually-hidden" { "IROs and caseloads" }
                    thead {
                        tr {
                            th scope="col" { "IRO" }
                            th scope="col" { "Authority" }
                            th scope="col" { "Email" }
                            th scope="col" class="numeric" { "Hours" }
                            th scope="col" class="numeric" { "Children" }
                            th scope="col" { "Guide" }
                        }
                    }
                    tbody {
                        @for i in list {
                            tr {
                                td {
                                    a href={ "/iro?iro=" (i.iro_id) "&authority=" (i.authority) } {
                                        (i.name.as_deref().unwrap_or("Not in the directory")) " (" (i.iro_id) ")"
                                    }
                                }
                                td { (i.authority) }
                                td { (i.email.as_deref().unwrap_or("–")) }
                                td class="numeric" { (i.caseload.working_hours) }
                                td class="numeric" { (i.caseload.children) }
                                td {
                                    @let class = match i.caseload.against_guide.as_str() { "above" => "tag--red", "below" => "tag--blue", _ => "tag--green" };
                                    strong class={ "tag " (class) } { (i.caseload.against_guide) }
                                    " " (i.caseload.expected_min) "–" (i.caseload.expected_max)
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
