//! `carecheck subscription …`: scheduled reports from the server itself, for scripts. The same
//! services as the admin API, without a scope (whoever runs this holds the database), so the
//! command line may also name outbox folders. `run` makes a report at once and delivers it
//! before it returns.

use anyhow::{Result, bail};
use clap::Subcommand;

use super::Finished;
use crate::AppState;
use crate::subscriptions::{Offered, SubscriptionError, SubscriptionRequest, queries, service};

// Parsed once per process: the size of its largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum SubscriptionCommand {
    /// Create a subscription (every field checked; problems are printed one per line).
    Create {
        #[arg(long)]
        name: String,
        /// safeguarding-partnership, corporate-parenting-board, health-and-wellbeing-board,
        /// inspector or iro-digest.
        #[arg(long)]
        audience: String,
        #[arg(long = "authority", required = true)]
        authorities: Vec<String>,
        #[arg(long = "policy")]
        policies: Vec<String>,
        /// Cron expression on the Europe/London clock (5 fields, or 6 with seconds first).
        #[arg(long)]
        cron: String,
        /// html, csv or json (repeat; default all three).
        #[arg(long = "format")]
        formats: Vec<String>,
        #[arg(long = "email")]
        email: Vec<String>,
        #[arg(long)]
        webhook: Option<String>,
        /// whsec_… (generated and printed once if not given).
        #[arg(long)]
        webhook_secret: Option<String>,
        /// A folder name under outbox_dir.
        #[arg(long)]
        outbox: Option<String>,
        /// none, latest (default) or all.
        #[arg(long)]
        catch_up: Option<String>,
        #[arg(long)]
        suppress_below: Option<u32>,
        #[arg(long)]
        digest_days: Option<u32>,
        #[arg(long = "iro")]
        iros: Vec<String>,
    },
    /// List subscriptions (never a webhook secret).
    List,
    /// One subscription and its latest reports with their deliveries.
    Show {
        id: String,
    },
    Pause {
        id: String,
    },
    /// Resume; times that passed while paused are not made up.
    Resume {
        id: String,
    },
    /// Delete a subscription with its reports.
    Delete {
        id: String,
    },
    /// Make a report now, render it and attempt its deliveries before returning.
    Run {
        id: String,
    },
}

pub async fn run(state: AppState, command: SubscriptionCommand) -> Result<Finished> {
    let store = &state.store;
    match command {
        SubscriptionCommand::Create {
            name,
            audience,
            authorities,
            policies,
            cron,
            formats,
            email,
            webhook,
            webhook_secret,
            outbox,
            catch_up,
            suppress_below,
            digest_days,
            iros,
        } => {
            let request = SubscriptionRequest {
                name,
                audience,
                authorities,
                policies,
                cron,
                formats,
                email,
                webhook_url: webhook,
                webhook_secret,
                outbox,
                catch_up,
                suppress_below,
                digest_days,
                iros,
            };
            let policy_ids = state.policy_ids();
            let offered = Offered::new(&state.config, &policy_ids, true);
            match service::create(store, &request, offered, None, "cli:subscription").await {
                Ok(created) => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&created.subscription.view())?
                    );
                    if let Some(secret) = created.generated_secret {
                        eprintln!("webhook secret (shown only this once): {secret}");
                    }
                }
                Err(SubscriptionError::Invalid(problems)) => {
                    for p in &problems {
                        eprintln!("{}: {}", p.path, p.message);
                    }
                    bail!(
                        "the subscription is not valid ({} problems)",
                        problems.len()
                    );
                }
                Err(e) => return Err(e.into()),
            }
        }
        SubscriptionCommand::List => {
            for sub in service::list(store, None).await? {
                println!("{}", serde_json::to_string(&sub.view())?);
            }
        }
        SubscriptionCommand::Show { id } => {
            let sub = service::managed(store, None, &id).await?;
            println!("{}", serde_json::to_string_pretty(&sub.view())?);
            for report in queries::reports_of(store, &sub.id, 10).await? {
                println!("{}", serde_json::to_string(&report)?);
                for d in queries::deliveries_of(store, &report.id).await? {
                    println!("  {}", serde_json::to_string(&d)?);
                }
            }
        }
        SubscriptionCommand::Pause { id } => {
            let sub = service::set_paused(store, None, &id, true).await?;
            eprintln!("subscription {} paused", sub.name);
        }
        SubscriptionCommand::Resume { id } => {
            let sub = service::set_paused(store, None, &id, false).await?;
            eprintln!("subscription {} resumed", sub.name);
        }
        SubscriptionCommand::Delete { id } => {
            service::delete(store, None, &id).await?;
            eprintln!("subscription {id} deleted with its reports");
        }
        SubscriptionCommand::Run { id } => {
            let now = chrono::Utc::now();
            let report_id = service::run_now(store, None, &id, now).await?;
            state
                .scheduler()
                .run_until_idle(now + chrono::Duration::seconds(1))
                .await?;
            let report = queries::report(store, &report_id).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            let mut undelivered = 0;
            for d in queries::deliveries_of(store, &report_id).await? {
                eprintln!("{} to {}: {}", d.channel, d.target, d.state);
                undelivered += usize::from(d.state != "delivered");
            }
            if report.is_none_or(|r| r.state != "rendered") || undelivered > 0 {
                return Ok(Finished::Partial);
            }
        }
    }
    Ok(Finished::Complete)
}
