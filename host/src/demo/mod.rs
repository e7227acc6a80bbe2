//! The demo: a synthetic authority written through the one write path, evaluated by the run
//! engine, and a token for every role, so a new user can try every endpoint at once.

mod generator;

use std::sync::Arc;

use chrono::NaiveDate;

pub use generator::Generator;

use crate::access::tokens::{self, NewToken, TokenError};
use crate::access::{Actor, Role};
use crate::iros::{self, IroError, IroFields};
use crate::plugins::sets::PolicySets;
use crate::records::{DueDates, RecordError, Submission, Writer};
use crate::regulators::{self, RegulatorError};
use crate::runs::{self, RunError, RunSummary, Scope};
use crate::store::Store;
use crate::subscriptions::{self, Offered, SubscriptionError, SubscriptionRequest, service};

/// The authority the demo's children belong to.
pub const AUTHORITY: &str = "E10000001";

/// The regulator the demo's regulator token acts for.
pub const REGULATOR: &str = "demo-inspectorate";

/// Children generated and written per transaction.
const BATCH: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The generator made a record that fails validation: a bug in the generator.
    #[error("the generator made an invalid record for child {child_id}: {problems}")]
    InvalidRecord { child_id: String, problems: String },
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Regulator(#[from] RegulatorError),
    #[error(transparent)]
    Subscription(#[from] SubscriptionError),
    #[error(transparent)]
    Iro(#[from] IroError),
}

/// Synthetic names for the demo's IROs.
const IRO_NAMES: &[&str] = &[
    "Ann Ashdown",
    "Bal Brook",
    "Cara Carver",
    "Dev Dale",
    "Eve Eastwood",
    "Finn Fairley",
    "Gita Garside",
    "Hal Holt",
    "Iris Ince",
    "Jon Jessop",
];

/// Puts the demo's IROs in the directory: most full time, every fourth on 0.6 of full time (so
/// the admin page shows a caseload above the scaled guide).
async fn directory(store: &Store, iros: u32, actor: &Actor) -> Result<(), DemoError> {
    for n in 1..=iros {
        let id = Generator::iro_id(n);
        let fields = IroFields {
            authority: AUTHORITY.to_string(),
            name: IRO_NAMES[(n as usize - 1) % IRO_NAMES.len()].to_string(),
            email: format!("{}@example.invalid", id.to_ascii_lowercase()),
            working_hours: if n % 4 == 0 { 0.6 } else { 1.0 },
        };
        iros::set(store, &id, &fields, actor).await?;
    }
    Ok(())
}

/// What the demo set up.
#[derive(Debug)]
pub struct Demo {
    pub run: RunSummary,
    /// One token per role, labelled with the role's name.
    pub tokens: Vec<(&'static str, NewToken)>,
}

/// Generates `children` synthetic children as of `today`, writes them, evaluates them all, and
/// creates a token for each role.
pub async fn set_up(
    store: &Store,
    policies: &Arc<PolicySets>,
    due_dates: &DueDates,
    today: NaiveDate,
    children: u64,
    seed: u64,
    parallelism: usize,
) -> Result<Demo, DemoError> {
    let actor = Actor::operator("demo");
    let writer = Writer {
        store,
        due_dates,
        today,
        actor: &actor,
        source: "demo",
        scope: None,
    };
    let mut generator = Generator::new(seed, AUTHORITY, today, &due_dates.calendar, children);
    let mut left = children;
    while left > 0 {
        let n = left.min(BATCH as u64);
        left -= n;
        let records: Vec<_> = (0..n).map(|_| generator.child()).collect();
        let batch = records
            .iter()
            .map(|r| Submission::new(serde_json::to_value(r).expect("care records serialise")))
            .collect();
        for (record, checked) in records.iter().zip(writer.write(batch).await?) {
            if let Err(problems) = checked {
                return Err(DemoError::InvalidRecord {
                    child_id: record.child.id.clone(),
                    problems: problems
                        .iter()
                        .map(|p| format!("{} {}", p.path, p.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                });
            }
        }
    }
    let run = runs::run(
        store,
        policies,
        today,
        &Scope::default(),
        &actor,
        parallelism,
        |_, _| {},
    )
    .await?;
    directory(store, Generator::iros_for(children), &actor).await?;
    let authority = [AUTHORITY.to_string()];
    let iro = Generator::iro_id(1);
    let tokens = vec![
        (
            "admin",
            tokens::create(store, Role::Admin, &[], None, Some("demo")).await?,
        ),
        (
            "iro",
            tokens::create(store, Role::Iro, &authority, Some(&iro), Some("demo")).await?,
        ),
        (
            "board",
            tokens::create(store, Role::Board, &authority, None, Some("demo")).await?,
        ),
        (
            "inspector",
            tokens::create(store, Role::Inspector, &authority, None, Some("demo")).await?,
        ),
        ("regulator", demo_regulator(store, &actor).await?),
    ];
    Ok(Demo { run, tokens })
}

/// The demo's regulator, [`REGULATOR`], registered with a fresh key whose private half is
/// thrown away (a regulator keeps its own: `carecheck plugin keygen`), and a token acting for it.
async fn demo_regulator(store: &Store, actor: &Actor) -> Result<NewToken, DemoError> {
    let (_, public) = regulators::keys::generate();
    let key = regulators::keys::parse_public(&public).map_err(RegulatorError::Invalid)?;
    regulators::add_key(store, REGULATOR, &key, actor).await?;
    let request = tokens::TokenRequest {
        role: Role::Regulator,
        authorities: Vec::new(),
        iro_id: None,
        label: Some("demo".into()),
        lifetime_days: tokens::DEFAULT_LIFETIME_DAYS,
        regulator: Some(REGULATOR.into()),
    };
    Ok(tokens::create_as(store, &request).await?)
}

/// The demo's sample subscriptions: a corporate parenting board's weekly report and an
/// inspector's, each writing to its own outbox folder. Returns their ids.
pub async fn subscribe(store: &Store, policies: &[String]) -> Result<Vec<String>, DemoError> {
    let offered = Offered {
        policies,
        smtp: false,
        outbox: true,
        may_use_outbox: true,
    };
    let mut ids = Vec::new();
    for (name, audience, outbox) in [
        (
            "Demo corporate parenting board",
            subscriptions::Audience::CorporateParentingBoard,
            "demo-board",
        ),
        (
            "Demo inspection",
            subscriptions::Audience::Inspector,
            "demo-inspector",
        ),
    ] {
        let request = SubscriptionRequest {
            name: name.into(),
            audience: audience.as_str().into(),
            authorities: vec![AUTHORITY.into()],
            cron: "0 7 * * MON".into(),
            outbox: Some(outbox.into()),
            ..Default::default()
        };
        let created = service::create(store, &request, offered, None, "demo").await?;
        ids.push(created.subscription.id);
    }
    Ok(ids)
}
