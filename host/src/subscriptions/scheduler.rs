//! The scheduler, on every `carecheck serve` replica: one loop claims the scheduled times that
//! have come and renders reports, the other delivers them. Any number of replicas may share a
//! database; each step is safe to run anywhere at any time.
//!
//! - **Claiming** ([`Worker::claim_due`]): in one transaction per subscription, under a row lock
//!   other replicas skip, the times since the subscription's `scheduled_through` are claimed by
//!   inserting their reports under the unique key (subscription, scheduled time), and
//!   `scheduled_through` moves on. A time claimed twice is inserted once. A time first seen more
//!   than [`MISSED_AFTER`] after it passed was missed (nothing ran): `catch_up` says whether to
//!   make none, the latest or all of those.
//! - **Rendering** ([`Worker::render_next`]): a pending report is leased for `lease_ms` and the
//!   lease renewed while the work lasts. The evaluation run, files and deliveries are committed
//!   together, and only if this replica still holds the lease; a replica that died (`kill -9`)
//!   leaves a lease that lapses, and another replica renders the report again from scratch.
//! - **Delivering** ([`Worker::deliver_next`]): each delivery is leased the same way; every
//!   attempt is recorded, and the outcome only by the lease's holder. Until acknowledged a
//!   delivery is tried again with the same idempotency key after a backoff (or `Retry-After`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use carecheck_sdk::CareRecord;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;

use super::content::{BoardCounts, ChildFacts, DigestCounts, Period};
use super::deliver::{self, Attempted, Kind, email::Email};
use super::metrics::ReportMetrics;
use super::queries::{self, AttemptOutcome, NewDelivery, Report, ReportFile, parse_time};
use super::render::{self, Content};
use super::suppress::Suppressor;
use super::{Audience, CatchUp, Format, Schedule, Spec, Subscription, annex_a};
use crate::access::Actor;
use crate::config::Config;
use crate::plugins::PolicyOutcome;
use crate::plugins::sets::LivePolicies;
use crate::runs::{self, Scope};
use crate::store::{ChildKey, Pager, Store, StoreError};

/// A scheduled time first seen later than this after it passed was missed.
pub const MISSED_AFTER: chrono::Duration = chrono::Duration::minutes(10);
/// A report that fails to render this many times is `failed`.
pub const MAX_RENDER_ATTEMPTS: i64 = 5;

