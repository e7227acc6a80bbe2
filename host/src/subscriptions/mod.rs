//! Scheduled breach reports to boards and inspectors.
//!
//! A [`Subscription`] says who a report is for (its [`Audience`]), which authorities and policies
//! it covers, when it runs ([`schedule`], a cron expression on the Europe/London clock), in which
//! formats, and where it goes: email (SMTP through lettre), a webhook signed as the Standard
//! Webhooks specification says, and an outbox folder for authorities that move files by secure
//! transfer ([`deliver`]).
//!
//! The [`scheduler`] makes exactly one report per (subscription, scheduled time), however many
//! `carecheck serve` replicas share the database and across `kill -9`: a time is claimed by
//! inserting its report under a unique key, and rendering and each delivery are done under
//! leases that a replica renews while it works and that another replica takes over when they
//! lapse. Every delivery always carries the same idempotency key (the email's `Message-ID`, the
//! `webhook-id`, the outbox file names), so a receiver can drop the rare duplicate that a crash
//! between its acknowledgement and our record of it causes.
//!
//! What a report says is [`content`] (board figures with small numbers suppressed, Ofsted's
//! Annex A lists for inspectors, the IRO digest), and how it looks is [`render`].

pub mod annex_a;
pub mod content;
pub mod deliver;
pub mod metrics;
pub mod queries;
pub mod render;
pub mod schedule;
pub mod scheduler;
pub mod service;
pub mod suppress;

use std::collections::HashSet;

use base64::Engine as _;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::ids::{self, Kind};
use crate::problem::Problem;
use crate::store::StoreError;
pub use schedule::Schedule;

/// Who a report is for, which decides what it may say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Audience {
    SafeguardingPartnership,
    CorporateParentingBoard,
    HealthAndWellbeingBoard,
    /// Ofsted or CQC: the board figures, and the Annex A child-level lists.
    Inspector,
    /// Each IRO's coming reviews with their checklist summaries (child-level: for IROs).
    IroDigest,
}

impl Audience {
    pub const ALL: [Audience; 5] = [
        Audience::SafeguardingPartnership,
        Audience::CorporateParentingBoard,
        Audience::HealthAndWellbeingBoard,
        Audience::Inspector,
        Audience::IroDigest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::SafeguardingPartnership => "safeguarding-partnership",
            Audience::CorporateParentingBoard => "corporate-parenting-board",
            Audience::HealthAndWellbeingBoard => "health-and-wellbeing-board",
            Audience::Inspector => "inspector",
            Audience::IroDigest => "iro-digest",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Board papers are often published: aggregates only, small numbers suppressed.
    pub fn is_board(self) -> bool {
        matches!(
            self,
            Audience::SafeguardingPartnership
                | Audience::CorporateParentingBoard
                | Audience::HealthAndWellbeingBoard
        )
    }

    pub fn title(self) -> &'static str {
        match self {
            Audience::SafeguardingPartnership => "Safeguarding partnership",
            Audience::CorporateParentingBoard => "Corporate parenting board",
            Audience::HealthAndWellbeingBoard => "Health and wellbeing board",
            Audience::Inspector => "Inspection",
            Audience::IroDigest => "IRO digest",
        }
    }
}

/// A report's file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Html,
    Csv,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "html" => Some(Format::Html),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// What to do about scheduled times missed while no replica was running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CatchUp {
    /// Skip them.
    None,
    /// Make one report, for the latest of them.
    #[default]
    Latest,
    /// Make a report for each of them.
    All,
}

impl CatchUp {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(CatchUp::None),
            "latest" => Some(CatchUp::Latest),
            "all" => Some(CatchUp::All),
            _ => None,
        }
    }
}

/// A signed webhook: where, and the `whsec_` secret both sides hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
}

/// What a subscription asks for, as stored (and, without the webhook secret, as shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    pub audience: Audience,
    pub authorities: Vec<String>,
    /// Only these policies (empty: every policy loaded).
    pub policies: Vec<String>,
    pub cron: String,
    pub formats: Vec<Format>,
    pub email: Vec<String>,
    pub webhook: Option<Webhook>,
    /// A folder name under `outbox_dir`.
    pub outbox: Option<String>,
    pub catch_up: CatchUp,
    /// Board counts below this are shown as "fewer than N".
    pub suppress_below: u32,
    /// The IRO digest looks this many days ahead.
    pub digest_days: u32,
    /// The IRO digest covers only these IROs (empty: every IRO).
    pub iros: Vec<String>,
}

