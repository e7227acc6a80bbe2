//! `carecheck iro …`: keep the IRO directory from the server itself (the same services as the
//! admin API, without a scope: whoever runs this command holds the database).

use anyhow::{Result, bail};
use serde_json::json;

use super::{Finished, IroCommand};
use crate::access::Actor;
use crate::config::Config;
use crate::iros;
use crate::store::Store;

pub async fn run(config: &Config, command: IroCommand) -> Result<Finished> {
    let store = Store::open(&config.database_url, 1).await?;
    match command {
        IroCommand::Set {
            id,
            authority,
            name,
            email,
            hours,
        } => {
            let body = json!({"authority": authority, "name": name, "email": email, "working_hours": hours});
            let fields = match iros::parse_fields(&body, None) {
                Ok(fields) => fields,
                Err(problems) => bail!(
                    "{}",
                    problems
                        .iter()
                        .map(|p| format!(
                            "--{}: {}",
                            p.path
                                .trim_start_matches('/')
                                .replace("working_hours", "hours"),
                            p.message
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            };
            let (iro, created) =
                iros::set(&store, &id, &fields, &Actor::operator("cli:iro")).await?;
            println!("{}", serde_json::to_string(&iro)?);
            eprintln!(
                "IRO {id} of {} {}",
                iro.authority,
                if created { "added" } else { "updated" }
            );
        }
        IroCommand::List { authority } => {
            let scope = authority.map(|a| vec![a]);
            let today = chrono::Utc::now().date_naive();
            for iro in
                iros::with_caseloads(&store, scope.as_deref(), today, config.iro_caseload).await?
            {
                println!("{}", serde_json::to_string(&iro)?);
            }
        }
    }
    Ok(Finished::Complete)
}
