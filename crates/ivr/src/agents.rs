//! `ivr agents sync`: puts the configured agents' credentials where the cluster's load
//! balancer authenticates their phones (Kamailio's `subscriber` table in the shared
//! PostgreSQL database), and removes agents no longer configured. Run it after editing the
//! agents; engines need no restart for it.

use clap::{Args, Subcommand};
use ivr_engine::store::{Database, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct AgentsArgs {
    #[command(subcommand)]
    command: AgentsCommand,
}

#[derive(Subcommand)]
enum AgentsCommand {
    /// Write the agents' HA1 digests (realm = the configuration's `realm`) for Kamailio.
    Sync(SyncArgs),
}

#[derive(Args)]
struct SyncArgs {
    /// Engine configuration (YAML) with `agents`, `realm` and a `postgres://` database.
    #[arg(long)]
    config: PathBuf,
    /// The shared database, overriding the configuration's.
    #[arg(long)]
    database: Option<String>,
}

pub fn run(args: &AgentsArgs) -> ExitCode {
    let AgentsCommand::Sync(sync_args) = &args.command;
    match sync(sync_args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ivr agents sync: {message}");
            ExitCode::FAILURE
        }
    }
}

fn sync(args: &SyncArgs) -> Result<(), String> {
    let mut config = crate::speech_setup::read_config(Some(&args.config))?;
    if let Some(database) = &args.database {
        config.database = Some(database.clone());
        config.database_env = None;
    }
    let database = config.database()?;
    if !matches!(database, Database::Postgres(_)) {
        return Err(format!(
            "{}: the database is {}, not the cluster's PostgreSQL: give `database: \
             postgres://...` in the configuration or --database",
            args.config.display(),
            database.describe()
        ));
    }
    let mut accounts = Vec::new();
    for (name, agent) in &config.agents {
        match &agent.ha1 {
            Some(ha1) => accounts.push((name.clone(), ha1.to_ascii_lowercase())),
            None if agent.uri.is_some() => {}
            None => {
                return Err(format!(
                    "{}: agent {name} has neither an ha1 (to register) nor a uri",
                    args.config.display()
                ));
            }
        }
    }
    let store = Store::connect(&database, "agents-sync").map_err(|e| e.to_string())?;
    let synced = store
        .sync_load_balancer_accounts(&config.realm, &accounts)
        .map_err(|e| e.to_string())?;
    println!(
        "{} agent account(s) in realm {}: {} written, {} removed",
        accounts.len(),
        config.realm,
        synced.written,
        synced.removed
    );
    Ok(())
}