/// A stored subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub name: String,
    pub spec: Spec,
    pub paused: bool,
    pub created_at: String,
    pub created_by: String,
    /// Scheduled times up to this one have been considered (claimed or skipped).
    pub scheduled_through: String,
}

/// A subscription as the API and CLI show it: never the webhook secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubscriptionView {
    pub id: String,
    pub name: String,
    pub audience: Audience,
    pub authorities: Vec<String>,
    pub policies: Vec<String>,
    pub cron: String,
    pub formats: Vec<Format>,
    pub email: Vec<String>,
    pub webhook_url: Option<String>,
    pub outbox: Option<String>,
    pub catch_up: CatchUp,
    pub suppress_below: u32,
    pub digest_days: u32,
    pub iros: Vec<String>,
    pub paused: bool,
    pub created_at: String,
    /// When it runs next (none while paused).
    pub next_run: Option<String>,
}

impl Subscription {
    pub fn view(&self) -> SubscriptionView {
        let s = &self.spec;
        let next_run = (!self.paused)
            .then(|| Schedule::parse(&s.cron).ok())
            .flatten()
            .and_then(|schedule| schedule.next_after(chrono::Utc::now()))
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        SubscriptionView {
            id: self.id.clone(),
            name: self.name.clone(),
            audience: s.audience,
            authorities: s.authorities.clone(),
            policies: s.policies.clone(),
            cron: s.cron.clone(),
            formats: s.formats.clone(),
            email: s.email.clone(),
            webhook_url: s.webhook.as_ref().map(|w| w.url.clone()),
            outbox: s.outbox.clone(),
            catch_up: s.catch_up,
            suppress_below: s.suppress_below,
            digest_days: s.digest_days,
            iros: s.iros.clone(),
            paused: self.paused,
            created_at: self.created_at.clone(),
            next_run,
        }
    }

    /// Whether `principal` may see and change this subscription: an admin whose scope holds
    /// every authority it covers.
    pub fn managed_by(&self, principal: &Principal) -> bool {
        self.spec.authorities.iter().all(|a| principal.in_scope(a))
    }
}

/// A subscription as asked for (API body or CLI flags): every field checked by [`validate`].
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionRequest {
    pub name: String,
    /// safeguarding-partnership, corporate-parenting-board, health-and-wellbeing-board,
    /// inspector or iro-digest.
    pub audience: String,
    pub authorities: Vec<String>,
    #[serde(default)]
    pub policies: Vec<String>,
    /// Five fields (or six, seconds first), on the Europe/London clock.
    pub cron: String,
    /// html, csv, json (default: all three).
    #[serde(default)]
    pub formats: Vec<String>,
    #[serde(default)]
    pub email: Vec<String>,
    pub webhook_url: Option<String>,
    /// `whsec_` and base64 of 24 to 64 random bytes; generated (and shown once) if absent.
    pub webhook_secret: Option<String>,
    /// A folder name under the server's `outbox_dir`.
    pub outbox: Option<String>,
    /// none, latest (default) or all.
    pub catch_up: Option<String>,
    /// Board counts from 1 to this minus 1 are suppressed (default 5).
    pub suppress_below: Option<u32>,
    /// IRO digest: days ahead (default 14).
    pub digest_days: Option<u32>,
    /// IRO digest: only these IROs.
    #[serde(default)]
    pub iros: Vec<String>,
}

/// What the server offers a subscription, for checking one.
#[derive(Debug, Clone, Copy)]
pub struct Offered<'a> {
    /// The policies loaded.
    pub policies: &'a [String],
    pub smtp: bool,
    pub outbox: bool,
    /// Whether the caller may name an outbox folder (shared by every authority on the server:
    /// an unscoped admin or the command line only).
    pub may_use_outbox: bool,
}

impl<'a> Offered<'a> {
    /// What a server with `config` offers; `may_use_outbox` for an unscoped admin or the CLI.
    pub fn new(
        config: &crate::config::Config,
        policies: &'a [String],
        may_use_outbox: bool,
    ) -> Self {
        Self {
            policies,
            smtp: config.smtp_url.is_some(),
            outbox: config.outbox_dir.is_some(),
            may_use_outbox,
        }
    }
}

