//! `serve`, `demo` and `migrate`: opening the store, building the state, serving
//! HTTP until a shutdown signal.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use server::AppState;
use store::Store;

/// Where the server keeps its state and how it listens.
#[derive(clap::Args, Clone, Debug)]
pub struct ServerOptions {
    /// Address and port to listen on.
    #[arg(long, env = "ONETHING_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory of the embedded SQLite database (onething.db).
    #[arg(long, env = "ONETHING_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (postgres://…); the embedded SQLite database when not given.
    #[arg(long, env = "ONETHING_DATABASE_URL")]
    pub database: Option<String>,
    /// The ledger's signing key and origin.
    #[command(flatten)]
    pub ledger: crate::ledger_cmd::KeyOptions,
    /// Seconds between signed ledger checkpoints.
    #[arg(long, env = "ONETHING_CHECKPOINT_SECONDS", default_value_t = 60)]
    pub checkpoint_seconds: u64,
    /// Deadline watch: seconds between runs, and the share of a task's time (percent)
    /// that counts as due soon.
    #[command(flatten)]
    pub watch: WatchOptions,
    /// Log format.
    #[arg(long, env = "ONETHING_LOG_FORMAT", value_parser = ["json", "text"], default_value = "json")]
    pub log_format: String,
    /// Shared data sources (sources.toml); the catalog's own when not given. A
    /// deployment uses its own file to connect sources to departments' HTTP services.
    #[arg(long, env = "ONETHING_SOURCES")]
    pub sources: Option<PathBuf>,
    /// The master key (32 hex digits) that seals department signing keys in the
    /// database (SM4-GCM); default `<data-dir>/issuer-master.key`, created on first
    /// start. Several nodes on one PostgreSQL must share it.
    #[arg(long, env = "ONETHING_ISSUER_MASTER_KEY", hide_env_values = true)]
    pub issuer_master_key: Option<String>,
    /// Public, anonymous requests (certificate verification, share links, login)
    /// allowed per second per client address, with bursts of five times as many;
    /// 0 turns the limit off (load tests).
    #[arg(long, env = "ONETHING_PUBLIC_RATE", default_value_t = 10.0)]
    pub public_rate: f64,
    /// The site is reached over HTTPS (directly or through a TLS proxy): cookies get
    /// the Secure flag and Strict-Transport-Security is sent.
    #[arg(long, env = "ONETHING_HTTPS")]
    pub https: bool,
    /// The bearer token that may read /metrics from another machine; without it,
    /// /metrics answers only requests from this machine.
    #[arg(long, env = "ONETHING_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Events for department systems (webhooks, and NATS when configured).
    #[command(flatten)]
    pub events: EventOptions,
    /// Signature algorithm of newly generated department keys: SM2-SM3 or Ed25519.
    #[arg(long, env = "ONETHING_CERT_ALGORITHM", default_value = "SM2-SM3", value_parser = ["SM2-SM3", "Ed25519"])]
    pub cert_algorithm: String,
    /// 统一身份认证 (OpenID Connect) and password logins.
    #[command(flatten)]
    pub identity: IdentityOptions,
}

/// 统一身份认证: an OpenID Connect provider people log in through, and whether
/// local passwords still work.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct IdentityOptions {
    /// The provider's issuer URL (as its ID tokens name it); turns 统一身份认证 on.
    #[arg(long, env = "ONETHING_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// This site's client id at the provider.
    #[arg(long, env = "ONETHING_OIDC_CLIENT_ID", requires = "oidc_issuer")]
    pub oidc_client_id: Option<String>,
    /// This site's client secret at the provider (sent by HTTP Basic); none for a public client.
    #[arg(long, env = "ONETHING_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// Where the provider sends people back; default `http://<listen>/login/oidc/callback`.
    #[arg(long, env = "ONETHING_OIDC_REDIRECT_URL")]
    pub oidc_redirect_url: Option<String>,
    /// The scopes asked for (space-separated, `openid` among them).
    #[arg(long, env = "ONETHING_OIDC_SCOPES", default_value = "openid profile")]
    pub oidc_scopes: String,
    /// The claim holding the 公民身份号码.
    #[arg(long, env = "ONETHING_OIDC_ID_NUMBER_CLAIM", default_value = "id_number")]
    pub oidc_id_number_claim: String,
    /// The claim naming a staff member's department code, if the provider has one.
    #[arg(long, env = "ONETHING_OIDC_DEPARTMENT_CLAIM")]
    pub oidc_department_claim: Option<String>,
    /// The claim holding the person's name.
    #[arg(long, env = "ONETHING_OIDC_NAME_CLAIM", default_value = "name")]
    pub oidc_name_claim: String,
    /// Refuse password logins: 统一身份认证 is the only way in.
    #[arg(long, env = "ONETHING_NO_PASSWORD_LOGIN")]
    pub no_password_login: bool,
}