/// Why a step of the scheduler failed (it is tried again on the next tick).
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Run(#[from] runs::RunError),
    #[error("rendering: {0}")]
    Render(#[from] minijinja::Error),
    #[error("{0}")]
    Other(String),
}

/// What a lease is on.
#[derive(Debug, Clone, Copy)]
enum Leased {
    Report,
    Delivery,
}

/// One replica's scheduler.
#[derive(Clone)]
pub struct Worker {
    pub store: Store,
    pub policies: Arc<LivePolicies>,
    pub config: Arc<Config>,
    pub metrics: Arc<ReportMetrics>,
    /// This process's name on leases: never the same for two processes.
    pub owner: String,
    client: reqwest::Client,
}

impl Worker {
    pub fn new(
        store: Store,
        policies: Arc<LivePolicies>,
        config: Arc<Config>,
        metrics: Arc<ReportMetrics>,
    ) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("carecheck/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds");
        Self {
            owner: format!("{}:{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            store,
            policies,
            config,
            metrics,
            client,
        }
    }

    fn lease(&self) -> chrono::Duration {
        chrono::Duration::milliseconds(self.config.scheduler.lease_ms as i64)
    }

    /// Claims every active subscription's times up to `now`; returns the reports created.
    pub async fn claim_due(&self, now: DateTime<Utc>) -> Result<u64, SchedulerError> {
        let mut created = 0;
        for id in queries::active_ids(&self.store).await? {
            created += queries::claim_times(&self.store, &id, |sub| choose(sub, now)).await?;
        }
        self.metrics.claimed(created);
        Ok(created)
    }

    /// Renders the oldest pending report, if one is due; returns whether there was one.
    pub async fn render_next(&self, now: DateTime<Utc>) -> Result<bool, SchedulerError> {
        let Some(leased) =
            queries::lease_report(&self.store, &self.owner, now, now + self.lease()).await?
        else {
            return Ok(false);
        };
        let id = leased.id.clone();
        let work = self.render(&id);
        let renew = self.keep_lease(&id, Leased::Report);
        let outcome = tokio::select! {
            done = work => Some(done),
            () = renew => None,
        };
        match outcome {
            // Another replica took the report over: its render stands.
            None => {
                tracing::warn!(report = %id, "lost the lease while rendering");
            }
            Some(Ok((run_id, files, deliveries))) => {
                if queries::finish_render(
                    &self.store,
                    &id,
                    &self.owner,
                    &run_id,
                    &files,
                    &deliveries,
                )
                .await?
                {
                    self.metrics.rendered("rendered");
                }
            }
            Some(Err(e)) => {
                let text = format!("{e}");
                tracing::error!(report = %id, error = %text, "a report failed to render");
                let wait = Attempted::retry(String::new()).wait(leased.attempts, self.retry_base());
                queries::fail_render(
                    &self.store,
                    &id,
                    &self.owner,
                    &text,
                    Utc::now()
                        + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1)),
                    MAX_RENDER_ATTEMPTS,
                )
                .await?;
                self.metrics
                    .rendered(if leased.attempts + 1 >= MAX_RENDER_ATTEMPTS {
                        "failed"
                    } else {
                        "retry"
                    });
            }
        }
        Ok(true)
    }

    fn retry_base(&self) -> Duration {
        Duration::from_millis(self.config.scheduler.retry_base_ms)
    }

    /// Renews a lease every third of its length; returns only once it has been lost.
    async fn keep_lease(&self, id: &str, what: Leased) {
        let every = (self.lease() / 3)
            .to_std()
            .unwrap_or(Duration::from_secs(1));
        loop {
            tokio::time::sleep(every).await;
            let until = Utc::now() + self.lease();
            let renewed = match what {
                Leased::Report => queries::renew_report(&self.store, id, &self.owner, until).await,
                Leased::Delivery => {
                    queries::renew_delivery(&self.store, id, &self.owner, until).await
                }
            };
            match renewed {
                Ok(true) => {}
                Ok(false) => return,
                // The database is unreachable: keep working, the commit checks the lease.
                Err(e) => tracing::warn!(error = %e, "renewing a lease"),
            }
        }
    }

    /// Evaluates and renders one report; nothing is stored here.
    async fn render(
        &self,
        report_id: &str,
    ) -> Result<(String, Vec<ReportFile>, Vec<NewDelivery>), SchedulerError> {
        let report = queries::report(&self.store, report_id)
            .await?
            .ok_or_else(|| SchedulerError::Other("the report was deleted".into()))?;
        let sub = queries::get(&self.store, &report.subscription_id)
            .await?
            .ok_or_else(|| SchedulerError::Other("the subscription was deleted".into()))?;
        let scheduled = parse_time(&report.scheduled_for)?;
        let (as_of, period) = period_of(&sub.spec, scheduled);
        let (run_id, content) = self.content(&sub, as_of, period).await?;
        let files = render::render(&content)?;
        Ok((run_id, files, deliveries_for(&report, &sub.spec)))
    }

    /// Runs the policies over the subscription's authorities as of `as_of` and counts.
    async fn content(
        &self,
        sub: &Subscription,
        as_of: NaiveDate,
        period: Period,
    ) -> Result<(String, Content), SchedulerError> {
        let spec = &sub.spec;
        let mut outcomes: HashMap<ChildKey, Vec<PolicyOutcome>> = HashMap::new();
        let scope = Scope {
            authorities: Some(spec.authorities.clone()),
            ..Scope::default()
        };
        let summary = runs::run(
            &self.store,
            &self.policies.current(),
            as_of,
            &scope,
            &Actor::operator(&format!("subscription:{}", sub.id)),
            self.config.parallelism(),
            |key, o| {
                outcomes.insert(key.clone(), o.to_vec());
            },
        )
        .await?;
        let suppressor = Suppressor {
            below: spec.audience.is_board().then_some(spec.suppress_below),
        };
        let mut board = BoardCounts::new(as_of, period, &spec.policies);
        let mut lists = annex_a::Lists::new(as_of);
        let mut digest = DigestCounts::new(as_of, spec);
        let mut pages = Pager::new(1000);
        while let Some(page) = pages
            .next(async |after, limit| {
                crate::records::queries::current_records(
                    &self.store,
                    Some(spec.authorities.as_slice()),
                    after,
                    limit,
                )
                .await
            })
            .await?
        {
            for current in page {
                let Some(o) = outcomes.get(&current.key) else {
                    continue;
                };
                let record: CareRecord =
                    serde_json::from_str(&current.body).map_err(StoreError::from)?;
                let facts = ChildFacts {
                    authority: &current.key.authority,
                    record: &record,
                    outcomes: o,
                };
                match spec.audience {
                    Audience::IroDigest => digest.add(&facts, &current.key.child_id),
                    Audience::Inspector => {
                        board.add(&facts);
                        lists.add(&record);
                    }
                    _ => board.add(&facts),
                }
            }
        }
        let content = match spec.audience {
            Audience::IroDigest => Content::Digest(digest.finish()),
            Audience::Inspector => {
                let mut report = board.finish(spec, suppressor);
                for list in [&lists.list_8, &lists.list_9] {
                    let empty = list.empty_columns();
                    if list.rows.is_empty() {
                        report.notes.push(format!("{}: no rows.", list.name));
                    } else if !empty.is_empty() {
                        report.notes.push(format!(
                            "{}: the record does not hold these columns, left empty: {}.",
                            list.name,
                            empty.join("; ")
                        ));
                    }
                }
                Content::Board {
                    report,
                    lists: Some((lists.list_8, lists.list_9)),
                }
            }
            _ => Content::Board {
                report: board.finish(spec, suppressor),
                lists: None,
            },
        };
        Ok((summary.run_id, content))
    }

    /// Attempts the oldest due delivery, if any; returns whether there was one.
    pub async fn deliver_next(&self, now: DateTime<Utc>) -> Result<bool, SchedulerError> {
        let Some(leased) =
            queries::lease_delivery(&self.store, &self.owner, now, now + self.lease()).await?
        else {
            return Ok(false);
        };
        let id = leased.id.clone();
        let work = self.attempt(&id);
        let renew = self.keep_lease(&id, Leased::Delivery);
        let attempted = tokio::select! {
            done = work => done?,
            () = renew => {
                tracing::warn!(delivery = %id, "lost the lease while delivering");
                return Ok(true);
            }
        };
        let Some((channel, scheduled_for, attempted)) = attempted else {
            return Ok(true);
        };
        let outcome = match attempted.outcome {
            Kind::Delivered => AttemptOutcome::Delivered,
            Kind::Failed => AttemptOutcome::Failed,
            Kind::Retry => AttemptOutcome::Retry(
                Utc::now()
                    + chrono::Duration::from_std(
                        attempted.wait(leased.attempts, self.retry_base()),
                    )
                    .unwrap_or(chrono::Duration::hours(1)),
            ),
        };
        self.metrics.attempt(&channel, outcome.as_str());
        let recorded =
            queries::record_attempt(&self.store, &id, &self.owner, &outcome, &attempted.detail)
                .await?;
        if recorded && outcome == AttemptOutcome::Delivered {
            let lag = (Utc::now() - scheduled_for).num_milliseconds() as f64 / 1000.0;
            self.metrics.delivered(&channel, lag);
        }
        Ok(true)
    }

    /// One attempt at a delivery: (channel, the report's time, what happened), or `None` if the
    /// delivery went with its subscription.
    async fn attempt(
        &self,
        id: &str,
    ) -> Result<Option<(String, DateTime<Utc>, Attempted)>, SchedulerError> {
        let Some(delivery) = queries::delivery(&self.store, id).await? else {
            return Ok(None);
        };
        let Some(report) = queries::report(&self.store, &delivery.report_id).await? else {
            return Ok(None);
        };
        let Some(sub) = queries::get(&self.store, &report.subscription_id).await? else {
            return Ok(None);
        };
        let files = queries::files(&self.store, &report.id).await?;
        let scheduled = parse_time(&report.scheduled_for)?;
        let attempted = match delivery.channel.as_str() {
            "outbox" => match (&self.config.outbox_dir, &sub.spec.outbox) {
                (Some(root), Some(folder)) => {
                    let named = outbox_files(&files, &sub.spec, &delivery.id);
                    let dir = root.join(folder);
                    let key = delivery.id.clone();
                    tokio::task::spawn_blocking(move || {
                        let refs: Vec<(String, &[u8], &str)> = named
                            .iter()
                            .map(|(n, f)| (n.clone(), f.body.as_slice(), f.sha256.as_str()))
                            .collect();
                        deliver::outbox::write(Path::new(&dir), &key, &refs)
                    })
                    .await
                    .map_err(|e| SchedulerError::Other(e.to_string()))?
                }
                _ => Attempted::retry("no outbox_dir is configured".into()),
            },
            "webhook" => match &sub.spec.webhook {
                Some(hook) => {
                    let body = webhook_body(&report, &sub, &files)?;
                    deliver::webhook::send(
                        &self.client,
                        &hook.url,
                        &hook.secret,
                        &delivery.id,
                        body,
                    )
                    .await
                }
                None => Attempted::failed("the subscription no longer has a webhook".into()),
            },
            "email" => match &self.config.smtp_url {
                Some(smtp_url) => {
                    let find = |name: &str| files.iter().find(|f| f.name == name);
                    let html = find(render::EMAIL_HTML)
                        .map(|f| f.body.clone())
                        .unwrap_or_default();
                    let attachments = attachment_files(&files, &sub.spec)
                        .into_iter()
                        .map(|f| (f.name.clone(), f.media_type.clone(), f.body.as_slice()))
                        .collect();
                    let email = Email {
                        from: &self.config.smtp_from,
                        to: &sub.spec.email,
                        subject: format!(
                            "{}: {} report for {}",
                            sub.name,
                            sub.spec.audience.title(),
                            scheduled.with_timezone(&London).format("%-d %B %Y")
                        ),
                        key: &delivery.id,
                        html,
                        chart: find(render::CHART).map(|f| f.body.as_slice()),
                        attachments,
                    };
                    deliver::email::send(smtp_url, &email).await
                }
                None => Attempted::retry("no smtp_url is configured".into()),
            },
            other => Attempted::failed(format!("unknown channel {other}")),
        };
        Ok(Some((delivery.channel, scheduled, attempted)))
    }

    /// Claims, renders and delivers everything due at `now`, until nothing is left (for the
    /// command line's "run now" and for tests). Deliveries waiting on a backoff stay pending.
    pub async fn run_until_idle(&self, now: DateTime<Utc>) -> Result<(), SchedulerError> {
        self.claim_due(now).await?;
        // Rendering takes time: a delivery made meanwhile is due at the clock's time, not `now`.
        let at = || now.max(Utc::now());
        while self.render_next(at()).await? {}
        while self.deliver_next(at()).await? {}
        Ok(())
    }

    /// The two loops, until the process ends.
    pub fn spawn(self) -> Vec<tokio::task::JoinHandle<()>> {
        let tick = Duration::from_millis(self.config.scheduler.tick_ms);
        let claimer = self.clone();
        let claims = tokio::spawn(async move {
            loop {
                if let Err(e) = claimer.claim_due(Utc::now()).await {
                    tracing::warn!(error = %e, "claiming scheduled reports");
                }
                loop {
                    match claimer.render_next(Utc::now()).await {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "rendering a report");
                            break;
                        }
                    }
                }
                tokio::time::sleep(tick).await;
            }
        });
        let deliveries = tokio::spawn(async move {
            loop {
                loop {
                    match self.deliver_next(Utc::now()).await {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "delivering a report");
                            break;
                        }
                    }
                }
                tokio::time::sleep(tick).await;
            }
        });
        vec![claims, deliveries]
    }
}