/// Why a subscription could not be created, changed or found.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    #[error("the subscription is not valid")]
    Invalid(Vec<Problem>),
    /// No such subscription or report, or one the caller may not see.
    #[error("not found")]
    NotFound,
    #[error("a subscription named {0:?} already exists")]
    NameTaken(String),
    #[error("this token may not manage subscriptions for those authorities")]
    Forbidden,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub const DEFAULT_SUPPRESS_BELOW: u32 = 5;
pub const DEFAULT_DIGEST_DAYS: u32 = 14;
const MAX_NAME: usize = 100;
const MAX_LIST: usize = 50;

/// Checks every field of `request` at once; the problems name each wrong field by JSON pointer.
/// Returns the spec to store, with a webhook secret generated if none was given.
pub fn validate(
    request: &SubscriptionRequest,
    offered: Offered<'_>,
) -> Result<(String, Spec), Vec<Problem>> {
    let mut problems = Vec::new();
    let mut problem = |path: String, message: String| problems.push(Problem::new(path, message));

    let name = request.name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        problem(
            "/name".into(),
            format!("a name is 1 to {MAX_NAME} characters, with no control characters"),
        );
    }
    let audience = Audience::parse(&request.audience);
    if audience.is_none() {
        problem(
            "/audience".into(),
            format!(
                "must be one of {}",
                Audience::ALL.map(Audience::as_str).join(", ")
            ),
        );
    }
    if request.authorities.is_empty() {
        problem("/authorities".into(), "name at least one authority".into());
    }
    check_list(&request.authorities, "/authorities", &mut problem, |a| {
        ids::check(Kind::Authority, a)
    });
    check_list(&request.policies, "/policies", &mut problem, |p| {
        if offered.policies.iter().any(|known| known == p) {
            Ok(())
        } else {
            Err(format!("no policy {p:?} is loaded"))
        }
    });
    if let Err(why) = Schedule::parse(&request.cron) {
        problem("/cron".into(), why);
    }
    let mut formats = Vec::new();
    check_list(&request.formats, "/formats", &mut problem, |f| {
        let format = Format::parse(f).ok_or("must be html, csv or json")?;
        formats.push(format);
        Ok(())
    });
    if request.formats.is_empty() {
        formats = vec![Format::Html, Format::Csv, Format::Json];
    }
    if !request.email.is_empty() && !offered.smtp {
        problem(
            "/email".into(),
            "email needs smtp_url in the server's configuration".into(),
        );
    }
    check_list(&request.email, "/email", &mut problem, |e| {
        e.parse::<lettre::Address>()
            .map(|_| ())
            .map_err(|why| format!("not an email address: {why}"))
    });
    let mut webhook = None;
    match (&request.webhook_url, &request.webhook_secret) {
        (None, Some(_)) => problem(
            "/webhook_secret".into(),
            "a webhook secret goes with a webhook_url".into(),
        ),
        (None, None) => {}
        (Some(url), secret) => {
            match reqwest::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                Ok(_) => problem(
                    "/webhook_url".into(),
                    "must be an http:// or https:// URL with a host".into(),
                ),
                Err(why) => problem("/webhook_url".into(), format!("not a URL: {why}")),
            }
            let secret = match secret {
                Some(s) => {
                    if let Err(why) = deliver::webhook::check_secret(s) {
                        problem("/webhook_secret".into(), why);
                    }
                    s.clone()
                }
                None => generate_secret(),
            };
            webhook = Some(Webhook {
                url: url.clone(),
                secret,
            });
        }
    }
    if let Some(folder) = &request.outbox {
        if !offered.outbox {
            problem(
                "/outbox".into(),
                "an outbox needs outbox_dir in the server's configuration".into(),
            );
        } else if !offered.may_use_outbox {
            problem(
                "/outbox".into(),
                "outbox folders are shared by every authority on the server: only an admin of every authority, or the command line, may name one".into(),
            );
        }
        if let Err(why) = ids::check(Kind::Authority, folder) {
            problem(
                "/outbox".into(),
                format!(
                    "an outbox is a folder name, not a path: {}",
                    why.replace("an authority code", "it")
                ),
            );
        }
    }
    let catch_up = match request.catch_up.as_deref() {
        None => CatchUp::Latest,
        Some(c) => CatchUp::parse(c).unwrap_or_else(|| {
            problem("/catch_up".into(), "must be none, latest or all".into());
            CatchUp::Latest
        }),
    };
    let suppress_below = request.suppress_below.unwrap_or(DEFAULT_SUPPRESS_BELOW);
    if !(2..=100).contains(&suppress_below) {
        problem(
            "/suppress_below".into(),
            "must be from 2 to 100 (board papers are often published)".into(),
        );
    }
    let digest_days = request.digest_days.unwrap_or(DEFAULT_DIGEST_DAYS);
    if !(1..=366).contains(&digest_days) {
        problem("/digest_days".into(), "must be from 1 to 366".into());
    }
    check_list(&request.iros, "/iros", &mut problem, |i| {
        ids::check(Kind::Iro, i)
    });
    if let Some(audience) = audience
        && audience != Audience::IroDigest
    {
        if !request.iros.is_empty() {
            problem("/iros".into(), "only an iro-digest names IROs".into());
        }
        if request.digest_days.is_some() {
            problem(
                "/digest_days".into(),
                "only an iro-digest looks ahead".into(),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok((
        name,
        Spec {
            audience: audience.expect("checked above"),
            authorities: request.authorities.clone(),
            policies: request.policies.clone(),
            cron: request.cron.trim().to_string(),
            formats,
            email: request.email.clone(),
            webhook,
            outbox: request.outbox.clone(),
            catch_up,
            suppress_below,
            digest_days,
            iros: request.iros.clone(),
        },
    ))
}

/// Checks a list: at most [`MAX_LIST`] items, none twice, each by `check`.
fn check_list(
    items: &[String],
    path: &str,
    problem: &mut impl FnMut(String, String),
    mut check: impl FnMut(&str) -> Result<(), String>,
) {
    if items.len() > MAX_LIST {
        problem(path.into(), format!("at most {MAX_LIST} items"));
        return;
    }
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(item) {
            problem(format!("{path}/{i}"), "named twice".into());
        } else if let Err(why) = check(item) {
            problem(format!("{path}/{i}"), why);
        }
    }
}

/// A new Standard Webhooks secret: `whsec_` and 32 random bytes in base64.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered() -> Offered<'static> {
        Offered {
            policies: &[],
            smtp: true,
            outbox: true,
            may_use_outbox: true,
        }
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let request = SubscriptionRequest {
            name: " ".into(),
            audience: "parliament".into(),
            authorities: vec!["E1".into(), "E1".into(), "bad/code".into()],
            policies: vec!["no-such-policy".into()],
            cron: "61 * * * *".into(),
            formats: vec!["pdf".into()],
            email: vec!["not an address".into()],
            webhook_url: Some("ftp://example.org/".into()),
            webhook_secret: Some("plain".into()),
            outbox: Some("../etc".into()),
            catch_up: Some("sometimes".into()),
            suppress_below: Some(1),
            digest_days: Some(0),
            iros: vec!["IRO 1".into()],
        };
        let problems = validate(&request, offered()).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        for path in [
            "/name",
            "/audience",
            "/authorities/1",
            "/authorities/2",
            "/policies/0",
            "/cron",
            "/formats/0",
            "/email/0",
            "/webhook_url",
            "/webhook_secret",
            "/outbox",
            "/catch_up",
            "/suppress_below",
            "/digest_days",
            "/iros/0",
        ] {
            assert!(paths.contains(&path), "{path} missing from {paths:?}");
        }
    }

    #[test]
    fn defaults_and_a_generated_secret() {
        let request = SubscriptionRequest {
            name: "Board".into(),
            audience: "corporate-parenting-board".into(),
            authorities: vec!["E10000001".into()],
            cron: "0 7 * * MON".into(),
            webhook_url: Some("http://127.0.0.1:9/hook".into()),
            ..Default::default()
        };
        let (name, spec) = validate(&request, offered()).unwrap();
        assert_eq!(name, "Board");
        assert_eq!(spec.formats, [Format::Html, Format::Csv, Format::Json]);
        assert_eq!(spec.catch_up, CatchUp::Latest);
        assert_eq!(spec.suppress_below, 5);
        let secret = &spec.webhook.unwrap().secret;
        assert!(deliver::webhook::check_secret(secret).is_ok(), "{secret}");
        // Without SMTP configured, email is refused; a scoped admin may not name an outbox.
        let request = SubscriptionRequest {
            email: vec!["board@example.org".into()],
            outbox: Some("board".into()),
            ..request
        };
        let problems = validate(
            &request,
            Offered {
                smtp: false,
                may_use_outbox: false,
                ..offered()
            },
        )
        .unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].message.contains("smtp_url"));
        assert!(problems[1].message.contains("shared"));
    }
}