impl IdentityOptions {
    /// Sets the provider and the password switch on `state`.
    pub fn apply(&self, state: &mut AppState, listen: SocketAddr) -> anyhow::Result<()> {
        state.password_login = !self.no_password_login;
        let Some(issuer) = self.oidc_issuer.clone().filter(|i| !i.is_empty()) else {
            if self.no_password_login {
                anyhow::bail!("--no-password-login 需要同时配置统一身份认证（--oidc-issuer）");
            }
            return Ok(());
        };
        let client_id = self
            .oidc_client_id
            .clone()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| anyhow::anyhow!("配置了 --oidc-issuer 还须配置 --oidc-client-id"))?;
        if !server::oidc::scopes_include_openid(&self.oidc_scopes) {
            anyhow::bail!("--oidc-scopes 须包含 openid");
        }
        let redirect_url = self
            .oidc_redirect_url
            .clone()
            .unwrap_or_else(|| format!("http://{listen}/login/oidc/callback"));
        let mut config = server::oidc::OidcConfig::new(
            issuer,
            client_id,
            self.oidc_client_secret.clone().filter(|s| !s.is_empty()),
            redirect_url,
        );
        config.scopes = self.oidc_scopes.clone();
        config.id_number_claim = self.oidc_id_number_claim.clone();
        config.department_claim = self.oidc_department_claim.clone().filter(|c| !c.is_empty());
        config.name_claim = self.oidc_name_claim.clone();
        state.oidc = Some(Arc::new(server::oidc::Oidc::new(config)));
        Ok(())
    }
}

pub fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ONETHING_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().flatten_event(true).init();
    } else {
        builder.compact().init();
    }
}

/// Opens the configured store and applies pending migrations.
pub async fn open_store(options: &ServerOptions) -> anyhow::Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = match &options.database {
        Some(url) => Arc::new(
            store::PostgresStore::connect(url)
                .await
                .context("无法连接 PostgreSQL")?,
        ),
        None => {
            std::fs::create_dir_all(&options.data_dir)
                .with_context(|| format!("无法创建数据目录 {}", options.data_dir.display()))?;
            let path = options.data_dir.join("onething.db");
            Arc::new(
                store::SqliteStore::open(&path)
                    .await
                    .with_context(|| format!("无法打开数据库 {}", path.display()))?,
            )
        }
    };
    store.migrate().await.context("数据库迁移失败")?;
    Ok(store)
}

/// The state, with the departments' signing keys; its background loops start with
/// [`start_background`], once whatever the node seeds (the demo's data) is in place.
pub async fn build_state(
    options: &ServerOptions,
    catalog_dir: Option<&Path>,
    calendar: calendar::Calendar,
) -> anyhow::Result<Arc<AppState>> {
    let state = build_state_quiet(options, catalog_dir, calendar).await?;
    let made = server::certify::ensure_keys(&state).await?;
    if made > 0 {
        tracing::info!(keys = made, "department signing keys generated");
    }
    Ok(state)
}

/// The background loops: checkpoints, the deadline watch (with the nightly policy
/// runs), the dashboard count and the event dispatcher. The demo starts them after it
/// has loaded its population, so that a run due at start-up finds the people it is for.
pub async fn start_background(state: &Arc<AppState>, options: &ServerOptions) -> anyhow::Result<()> {
    spawn_checkpoints(state.clone(), options.checkpoint_seconds);
    spawn_deadline_watch(
        state.clone(),
        options.watch.watch_seconds,
        options.watch.benefit_run_hour.0,
    );
    spawn_dashboard_count(state.clone());
    spawn_event_dispatcher(state.clone(), &options.events).await
}

