//! `onething`: the single binary of the OneThing engine.
//!
//! Subcommands grow with each capability; configuration comes from flags and the
//! matching `ONETHING_*` environment variables (see the README).

mod bundled;
mod calendar_cmd;
mod cert_cmd;
mod eligibility_cmd;
mod ledger_cmd;
mod run;
mod show;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "onething", version, about = "OneThing (一件事): 高效办成一件事 engine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check and show the catalog of items and one-things.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Run the server (production): SQLite in the data directory, or PostgreSQL.
    Serve {
        #[command(flatten)]
        server: run::ServerOptions,
        #[command(flatten)]
        source: CatalogSource,
        /// Also create the demo accounts (for trials and load tests, never production).
        #[arg(long, env = "ONETHING_DEMO_ACCOUNTS")]
        demo_accounts: bool,
    },
    /// Run the server on embedded SQLite with the bundled catalog and demo accounts.
    Demo {
        /// Address and port to listen on.
        #[arg(long, env = "ONETHING_LISTEN", default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Directory of the demo database.
        #[arg(long, env = "ONETHING_DATA_DIR", default_value = "data/demo")]
        data_dir: PathBuf,
        #[command(flatten)]
        ledger: ledger_cmd::KeyOptions,
        /// Seconds between signed ledger checkpoints.
        #[arg(long, env = "ONETHING_CHECKPOINT_SECONDS", default_value_t = 60)]
        checkpoint_seconds: u64,
        #[command(flatten)]
        watch: run::WatchOptions,
        #[command(flatten)]
        source: CatalogSource,
        /// Public, anonymous requests allowed per second per client address (0: no limit).
        #[arg(long, env = "ONETHING_PUBLIC_RATE", default_value_t = 10.0)]
        public_rate: f64,
        #[command(flatten)]
        identity: run::IdentityOptions,
        /// Webhook dispatch and NATS publishing.
        #[command(flatten)]
        events: run::EventOptions,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        server: run::ServerOptions,
    },
    /// The tamper-evident ledger: verify it, sign checkpoints, prove entries.
    Ledger {
        #[command(subcommand)]
        command: ledger_cmd::LedgerCommand,
    },
    /// E-certificates (电子证照): verify a file offline, export or rotate department keys.
    Cert {
        #[command(subcommand)]
        command: cert_cmd::CertCommand,
    },
    /// The holiday calendar: show it, check a notice's year file, import it.
    Calendar {
        #[command(subcommand)]
        command: calendar_cmd::CalendarCommand,
    },
    /// 免申即享: evaluate benefit policies over the shared population.
    Eligibility {
        #[command(subcommand)]
        command: eligibility_cmd::EligibilityCommand,
    },
    /// Synthetic shared data (人口、婚姻、社保…) for trials and load tests.
    Population {
        #[command(subcommand)]
        command: cert_cmd::PopulationCommand,
    },
}