/// Which of the times since `scheduled_through` to claim at `now`, and the new
/// `scheduled_through`.
pub fn choose(sub: &Subscription, now: DateTime<Utc>) -> (Vec<DateTime<Utc>>, DateTime<Utc>) {
    let Ok(schedule) = Schedule::parse(&sub.spec.cron) else {
        return (Vec::new(), now);
    };
    let Ok(through) = parse_time(&sub.scheduled_through) else {
        return (Vec::new(), now);
    };
    let times = schedule.between(through, now, super::schedule::MAX_OCCURRENCES);
    // A long outage of an every-second schedule: consider the rest next time.
    let new_through = if times.len() == super::schedule::MAX_OCCURRENCES {
        *times.last().expect("not empty")
    } else {
        now
    };
    let (missed, on_time): (Vec<_>, Vec<_>) =
        times.into_iter().partition(|t| now - *t > MISSED_AFTER);
    let mut chosen = match sub.spec.catch_up {
        CatchUp::None => Vec::new(),
        CatchUp::Latest => missed.last().copied().into_iter().collect(),
        CatchUp::All => missed,
    };
    chosen.extend(on_time);
    (chosen, new_through)
}

/// The report date (the London date of the scheduled time) and its period: deadlines from the
/// previous scheduled time's date up to this one's.
pub fn period_of(spec: &Spec, scheduled: DateTime<Utc>) -> (NaiveDate, Period) {
    let as_of = scheduled.with_timezone(&London).date_naive();
    let previous = Schedule::parse(&spec.cron)
        .ok()
        .and_then(|s| s.previous_before(scheduled))
        .map(|p| p.with_timezone(&London).date_naive())
        .filter(|p| *p < as_of)
        .unwrap_or(as_of - chrono::Days::new(1));
    (
        as_of,
        Period {
            from: previous,
            to: as_of,
        },
    )
}

