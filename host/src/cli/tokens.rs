//! `carecheck token …`: create, list, rotate and revoke API tokens from the server itself (the
//! same services as the admin API, without a scope: whoever runs this command holds the
//! database).

use anyhow::Result;

use super::{Finished, TokenCommand};
use crate::access::tokens;
use crate::config::Config;
use crate::store::Store;

pub async fn run(config: &Config, command: TokenCommand) -> Result<Finished> {
    let store = Store::open(&config.database_url, 1).await?;
    match command {
        TokenCommand::Create {
            role,
            authority,
            iro,
            label,
            regulator,
        } => {
            let request = tokens::TokenRequest {
                role,
                authorities: authority,
                iro_id: iro,
                label,
                lifetime_days: config.token_lifetime_days,
                regulator,
            };
            let token = tokens::create_as(&store, &request).await?;
            println!("{}", token.token);
            eprintln!(
                "token {} created for role {}, valid for {} days; it is shown only this once",
                token.id,
                role.as_str(),
                config.token_lifetime_days
            );
        }
        TokenCommand::List => {
            for token in tokens::list(&store, None).await? {
                println!("{}", serde_json::to_string(&token)?);
            }
        }
        TokenCommand::Rotate { id } => {
            let token = tokens::rotate(&store, &id, config.token_lifetime_days, None).await?;
            println!("{}", token.token);
            eprintln!(
                "token {id} revoked and replaced by {}; the new secret is shown only this once",
                token.id
            );
        }
        TokenCommand::Revoke { id } => {
            tokens::revoke(&store, &id, None).await?;
            eprintln!("token {id} revoked");
        }
    }
    Ok(Finished::Complete)
}