/// Where outbox events go besides the webhooks administrators subscribe.
#[derive(clap::Args, Clone, Debug)]
pub struct EventOptions {
    /// NATS server (nats://host:4222) to publish every outbox event to, on JetStream
    /// subjects `<prefix>.<department>.<event type>`; off when not given.
    #[arg(long, env = "ONETHING_NATS_URL")]
    pub nats_url: Option<String>,
    /// The JetStream stream that keeps the events (created if missing).
    #[arg(long, env = "ONETHING_NATS_STREAM", default_value = "ONETHING")]
    pub nats_stream: String,
    /// The first token of every subject.
    #[arg(long, env = "ONETHING_NATS_SUBJECT_PREFIX", default_value = "onething")]
    pub nats_subject_prefix: String,
    /// Milliseconds the dispatcher waits when nothing is due.
    #[arg(long, env = "ONETHING_DISPATCH_IDLE_MS", default_value_t = 500)]
    pub dispatch_idle_ms: u64,
    /// Seconds a department's webhook endpoint has to answer a delivery.
    #[arg(long, env = "ONETHING_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub webhook_timeout_seconds: u64,
    /// Seconds a node holds a delivery it is sending (at least twice the timeout).
    /// If the node dies meanwhile, another node, or this one restarted, sends the
    /// delivery again once this has passed.
    #[arg(long, env = "ONETHING_WEBHOOK_LEASE_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(2..=86_400))]
    pub webhook_lease_seconds: u64,
}

impl EventOptions {
    /// The dispatcher's lease and the endpoints' time to answer.
    fn delivery_timing(&self) -> anyhow::Result<server::webhooks::DeliveryTiming> {
        server::webhooks::DeliveryTiming::new(
            std::time::Duration::from_secs(self.webhook_lease_seconds),
            std::time::Duration::from_secs(self.webhook_timeout_seconds),
        )
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--webhook-lease-seconds（{}）须至少是 --webhook-timeout-seconds（{}）的两倍，投递记录才能在租约内写下",
                self.webhook_lease_seconds,
                self.webhook_timeout_seconds
            )
        })
    }
}

/// Starts the dispatcher that sends due webhook deliveries (and NATS messages). Safe
/// on several nodes: each delivery is claimed by one.
async fn spawn_event_dispatcher(state: Arc<AppState>, options: &EventOptions) -> anyhow::Result<()> {
    let nats = match &options.nats_url {
        Some(url) => {
            let nats = server::webhooks::Nats::connect(url, &options.nats_stream, &options.nats_subject_prefix)
                .await
                .map_err(anyhow::Error::msg)
                .context("无法连接 NATS JetStream")?;
            server::webhooks::ensure_nats_subscription(&state, &options.nats_stream)
                .await
                .context("无法登记 NATS 推送")?;
            tracing::info!(url = %url, stream = %options.nats_stream, "publishing events to NATS JetStream");
            Some(nats)
        }
        None => None,
    };
    server::webhooks::spawn_dispatcher(
        state,
        nats,
        std::time::Duration::from_millis(options.dispatch_idle_ms.max(10)),
    );
    Ok(())
}

/// Counts the dashboard's totals in the background if the database has none yet (a
/// database from before them) or they were counted under another calendar: case
/// writes wait for it, the rest of the service does not, and no view has to.
fn spawn_dashboard_count(state: Arc<AppState>) {
    tokio::spawn(async move {
        if let Err(error) = server::app::dashboards::prepare(&state).await {
            tracing::warn!(error = %error.message, "dashboard totals not counted at start");
        }
    });
}

/// The account a command run on the server's machine acts as: an administrator
/// named after `--operator` (or `$USER`), so its entries say who ran it.
pub fn operator_account(operator: Option<String>) -> store::Account {
    let operator = operator
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "operator".to_owned());
    store::Account {
        id: format!("operator:{operator}"),
        username: operator.clone(),
        display_name: format!("运维人员 {operator}"),
        role: store::Role::Admin,
        department: None,
        id_number: None,
        password_hash: String::new(),
    }
}

