//! `onething eligibility run`: 免申即享 from the command line — every bundled policy
//! (or one) evaluated over the shared data of the data directory or PostgreSQL, as an
//! operator with the administrator's rights, through the same use case as the API
//! (`app::benefits::run_policy`): findings, ledger entries and messages alike.

use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum EligibilityCommand {
    /// Evaluate policies over the whole shared population and store the findings.
    Run {
        /// One policy id (e.g. childcare_subsidy); default: every policy.
        #[arg(long)]
        policy: Option<String>,
        /// The evaluation date (YYYY-MM-DD), which fixes the year or month evaluated;
        /// default: today in China.
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// Who is running it, for the ledger (default: $USER).
        #[arg(long)]
        operator: Option<String>,
        #[command(flatten)]
        server: crate::run::ServerOptions,
        #[command(flatten)]
        source: crate::CatalogSource,
    },
}

pub fn run(command: EligibilityCommand) -> anyhow::Result<ExitCode> {
    let EligibilityCommand::Run {
        policy,
        as_of,
        operator,
        server,
        source,
    } = command;
    crate::run::init_logging("text");
    let calendar = crate::load_calendar(&source)?;
    let actor = crate::run::operator_account(operator);
    crate::runtime()?.block_on(async {
        let state = crate::run::build_state_quiet(&server, source.catalog.as_deref(), calendar).await?;
        let ids: Vec<String> = match policy {
            Some(id) => vec![id],
            None => state.catalog.policies.keys().cloned().collect(),
        };
        let mut failed = false;
        for id in ids {
            let started = Instant::now();
            match server::app::benefits::run_policy(&state, &actor, &id, as_of).await {
                Ok(summary) => println!(
                    "{}（{}）：核查 {} 个对象，符合 {} 个（新增 {} 个），合计 {} 元，用时 {:.2?}",
                    summary.policy_name,
                    summary.period_label,
                    summary.evaluated,
                    summary.qualifying,
                    summary.new_findings,
                    summary.total_amount_yuan,
                    started.elapsed()
                ),
                Err(error) => {
                    eprintln!("{id}：{}（{}）", error.message, error.code);
                    failed = true;
                }
            }
        }
        anyhow::Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
    })
}
