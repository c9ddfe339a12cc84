//! `onething calendar`: show the holiday calendar in force, check a notice's year
//! file, and import it (recomputing every provisional date) into the database.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Show the official and provisional years in force, and any warning.
    Show {
        #[command(flatten)]
        server: crate::run::ServerOptions,
        #[command(flatten)]
        source: crate::CatalogSource,
    },
    /// Check a year file as an official notice, without importing it.
    Check {
        /// The year file (YYYY.toml), as described in calendar/README.md.
        file: PathBuf,
    },
    /// Import a year's official notice: store it, recompute every provisional
    /// deadline and promised date it moves, and message those concerned.
    Import {
        /// The year file (YYYY.toml), as described in calendar/README.md.
        file: PathBuf,
        /// Who is importing, for the ledger (default: $USER).
        #[arg(long)]
        operator: Option<String>,
        #[command(flatten)]
        server: crate::run::ServerOptions,
        #[command(flatten)]
        source: crate::CatalogSource,
    },
}

fn read(file: &PathBuf) -> anyhow::Result<(String, String)> {
    let text = std::fs::read_to_string(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let label = file
        .file_name()
        .map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    Ok((label, text))
}

pub fn run(command: CalendarCommand) -> anyhow::Result<ExitCode> {
    match command {
        CalendarCommand::Check { file } => {
            let (label, text) = read(&file)?;
            match calendar::Calendar::check_notice(&label, &text) {
                Ok(year) => {
                    println!("{label}：{year}年节假日安排检查通过");
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprintln!("{error}（{}）", error.code());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CalendarCommand::Show { server, source } => {
            crate::run::init_logging("text");
            let calendar = crate::load_calendar(&source)?;
            crate::runtime()?.block_on(async {
                let state = crate::run::build_state_quiet(&server, source.catalog.as_deref(), calendar).await?;
                let status = server::holidays::status(&state.calendar(), cases::china_date(state.now()));
                println!("{}", serde_json::to_string_pretty(&status)?);
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        CalendarCommand::Import {
            file,
            operator,
            server,
            source,
        } => {
            crate::run::init_logging("text");
            let (label, text) = read(&file)?;
            let calendar = crate::load_calendar(&source)?;
            let actor = crate::run::operator_account(operator);
            crate::runtime()?.block_on(async {
                let state = crate::run::build_state_quiet(&server, source.catalog.as_deref(), calendar).await?;
                match server::holidays::import_notice(&state, &actor, &label, &text).await {
                    Ok(report) => {
                        println!("已导入{}年节假日安排：{}", report.year, report.source);
                        println!(
                            "检查办件 {} 个，调整期限的办件 {} 个（{} 个日期），调整整改期限 {} 个，发出消息 {} 条",
                            report.cases_examined,
                            report.cases_changed,
                            report.dates_changed.len(),
                            report.rectifications_changed,
                            report.messages
                        );
                        for changed in &report.dates_changed {
                            println!(
                                "  {} {}：{} → {}",
                                changed.case_id, changed.change.name, changed.change.old, changed.change.new
                            );
                        }
                        anyhow::Ok(ExitCode::SUCCESS)
                    }
                    Err(error) => {
                        eprintln!("导入失败：{error}（{}）", error.code());
                        anyhow::Ok(ExitCode::FAILURE)
                    }
                }
            })
        }
    }
}