/// The state alone, for one-off commands.
pub async fn build_state_quiet(
    options: &ServerOptions,
    catalog_dir: Option<&Path>,
    calendar: calendar::Calendar,
) -> anyhow::Result<Arc<AppState>> {
    let catalog = match crate::bundled::load_catalog(catalog_dir)? {
        Ok(catalog) => catalog,
        Err(problems) => anyhow::bail!("目录有问题，拒绝启动：\n{problems}"),
    };
    let store = open_store(options).await?;
    let signer = crate::ledger_cmd::load_or_create_signer(
        &options.data_dir,
        options.ledger.ledger_key.as_deref(),
        &options.ledger.ledger_origin,
    )?;
    let (sources_path, sources_text) = crate::bundled::sources_text(catalog_dir, options.sources.as_deref())?;
    let sources = match server::sharing::load_registry(&sources_path, &sources_text, &catalog) {
        Ok(sources) => sources,
        Err(problems) => anyhow::bail!("共享数据源配置有问题，拒绝启动：\n{}", problems.join("\n")),
    };
    let key_wrap = load_or_create_master(&options.data_dir, options.issuer_master_key.as_deref())?;
    let mut state = AppState::new(store, Arc::new(catalog), Arc::new(calendar));
    state.ledger_signer = Some(Arc::new(signer));
    state.key_wrap = Some(Arc::new(key_wrap));
    if options.public_rate > 0.0 {
        state.public_limit = Some(Arc::new(server::limit::RateLimiter::new(
            options.public_rate,
            options.public_rate * 5.0,
        )));
    }
    state.https = options.https;
    state.delivery_timing = options.events.delivery_timing()?;
    state.metrics_token = options.metrics_token.clone().filter(|t| !t.is_empty());
    options.identity.apply(&mut state, options.listen)?;
    state.due_soon_percent = options.watch.due_soon_percent;
    state.rectification_days = options.watch.rectification_days;
    state.sources = Arc::new(sources);
    state.cert_algorithm = options
        .cert_algorithm
        .parse()
        .map_err(|e| anyhow::anyhow!("签名算法无效：{e}"))?;
    // The notices operators imported (here or on another node).
    server::holidays::refresh(&state)
        .await
        .context("无法读取已导入的节假日安排")?;
    server::holidays::warn_daily(&state, state.now());
    Ok(Arc::new(state))
}

/// The deadline watch of `ServerOptions`.
#[derive(clap::Args, Clone, Debug)]
pub struct WatchOptions {
    /// Seconds between runs of the deadline watch.
    #[arg(long, env = "ONETHING_WATCH_SECONDS", default_value_t = 60)]
    pub watch_seconds: u64,
    /// The last share of a task's working days, in percent, that counts as due soon.
    #[arg(long, env = "ONETHING_DUE_SOON_PERCENT", default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub due_soon_percent: u32,
    /// Working days a department has to answer a bad rating (整改期限; 5 to 15 are common).
    #[arg(long, env = "ONETHING_RECTIFICATION_DAYS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub rectification_days: u32,
    /// The hour (China time, 0–23) from which every 免申即享 policy is run for the
    /// day, once across all nodes; a node started later that day catches up. `off`:
    /// only runs started by hand.
    #[arg(long, env = "ONETHING_BENEFIT_RUN_HOUR", default_value = "2", value_parser = parse_run_hour)]
    pub benefit_run_hour: RunHour,
}

/// When the nightly policy runs start, or never.
#[derive(Clone, Copy, Debug)]
pub struct RunHour(pub Option<u32>);

fn parse_run_hour(text: &str) -> Result<RunHour, String> {
    if text == "off" {
        return Ok(RunHour(None));
    }
    match text.parse::<u32>() {
        Ok(hour) if hour < 24 => Ok(RunHour(Some(hour))),
        _ => Err("应为 0 到 23 的整点（中国时间），或 off".to_owned()),
    }
}