/// A rendered report's deliveries: one per channel, keyed by the report and the channel.
pub fn deliveries_for(report: &Report, spec: &Spec) -> Vec<NewDelivery> {
    let mut out = Vec::new();
    if !spec.email.is_empty() {
        out.push(NewDelivery {
            id: format!("{}-email", report.id),
            channel: "email",
            target: spec.email.join(", "),
        });
    }
    if let Some(hook) = &spec.webhook {
        out.push(NewDelivery {
            id: format!("{}-webhook", report.id),
            channel: "webhook",
            target: hook.url.clone(),
        });
    }
    if let Some(folder) = &spec.outbox {
        out.push(NewDelivery {
            id: format!("{}-outbox", report.id),
            channel: "outbox",
            target: folder.clone(),
        });
    }
    out
}

/// The files a subscription's formats ask for, and the Annex A lists.
pub fn attachment_files<'a>(files: &'a [ReportFile], spec: &Spec) -> Vec<&'a ReportFile> {
    let wanted = |name: &str| match name {
        render::HTML => spec.formats.contains(&Format::Html),
        render::CSV => spec.formats.contains(&Format::Csv),
        render::JSON => spec.formats.contains(&Format::Json),
        render::LIST_8 | render::LIST_9 => true,
        _ => false,
    };
    files.iter().filter(|f| wanted(&f.name)).collect()
}