#[derive(clap::Args)]
pub(crate) struct CatalogSource {
    /// Catalog directory; the bundled catalog when not given.
    #[arg(long, env = "ONETHING_CATALOG")]
    pub(crate) catalog: Option<PathBuf>,
    /// Directory of extra holiday-calendar year files (YYYY.toml) added to the bundled years.
    #[arg(long, env = "ONETHING_CALENDAR_DIR")]
    pub(crate) calendar_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Check every file of the catalog; exit non-zero with every problem found.
    Check {
        #[command(flatten)]
        source: CatalogSource,
    },
    /// Write a complete, valid example application for a one-thing, ready to submit
    /// over the API: submission.json, a scan for each material, and submit.sh.
    Example {
        #[command(flatten)]
        source: CatalogSource,
        /// One-thing id (newborn) or Chinese name (新生儿出生).
        one_thing: String,
        /// Directory to write into (created if missing).
        #[arg(long, default_value = "example")]
        out: PathBuf,
    },
    /// List the one-things, or show the plan (一次告知) of one for given answers.
    Show {
        #[command(flatten)]
        source: CatalogSource,
        /// One-thing id (newborn) or Chinese name (新生儿出生), or a group of one-things
        /// (一类事, e.g. enterprise-entry); omit to list all.
        one_thing: Option<String>,
        /// An answer to a situation question, as question=option (repeatable).
        #[arg(long = "answer", short = 'a', value_name = "QUESTION=OPTION")]
        answers: Vec<String>,
        /// An e-certificate type the applicant already holds (repeatable).
        #[arg(long = "holds", value_name = "CERTIFICATE")]
        holds: Vec<String>,
        /// A data element available from shared data for this applicant (repeatable).
        #[arg(long = "shared", value_name = "ELEMENT")]
        shared: Vec<String>,
        /// The applicant declines to let departments obtain shared data and
        /// e-certificates: they hand those materials in.
        #[arg(long)]
        no_consent: bool,
        /// Start date (YYYY-MM-DD); today in China when not given.
        #[arg(long)]
        start: Option<NaiveDate>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("错误：{error:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            server,
            source,
            demo_accounts,
        } => {
            run::init_logging(&server.log_format);
            let calendar = load_calendar(&source)?;
            runtime()?.block_on(async {
                let state = run::build_state(&server, source.catalog.as_deref(), calendar).await?;
                if demo_accounts {
                    server::seed_demo_accounts(&state)
                        .await
                        .map_err(|e| anyhow::anyhow!(e.message))?;
                    tracing::warn!("demo accounts created");
                }
                run::start_background(&state, &server).await?;
                let listener = tokio::net::TcpListener::bind(server.listen)
                    .await
                    .with_context(|| format!("无法监听 {}", server.listen))?;
                tracing::info!(address = %listener.local_addr()?, backend = state.store.backend(), "listening");
                run::serve(state, listener).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            listen,
            data_dir,
            source,
            ledger,
            checkpoint_seconds,
            watch,
            public_rate,
            identity,
            events,
        } => {
            let options = run::ServerOptions {
                listen,
                data_dir,
                database: None,
                ledger,
                checkpoint_seconds,
                watch,
                log_format: "text".into(),
                sources: None,
                cert_algorithm: certs_default_algorithm(),
                issuer_master_key: None,
                public_rate,
                https: false,
                metrics_token: None,
                identity,
                events,
            };
            run::init_logging(&options.log_format);
            let calendar = load_calendar(&source)?;
            runtime()?.block_on(async {
                let state = run::build_state(&options, source.catalog.as_deref(), calendar).await?;
                let accounts = server::seed_demo_accounts(&state)
                    .await
                    .map_err(|e| anyhow::anyhow!(e.message))?;
                let seeded = cert_cmd::seed_demo_population(&state, DEMO_PERSONS).await?;
                if seeded > 0 {
                    println!("已生成演示共享数据 {seeded} 条（人口、婚姻、社保、医保、公积金、法人）");
                }
                run::start_background(&state, &options).await?;
                let listener = tokio::net::TcpListener::bind(options.listen)
                    .await
                    .with_context(|| format!("无法监听 {}", options.listen))?;
                let address = listener.local_addr()?;
                println!("OneThing 演示已启动 / demo running: http://{address}/");
                println!("API: http://{address}/api/v1/openapi.json");
                println!("数据库 / database: {}", options.data_dir.join("onething.db").display());
                println!(
                    "演示账号（密码均为 {}）/ demo accounts (password {}):",
                    server::auth::DEMO_PASSWORD,
                    server::auth::DEMO_PASSWORD
                );
                for account in &accounts {
                    println!(
                        "  {:<14} {:<10} {}",
                        account.username,
                        account.role.as_str(),
                        account.display_name
                    );
                }
                println!("按 Ctrl-C 停止 / press Ctrl-C to stop");
                run::serve(state, listener).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { server } => {
            run::init_logging(&server.log_format);
            runtime()?.block_on(async {
                let store = run::open_store(&server).await?;
                println!("数据库已迁移到最新版本（{}）", store.backend());
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ledger { command } => ledger_cmd::run(command),
        Command::Cert { command } => cert_cmd::run(command),
        Command::Population { command } => cert_cmd::population(command),
        Command::Calendar { command } => calendar_cmd::run(command),
        Command::Eligibility { command } => eligibility_cmd::run(command),
        Command::Catalog { command } => match command {
            CatalogCommand::Check { source } => catalog_check(&source),
            CatalogCommand::Show {
                source,
                one_thing,
                answers,
                holds,
                shared,
                no_consent,
                start,
                json,
            } => {
                let consent = if no_consent {
                    catalog::SharedConsent::Declined
                } else {
                    catalog::SharedConsent::NotAsked
                };
                catalog_show(
                    &source,
                    one_thing.as_deref(),
                    &answers,
                    (holds, shared, consent),
                    start,
                    json,
                )
            }
            CatalogCommand::Example { source, one_thing, out } => catalog_example(&source, &one_thing, &out),
        },
    }
}

/// Synthetic persons in the demo's shared data, besides the named demo people.
const DEMO_PERSONS: usize = 5_000;

fn certs_default_algorithm() -> String {
    "SM2-SM3".to_owned()
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动运行时")
}

pub(crate) fn load_calendar(source: &CatalogSource) -> anyhow::Result<calendar::Calendar> {
    let mut calendar = calendar::Calendar::official().context("内置节假日数据无效")?;
    if let Some(dir) = &source.calendar_dir {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("无法读取日历目录 {}", dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).with_context(|| format!("无法读取 {}", path.display()))?;
            calendar.add_year_file(&path.display().to_string(), &text)?;
        }
    }
    Ok(calendar)
}

fn catalog_check(source: &CatalogSource) -> anyhow::Result<ExitCode> {
    let catalog = bundled::load_catalog(source.catalog.as_deref())?;
    load_calendar(source)?;
    match catalog {
        Ok(catalog) => {
            // The shared data sources, and every declared check (可用不可见) against them.
            let (sources_path, sources_text) = bundled::sources_text(source.catalog.as_deref(), None)?;
            if let Err(problems) = server::sharing::load_registry(&sources_path, &sources_text, &catalog) {
                eprintln!("{}", problems.join("\n"));
                return Ok(ExitCode::FAILURE);
            }
            let checks: usize = catalog.items.values().map(|item| item.checks.len()).sum();
            println!(
                "目录检查通过：{} 个部门，{} 个数据元，{} 种证照，{} 种材料，{} 个事项（{} 个可用不可见核验），{} 个一件事，{} 个一类事，{} 项惠民惠企政策",
                catalog.departments.len(),
                catalog.elements.len(),
                catalog.certificates.len(),
                catalog.materials.len(),
                catalog.items.len(),
                checks,
                catalog.one_things.len(),
                catalog.groups.len(),
                catalog.policies.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            eprintln!("{problems}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn parse_answers(answers: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut parsed = BTreeMap::new();
    for answer in answers {
        let Some((question, option)) = answer.split_once('=') else {
            bail!("回答“{answer}”应写成 问题=选项，例如 --answer parents_married=yes");
        };
        parsed.insert(question.trim().to_owned(), option.trim().to_owned());
    }
    Ok(parsed)
}

/// Today's date in China (UTC+8), for plans computed without an explicit start.
pub(crate) fn today_in_china() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// A one-page PDF with no content: accepted as a scan by the server's checks.
const EXAMPLE_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n";

fn catalog_example(source: &CatalogSource, key: &str, out: &Path) -> anyhow::Result<ExitCode> {
    let catalog = match bundled::load_catalog(source.catalog.as_deref())? {
        Ok(catalog) => catalog,
        Err(problems) => {
            eprintln!("{problems}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let Some(one_thing) = catalog.find_one_thing(key) else {
        bail!("没有找到一件事“{key}”；运行 onething catalog show 查看全部");
    };
    let calendar = load_calendar(source)?;
    let today = today_in_china();
    let plan = catalog::example::fullest_plan(&catalog, one_thing, today, &calendar)
        .map_err(|error| anyhow::anyhow!("无法计算一次告知：{error}"))?;
    let example = catalog::example::example(&catalog, &plan, today);
    std::fs::create_dir_all(out).with_context(|| format!("无法创建目录 {}", out.display()))?;
    let submission = serde_json::json!({
        "one_thing": example.one_thing,
        "answers": example.answers,
        "form": example.form,
        "commitments": example.commitments,
    });
    std::fs::write(
        out.join("submission.json"),
        serde_json::to_string_pretty(&submission)? + "\n",
    )
    .with_context(|| format!("无法写入 {}", out.display()))?;
    let mut parts = String::new();
    for material in &example.uploads {
        std::fs::write(out.join(format!("{material}.pdf")), EXAMPLE_PDF)?;
        parts.push_str(&format!(
            " \\\n  -F 'material.{material}=@{material}.pdf;type=application/pdf'"
        ));
    }
    let script = format!(
        "#!/bin/sh\n\
         # Submits the example application for {name} as the account whose session\n\
         # token is in $T (POST /api/v1/login). ONETHING_URL: http://localhost:8080 by default.\n\
         set -eu\n\
         cd \"$(dirname \"$0\")\"\n\
         curl -sS \"${{ONETHING_URL:-http://localhost:8080}}/api/v1/cases\" \\\n  \
         -H \"authorization: Bearer $T\" -H \"Idempotency-Key: example-{id}-$(date +%s)\" \\\n  \
         -F 'submission=<submission.json;type=application/json'{parts}\n\
         echo\n",
        name = plan.name,
        id = example.one_thing,
    );
    std::fs::write(out.join("submit.sh"), script)?;
    println!("{}：示例申请已写入 {}", plan.name, out.display());
    println!(
        "  submission.json  情形回答 {} 项，表单 {} 项，告知承诺 {} 项",
        example.answers.len(),
        example.form.len(),
        example.commitments.len()
    );
    for material in &example.uploads {
        let name = catalog
            .materials
            .get(material)
            .map_or(material.as_str(), |m| m.name.as_str());
        println!("  {material}.pdf  {name}");
    }
    println!("  submit.sh        提交：T=<登录令牌> sh {}/submit.sh", out.display());
    Ok(ExitCode::SUCCESS)
}

fn catalog_show(
    source: &CatalogSource,
    key: Option<&str>,
    answers: &[String],
    (holds, shared, consent): (Vec<String>, Vec<String>, catalog::SharedConsent),
    start: Option<NaiveDate>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let catalog = match bundled::load_catalog(source.catalog.as_deref())? {
        Ok(catalog) => catalog,
        Err(problems) => {
            eprintln!("{problems}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let Some(key) = key else {
        print!("{}", show::list(&catalog));
        if !catalog.groups.is_empty() {
            println!("\n一类事：");
            print!("{}", show::groups(&catalog));
        }
        return Ok(ExitCode::SUCCESS);
    };
    let Some(one_thing) = catalog.find_one_thing(key) else {
        if let Some(group) = catalog
            .groups
            .values()
            .find(|g| g.id == key || g.name == key || g.name.strip_suffix("一类事") == Some(key))
        {
            let calendar = load_calendar(source)?;
            let start = start.unwrap_or_else(today_in_china);
            let plan = catalog::group_plan(&catalog, group, start, &calendar)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&plan)?);
            } else {
                print!("{}", show::group(&plan));
            }
            return Ok(ExitCode::SUCCESS);
        }
        bail!("没有找到一件事或一类事“{key}”；运行 onething catalog show 查看全部");
    };
    let calendar = load_calendar(source)?;
    let answers = parse_answers(answers)?;
    let holdings = catalog::Holdings {
        certificates: holds.into_iter().collect::<BTreeSet<_>>(),
        elements: shared.into_iter().collect::<BTreeSet<_>>(),
        consent,
    };
    let start = start.unwrap_or_else(today_in_china);
    match catalog::compute_plan(&catalog, one_thing, &answers, &holdings, start, &calendar) {
        Ok(plan) if json => {
            println!("{}", serde_json::to_string_pretty(&plan)?);
            Ok(ExitCode::SUCCESS)
        }
        Ok(plan) => {
            print!("{}", show::plan(&catalog, &plan));
            Ok(ExitCode::SUCCESS)
        }
        Err(catalog::PlanError::Answers(errors)) => {
            eprint!("{}", show::questions(one_thing));
            for error in errors {
                eprintln!("错误：{error}");
            }
            Ok(ExitCode::from(2))
        }
        Err(error) => Err(error.into()),
    }
}