/// Raises due-soon and overdue alerts every `seconds`, starts the day's policy runs
/// from `benefit_run_hour` and resumes stalled confirmation jobs; safe on several nodes.
fn spawn_deadline_watch(state: Arc<AppState>, seconds: u64, benefit_run_hour: Option<u32>) {
    // Names this node in the claims of scheduled runs.
    let node = format!("{}:{}", hostname(), std::process::id());
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(std::time::Duration::from_secs(seconds.max(1)));
        loop {
            ticker.tick().await;
            // Pick up a year another node imported before counting deadlines with it.
            if let Err(error) = server::holidays::tick(&state, state.now()).await {
                tracing::warn!(%error, "holiday calendar refresh failed");
            }
            match server::watch::watch_deadlines(&state, state.now(), 10_000).await {
                Ok(report) if report.due_soon + report.overdue > 0 => {
                    tracing::info!(
                        due_soon = report.due_soon,
                        overdue = report.overdue,
                        "deadline alerts raised"
                    );
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "deadline watch failed"),
            }
            if let Some(hour) = benefit_run_hour {
                match server::app::benefits::nightly(&state, &node, state.now(), hour).await {
                    Ok(runs) => {
                        for run in runs {
                            tracing::info!(
                                policy = %run.policy,
                                evaluated = run.evaluated,
                                qualifying = run.qualifying,
                                new_findings = run.new_findings,
                                withdrawn = run.withdrawn,
                                "scheduled policy run"
                            );
                        }
                    }
                    Err(error) => tracing::warn!(error = %error.message, "scheduled policy runs failed"),
                }
            }
            // A period's confirmation job whose node stopped is carried on here.
            match server::app::benefit_jobs::resume_stalled(&state).await {
                Ok(resumed) if !resumed.is_empty() => {
                    tracing::info!(jobs = ?resumed, "confirmation jobs resumed");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %error.message, "confirmation jobs not resumed"),
            }
            match server::app::drafts::prune(&state, state.now()).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "abandoned draft files removed"),
                Err(error) => tracing::warn!(error = %error.message, "draft files not pruned"),
            }
            match server::app::webhooks::prune(&state, state.now()).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "delivered outbox events removed"),
                Err(error) => tracing::warn!(%error, "outbox not pruned"),
            }
        }
    });
}

/// The machine's name, for naming a node (empty when it cannot be read).
fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_default()
}

/// Publishes a signed ledger checkpoint every `seconds` while the ledger grows.
fn spawn_checkpoints(state: Arc<AppState>, seconds: u64) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(std::time::Duration::from_secs(seconds.max(1)));
        loop {
            ticker.tick().await;
            if let Err(error) = server::app::ledger::publish_checkpoint(&state).await {
                tracing::warn!(error = %error.message, "checkpoint not published");
            }
        }
    });
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(state: Arc<AppState>, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let app = server::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("服务异常退出")?;
    tracing::info!("shut down");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}

/// The file holding the master key of department signing keys, in the data directory.
const MASTER_KEY_FILE: &str = "issuer-master.key";

/// The master key from the option, or from its file (created on first start, 0600).
fn load_or_create_master(data_dir: &Path, explicit: Option<&str>) -> anyhow::Result<server::keywrap::KeyWrap> {
    let parse = |text: &str, what: &str| -> anyhow::Result<server::keywrap::KeyWrap> {
        // The error never repeats the key.
        let bytes = hex::decode(text.trim()).map_err(|_| anyhow::anyhow!("{what}应为 32 位十六进制"))?;
        server::keywrap::KeyWrap::new(&bytes).map_err(|error| anyhow::anyhow!("{what}无效：{error}"))
    };
    if let Some(text) = explicit.filter(|t| !t.trim().is_empty()) {
        return parse(text, "部门签名主密钥（ONETHING_ISSUER_MASTER_KEY）");
    }
    let path = data_dir.join(MASTER_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, &format!("主密钥文件 {} ", path.display())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir).with_context(|| format!("无法创建数据目录 {}", data_dir.display()))?;
            let master = server::keywrap::KeyWrap::generate_master();
            match crate::ledger_cmd::write_new_file(&path, format!("{}\n", hex::encode(master)).as_bytes(), true) {
                Ok(()) => tracing::info!(path = %path.display(), "issuer master key created"),
                // Another process created it first: use theirs.
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(&path)?;
                    return parse(&text, &format!("主密钥文件 {} ", path.display()));
                }
                Err(error) => return Err(error).with_context(|| format!("无法写入主密钥文件 {}", path.display())),
            }
            parse(&hex::encode(master), "主密钥")
        }
        Err(error) => Err(error).with_context(|| format!("无法读取主密钥文件 {}", path.display())),
    }
}