/// The outbox's files, named by the delivery's key: `KEY.html`, `KEY-annex-a-list-8.csv`.
fn outbox_files(files: &[ReportFile], spec: &Spec, key: &str) -> Vec<(String, ReportFile)> {
    attachment_files(files, spec)
        .into_iter()
        .map(|f| {
            let name = match f.name.strip_prefix("report") {
                Some(ext) => format!("{key}{ext}"),
                None => format!("{key}-{}", f.name),
            };
            (name, f.clone())
        })
        .collect()
}

/// The webhook's body, the same bytes on every attempt: the Standard Webhooks envelope with
/// the report's JSON.
pub fn webhook_body(
    report: &Report,
    sub: &Subscription,
    files: &[ReportFile],
) -> Result<Vec<u8>, SchedulerError> {
    let json = files
        .iter()
        .find(|f| f.name == render::JSON)
        .ok_or_else(|| SchedulerError::Other("the report has no JSON".into()))?;
    let data: serde_json::Value = serde_json::from_slice(&json.body).map_err(StoreError::from)?;
    let listed: Vec<_> = files
        .iter()
        .map(
            |f| serde_json::json!({"name": f.name, "media_type": f.media_type, "sha256": f.sha256}),
        )
        .collect();
    let body = serde_json::json!({
        "type": "report.rendered",
        "timestamp": report.rendered_at.clone().unwrap_or_else(|| report.created_at.clone()),
        "data": {
            "report_id": report.id,
            "subscription_id": sub.id,
            "subscription": sub.name,
            "audience": sub.spec.audience,
            "scheduled_for": report.scheduled_for,
            "files": listed,
            "content": data,
        }
    });
    Ok(serde_json::to_vec(&body).map_err(StoreError::from)?)
}
