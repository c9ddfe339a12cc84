//! `onething eligibility run`: 免申即享 from the command line — every bundled policy
//! (or one) evaluated over the shared data of the data directory or PostgreSQL, as an
//! operator with the administrator's rights, through the same use case as the API
//! (`app::benefits::run_policy`): findings, ledger entries and messages alike. A line
//! on standard error shows the stage of the run, refreshed every second, and the time
//! each stage took is printed with the result.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use server::app::benefits::RunProgress;

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
            let stages: Arc<Mutex<Vec<(RunProgress, Instant)>>> = Arc::default();
            let display = Display::start(id.clone(), stages.clone());
            let report = |stage: RunProgress| {
                if let Ok(mut stages) = stages.lock() {
                    stages.push((stage, Instant::now()));
                }
            };
            let result = server::app::benefits::run_policy_reporting(&state, &actor, &id, as_of, &report).await;
            display.stop();
            match result {
                Ok(summary) => println!(
                    "{}（{}）：核查 {} 个对象，符合 {} 个（新增 {} 个），合计 {} 元，用时 {:.2?}{}",
                    summary.policy_name,
                    summary.period_label,
                    summary.evaluated,
                    summary.qualifying,
                    summary.new_findings,
                    summary.total_amount_yuan,
                    started.elapsed(),
                    stages.lock().map(|stages| split(&stages)).unwrap_or_default()
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

/// What a stage is doing, in words.
fn describe(stage: RunProgress) -> String {
    match stage {
        RunProgress::Reading => "第 1/3 步：读取共享数据".to_owned(),
        RunProgress::Evaluating { records, subjects } => {
            format!("第 2/3 步：核查 {subjects} 个对象（{records} 条共享记录）")
        }
        RunProgress::Storing { findings, accesses } => {
            format!("第 3/3 步：保存 {findings} 条认定结果和 {accesses} 条核查留痕")
        }
        RunProgress::Done => "已完成".to_owned(),
    }
}

/// `（读取 1.2s，核查 0.3s，保存 4.5s）`: how long each stage took.
fn split(stages: &[(RunProgress, Instant)]) -> String {
    let at = |wanted: fn(&RunProgress) -> bool| stages.iter().find(|(stage, _)| wanted(stage)).map(|(_, at)| *at);
    let reading = at(|s| matches!(s, RunProgress::Reading));
    let evaluating = at(|s| matches!(s, RunProgress::Evaluating { .. }));
    let storing = at(|s| matches!(s, RunProgress::Storing { .. }));
    let done = at(|s| matches!(s, RunProgress::Done));
    match (reading, evaluating, storing, done) {
        (Some(reading), Some(evaluating), Some(storing), Some(done)) => format!(
            "（读取 {:.2?}，核查 {:.2?}，保存及留痕 {:.2?}）",
            evaluating - reading,
            storing - evaluating,
            done - storing
        ),
        _ => String::new(),
    }
}

/// The progress line on standard error: the current stage and the time spent in it,
/// refreshed every second while a run lasts (on a terminal in place; otherwise one
/// line per stage).
struct Display {
    stop: mpsc::Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Display {
    fn start(policy: String, stages: Arc<Mutex<Vec<(RunProgress, Instant)>>>) -> Display {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let terminal = std::io::stderr().is_terminal();
            let mut shown = 0usize;
            loop {
                let current = stages.lock().ok().and_then(|stages| {
                    let last = stages.last().copied()?;
                    Some((stages.len(), last))
                });
                if let Some((count, (stage, since))) = current
                    && stage != RunProgress::Done
                {
                    let line = format!("{policy}：{}，已用 {:.0?}", describe(stage), since.elapsed());
                    let mut err = std::io::stderr().lock();
                    if terminal {
                        let _ = write!(err, "\r\x1b[2K{line}");
                        let _ = err.flush();
                    } else if count != shown {
                        let _ = writeln!(err, "{line}");
                    }
                    shown = count;
                }
                match stopped.recv_timeout(Duration::from_secs(1)) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => break,
                }
            }
            if terminal && shown > 0 {
                let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
            }
        });
        Display {
            stop,
            thread: Some(thread),
        }
    }

    fn stop(mut self) {
        let _ = self.stop.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
