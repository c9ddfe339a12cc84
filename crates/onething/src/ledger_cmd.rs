//! `onething ledger …`: the tamper-evident ledger from the command line.
//!
//! * `verify`: recompute the whole tree from the stored rows and check it against
//!   every signed checkpoint (and the stored head); exit 1 with the first bad index
//!   when something was changed;
//! * `checkpoint`: sign and store a checkpoint (C2SP tlog-checkpoint) of the head;
//! * `prove <index>`: an offline inclusion bundle of one entry;
//! * `verify-bundle <file> --key <verifier key>`: check such a bundle with nothing
//!   but the published verifier key.
//!
//! The signing key is `--ledger-key` / `ONETHING_LEDGER_KEY`, or else
//! `<data-dir>/ledger.key`, created on first use; its verifier key is written
//! beside it as `<data-dir>/ledger.vkey` for publication.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, FixedOffset, Utc};
use clap::Subcommand;
use ledger::{
    AuditError, AuditOutcome, Divergence, InclusionBundle, LedgerEntry, SignerKey, StoredRow, TreeHead, VerifierKey,
};
use rand::RngCore as _;
use rand::rngs::OsRng;
use store::{Store, StoredCheckpoint};

use crate::run;

/// The log origin (and name of a key created on first use) when none is configured.
pub const DEFAULT_ORIGIN: &str = "onething.local/ledger";

/// The signing key in the data directory.
pub const KEY_FILE: &str = "ledger.key";

/// Its verifier key, written beside it for publication.
pub const VERIFIER_KEY_FILE: &str = "ledger.vkey";

/// Rows read per query by `verify`.
const PAGE: u64 = 10_000;

/// Which key signs checkpoints.
#[derive(clap::Args, Clone, Debug)]
pub struct KeyOptions {
    /// Checkpoint signing key (C2SP signer key, PRIVATE+KEY+…); when not given,
    /// <data-dir>/ledger.key, created on first use.
    #[arg(long, env = "ONETHING_LEDGER_KEY", hide_env_values = true)]
    pub ledger_key: Option<String>,
    /// Log origin: the name of a signing key created on first use.
    #[arg(long, env = "ONETHING_LEDGER_ORIGIN", default_value = DEFAULT_ORIGIN)]
    pub ledger_origin: String,
}

#[derive(Subcommand)]
pub enum LedgerCommand {
    /// Recompute the ledger and check it against every signed checkpoint (exit 1 when tampered).
    Verify {
        #[command(flatten)]
        server: run::ServerOptions,
    },
    /// Sign and store a checkpoint of the current ledger head.
    Checkpoint {
        #[command(flatten)]
        server: run::ServerOptions,
    },
    /// Print an offline inclusion bundle (JSON) of one entry against the latest checkpoint.
    Prove {
        /// Index of the entry.
        index: u64,
        #[command(flatten)]
        server: run::ServerOptions,
    },
    /// Check an inclusion bundle offline, with only the log's verifier key.
    VerifyBundle {
        /// The bundle JSON file (`-` for standard input).
        file: PathBuf,
        /// The verifier key (name+id+key, as in ledger.vkey), or a file holding it.
        #[arg(long)]
        key: String,
    },
}

pub fn run(command: LedgerCommand) -> anyhow::Result<ExitCode> {
    match command {
        LedgerCommand::Verify { server } => with_store(&server, &server.ledger, |store, signer| async move {
            verify(&*store, &signer.verifier()).await
        }),
        LedgerCommand::Checkpoint { server } => with_store(&server, &server.ledger, |store, signer| async move {
            let checkpoint = checkpoint_now(&*store, &signer, Utc::now()).await?;
            println!(
                "已签署检查点：{} 条，根哈希 {}",
                checkpoint.size,
                checkpoint.root.to_base64()
            );
            println!("验证公钥：{}", signer.verifier());
            print!("{}", checkpoint.note);
            Ok(ExitCode::SUCCESS)
        }),
        LedgerCommand::Prove { index, server } => with_store(&server, &server.ledger, |store, signer| async move {
            prove(&*store, &signer, index).await
        }),
        LedgerCommand::VerifyBundle { file, key } => verify_bundle_file(&file, &key),
    }
}

/// Opens the configured store and the signing key, then runs `work`.
fn with_store<F, Fut>(server: &run::ServerOptions, key: &KeyOptions, work: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(std::sync::Arc<dyn Store>, SignerKey) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<ExitCode>>,
{
    run::init_logging(&server.log_format);
    let signer = load_or_create_signer(&server.data_dir, key.ledger_key.as_deref(), &key.ledger_origin)?;
    crate::runtime()?.block_on(async {
        let store = run::open_store(server).await?;
        work(store, signer).await
    })
}

// ---------------------------------------------------------------- keys

/// The checkpoint signing key.
///
/// `explicit` (a C2SP signer key `PRIVATE+KEY+<name>+<id>+<key>`, from
/// `--ledger-key` / `ONETHING_LEDGER_KEY`) wins when given. Otherwise the key is
/// read from `<data_dir>/ledger.key`; when that file does not exist, a key named
/// `origin` is created from 32 random bytes of the operating system and written
/// there (mode 0600, never overwritten: of several processes creating it at once,
/// one wins and the others read its key). With a key file, `<data_dir>/ledger.vkey`
/// is (re)written with the verifier key, for publication.
///
/// Checkpoints are signed with `signer.name()` as their origin.
///
/// # Errors
/// An invalid explicit key or key file, an `origin` that cannot name a key
/// (empty, spaces, `+`), or the file system.
pub fn load_or_create_signer(data_dir: &Path, explicit: Option<&str>, origin: &str) -> anyhow::Result<SignerKey> {
    if let Some(text) = explicit.map(str::trim).filter(|text| !text.is_empty()) {
        // The error never repeats the key.
        return SignerKey::parse(text)
            .map_err(|error| anyhow!("账本签名密钥（--ledger-key / ONETHING_LEDGER_KEY）无效：{error}"));
    }
    let path = data_dir.join(KEY_FILE);
    let signer = match std::fs::read_to_string(&path) {
        Ok(text) => parse_key_file(&path, &text)?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => create_key_file(data_dir, &path, origin)?,
        Err(error) => return Err(error).with_context(|| format!("无法读取账本签名密钥 {}", path.display())),
    };
    if let Err(error) = write_verifier_key(data_dir, &signer) {
        tracing::warn!(error = %format!("{error:#}"), "ledger verifier key file not written");
    }
    Ok(signer)
}

fn parse_key_file(path: &Path, text: &str) -> anyhow::Result<SignerKey> {
    SignerKey::parse(text.trim()).map_err(|error| anyhow!("账本签名密钥文件 {} 无效：{error}", path.display()))
}

fn create_key_file(data_dir: &Path, path: &Path, origin: &str) -> anyhow::Result<SignerKey> {
    std::fs::create_dir_all(data_dir).with_context(|| format!("无法创建数据目录 {}", data_dir.display()))?;
    let mut seed = [0u8; 32];
    OsRng
        .try_fill_bytes(&mut seed)
        .map_err(|error| anyhow!("无法从操作系统取得随机数：{error}"))?;
    let signer =
        SignerKey::from_seed(origin, &seed).map_err(|error| anyhow!("账本来源“{origin}”不能用作密钥名称：{error}"))?;
    seed.fill(0);

    // Written completely under a private name, then linked into place: the key
    // file is never seen half-written, and never replaced.
    let temporary = data_dir.join(format!(".{KEY_FILE}.{}.{:016x}", std::process::id(), OsRng.next_u64()));
    let written = write_new_file(&temporary, format!("{}\n", signer.to_encoded()).as_bytes(), true)
        .and_then(|()| std::fs::hard_link(&temporary, path));
    let _ = std::fs::remove_file(&temporary);
    match written {
        Ok(()) => {
            tracing::info!(path = %path.display(), key = %signer.verifier(), "ledger signing key created");
            Ok(signer)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            // Another process created it first: use that one.
            let text =
                std::fs::read_to_string(path).with_context(|| format!("无法读取账本签名密钥 {}", path.display()))?;
            parse_key_file(path, &text)
        }
        Err(error) => Err(error).with_context(|| format!("无法写入账本签名密钥 {}", path.display())),
    }
}

/// Creates `path` (it must not exist), writes `bytes` and syncs them to disk.
pub(crate) fn write_new_file(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn write_verifier_key(data_dir: &Path, signer: &SignerKey) -> anyhow::Result<()> {
    let path = data_dir.join(VERIFIER_KEY_FILE);
    let text = format!("{}\n", signer.verifier());
    if std::fs::read_to_string(&path).is_ok_and(|existing| existing == text) {
        return Ok(());
    }
    let temporary = data_dir.join(format!(
        ".{VERIFIER_KEY_FILE}.{}.{:016x}",
        std::process::id(),
        OsRng.next_u64()
    ));
    let written = write_new_file(&temporary, text.as_bytes(), false).and_then(|()| std::fs::rename(&temporary, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.with_context(|| format!("无法写入验证公钥 {}", path.display()))
}

// ---------------------------------------------------------------- checkpoints

/// Signs and stores a checkpoint of the current ledger head, and returns the
/// checkpoint stored for that size.
///
/// The head is signed only if it extends the latest stored checkpoint (checked with
/// a consistency proof from the node table): a ledger that was truncated or rewritten
/// is refused, not endorsed. When the latest checkpoint already has the head's size
/// it is returned as is.
///
/// # Errors
/// A head that does not extend the latest checkpoint, or the store.
pub async fn checkpoint_now(
    store: &dyn Store,
    signer: &SignerKey,
    now: DateTime<Utc>,
) -> anyhow::Result<StoredCheckpoint> {
    server::app::ledger::sign_checkpoint(store, signer, now)
        .await
        .map_err(|error| anyhow!("{error}"))
}

// ---------------------------------------------------------------- verify

/// What `verify` found wrong, besides the audit outcome.
struct Findings {
    problems: Vec<String>,
}

impl Findings {
    fn add(&mut self, problem: String) {
        self.problems.push(problem);
    }
}

async fn verify(store: &dyn Store, verifier: &VerifierKey) -> anyhow::Result<ExitCode> {
    let mut findings = Findings { problems: Vec::new() };

    // The head first: rows appended while this runs come after it.
    let (head_size, head_root) = store.ledger_head().await?;

    let stored = store.checkpoints().await?;
    let mut signed: Vec<TreeHead> = Vec::new();
    for checkpoint in &stored {
        match ledger::verify_checkpoint(&checkpoint.note, verifier) {
            Ok(opened) if opened.origin != verifier.name() => findings.add(format!(
                "检查点（{} 条）的来源“{}”不是本账本（{}）",
                checkpoint.size,
                opened.origin,
                verifier.name()
            )),
            Ok(opened) => {
                if opened.size != checkpoint.size || opened.root != checkpoint.root {
                    findings.add(format!(
                        "检查点（{} 条）的大小或根哈希与其签名内容（{} 条）不符",
                        checkpoint.size, opened.size
                    ));
                }
                signed.push(opened.tree_head());
            }
            Err(error) => findings.add(format!("检查点（{} 条）签名无效：{error}", checkpoint.size)),
        }
    }

    // The stored head is checked like a checkpoint (it is not signed, but an
    // unsigned head that disagrees with the rows is tampering too), unless it
    // contradicts a signed checkpoint of its size, which is reported instead.
    let head = TreeHead {
        size: head_size,
        root: head_root,
    };
    let mut heads = signed.clone();
    if signed.iter().any(|c| c.size == head.size && c.root != head.root) {
        findings.add(format!("账本头（{head_size} 条）与同样大小的签名检查点不一致"));
    } else {
        heads.push(head);
    }

    // One pass over the rows without the node table: enough to find a clean ledger
    // clean. Only when it is not are the nodes (one per entry, about as many again
    // to read) loaded for a second pass that locates the first bad entry.
    let mut commitments: HashMap<String, (u64, String)> = HashMap::new();
    let (mut audited, count) = audit_pass(store, heads.clone(), None, Some(&mut commitments)).await?;
    if !matches!(&audited, Ok(report) if matches!(report.outcome, AuditOutcome::Clean)) {
        let nodes: HashMap<ledger::NodeId, ledger::Hash> = store.ledger_nodes().await?.into_iter().collect();
        audited = audit_pass(store, heads, Some(nodes), None).await?.0;
    }

    let signed_max = signed.iter().map(|c| c.size).max().unwrap_or(0);
    println!("账本条目：{count} 条");
    println!(
        "检查点：已检查 {} 个（签名有效 {} 个，最大覆盖 {signed_max} 条）",
        stored.len(),
        signed.len()
    );
    println!("账本头：{head_size} 条，根哈希 {}", head_root.to_base64());

    let report = match audited {
        Ok(report) => Some(report),
        Err(AuditError::ConflictingCheckpoints(size)) => {
            findings.add(format!("大小为 {size} 的检查点互相矛盾（同一大小，不同的根哈希）"));
            None
        }
    };
    // Every stored case, certificate and rating against its latest commitment.
    let stored_states = store.state_digests().await?;
    let mut state_problems: Vec<String> = Vec::new();
    let mut unattested = 0usize;
    let mut present = std::collections::HashSet::new();
    for (key, digest) in &stored_states {
        present.insert(key.as_str());
        match commitments.get(key) {
            Some((_, committed)) if committed == digest => {}
            Some((index, _)) => state_problems.push(format!(
                "{}：数据库中的内容与账本第 {index} 条记录的状态不符（被直接修改过）",
                describe_key(key)
            )),
            None => unattested += 1,
        }
    }
    for (key, (index, _)) in &commitments {
        if !present.contains(key.as_str()) {
            state_problems.push(format!(
                "{}：账本第 {index} 条记录了它，但数据库中已没有",
                describe_key(key)
            ));
        }
    }
    println!(
        "存储状态：已核对 {} 个办件、证照和评价{}",
        stored_states.len(),
        if unattested > 0 {
            format!("（其中 {unattested} 个写于状态登记启用之前，无法核对）")
        } else {
            String::new()
        }
    );
    let mut intact = findings.problems.is_empty();
    if let Some(report) = &report {
        match report.outcome {
            AuditOutcome::Clean => {}
            AuditOutcome::FirstBad { index, divergence } => {
                intact = false;
                println!("第一处异常位于索引 {index}：{}", describe(divergence));
            }
            AuditOutcome::Diverged {
                good_prefix,
                bad_size,
                first_known_bad,
            } => {
                intact = false;
                println!(
                    "前 {good_prefix} 条完好；异常位于索引 {good_prefix} 至 {} 之间（节点表也被改动，无法精确定位）",
                    bad_size.saturating_sub(1)
                );
                if let Some(index) = first_known_bad {
                    println!("已知的异常索引：{index}");
                }
            }
        }
    }
    for problem in &findings.problems {
        println!("问题：{problem}");
    }
    state_problems.sort();
    for problem in &state_problems {
        println!("问题：{problem}");
    }
    if intact && !state_problems.is_empty() {
        println!(
            "账本本身完整，但数据库中有 {} 处内容与账本不一致！",
            state_problems.len()
        );
        return Ok(ExitCode::from(1));
    }
    if intact {
        println!(
            "账本完整：前 {} 条由签名检查点证明，其余 {} 条与账本头一致",
            signed_max.min(count),
            count.saturating_sub(signed_max)
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("账本已被篡改！");
        Ok(ExitCode::from(1))
    }
}

/// Streams every stored row into `ledger::audit` on a blocking thread (memory holds
/// a few pages of entries, never the whole ledger), collecting the latest state
/// commitments when asked; returns the audit and how many rows were read.
async fn audit_pass(
    store: &dyn Store,
    heads: Vec<TreeHead>,
    nodes: Option<HashMap<ledger::NodeId, ledger::Hash>>,
    commitments: Option<&mut HashMap<String, (u64, String)>>,
) -> anyhow::Result<(Result<ledger::AuditReport, AuditError>, u64)> {
    let (pages, mut received) = tokio::sync::mpsc::channel::<Vec<StoredRow<Vec<u8>>>>(4);
    let auditor = tokio::task::spawn_blocking(move || {
        let rows = std::iter::from_fn(move || received.blocking_recv()).flatten();
        ledger::audit(
            rows,
            &heads,
            nodes.as_ref().map(|nodes| nodes as &dyn ledger::NodeStore),
        )
    });
    let mut ignored = HashMap::new();
    let read = read_rows(store, &pages, commitments.unwrap_or(&mut ignored)).await;
    drop(pages);
    let audited = auditor.await.context("审计任务异常结束")?;
    Ok((audited, read?))
}

/// Sends every stored row, in index order, page by page; returns how many were read.
/// Rows come from the store's bulk reader where it has one; otherwise a page at a
/// time from the index after the last one read, so a missing row does not end the
/// reading.
async fn read_rows(
    store: &dyn Store,
    pages: &tokio::sync::mpsc::Sender<Vec<StoredRow<Vec<u8>>>>,
    commitments: &mut HashMap<String, (u64, String)>,
) -> anyhow::Result<u64> {
    let mut count = 0u64;
    if let Some(mut stream) = store.ledger_stream(0) {
        while let Some(page) = stream.recv().await {
            let page = page?;
            count += page.len() as u64;
            pass_on(page, pages, commitments).await?;
        }
        return Ok(count);
    }
    let mut from = 0u64;
    loop {
        let page = store.ledger_rows(from, PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(count);
        };
        let next = last.index.checked_add(1);
        count += page.len() as u64;
        pass_on(page, pages, commitments).await?;
        match next {
            Some(next) => from = next,
            None => return Ok(count),
        }
    }
}

/// Notes the latest state commitment of every object in `page` (an entry that does
/// not parse is the audit's to report) and hands the rows to the audit.
async fn pass_on(
    page: Vec<store::LedgerRow>,
    pages: &tokio::sync::mpsc::Sender<Vec<StoredRow<Vec<u8>>>>,
    commitments: &mut HashMap<String, (u64, String)>,
) -> anyhow::Result<()> {
    for row in &page {
        if store::state::may_commit(&row.entry)
            && let Ok(entry) = LedgerEntry::from_canonical_bytes(&row.entry)
            && let Some((key, digest)) = store::state::parse(&entry.detail)
        {
            commitments.insert(key, (row.index, digest));
        }
    }
    let rows = page
        .into_iter()
        .map(|row| StoredRow {
            entry: row.entry,
            leaf_hash: Some(row.leaf_hash),
        })
        .collect();
    if pages.send(rows).await.is_err() {
        bail!("审计任务提前结束");
    }
    Ok(())
}

/// A state key (`case:…`, `certificate:…`, `rating:…`) for people.
fn describe_key(key: &str) -> String {
    match key.split_once(':') {
        Some(("case", id)) => format!("办件 {id}"),
        Some(("certificate", id)) => format!("电子证照 {id}"),
        Some(("rating", id)) => format!("办件 {id} 的好差评"),
        _ => key.to_owned(),
    }
}

fn describe(divergence: Divergence) -> &'static str {
    match divergence {
        Divergence::EntryAltered => "条目内容被修改（与其叶哈希不符）",
        Divergence::LeafHashAltered => "存储的叶哈希被修改",
        Divergence::RowReplaced => "条目被替换（与签名检查点承诺的不同）",
        Divergence::RowInserted => "此处被插入了一条记录",
        Divergence::RowDeleted => "此处的记录被删除",
        Divergence::Missing => "记录缺失（检查点承诺的记录更多）",
    }
}

// ---------------------------------------------------------------- proofs

async fn prove(store: &dyn Store, signer: &SignerKey, index: u64) -> anyhow::Result<ExitCode> {
    let (size, _) = store.ledger_head().await?;
    if index >= size {
        bail!("索引 {index} 超出账本范围（共 {size} 条）");
    }
    let verifier = signer.verifier();
    let checkpoint = match store.latest_checkpoint().await? {
        Some(latest) if latest.size > index && ledger::verify_checkpoint(&latest.note, &verifier).is_ok() => latest,
        _ => checkpoint_now(store, signer, Utc::now()).await?,
    };
    let row = store
        .ledger_row(index)
        .await?
        .ok_or_else(|| anyhow!("账本中没有索引 {index} 的条目"))?;
    let proof = store.ledger_inclusion_proof(index, checkpoint.size).await?;
    let bundle = InclusionBundle::new(&row.entry, index, &checkpoint.note, &proof);
    bundle
        .verify(&verifier)
        .map_err(|error| anyhow!("生成的凭证未通过自检，账本可能已被篡改：{error}"))?;
    println!("{}", bundle.to_json());
    eprintln!(
        "已生成索引 {index} 的包含凭证（检查点 {} 条）；用 onething ledger verify-bundle <文件> --key <验证公钥> 离线验证",
        checkpoint.size
    );
    Ok(ExitCode::SUCCESS)
}

fn verify_bundle_file(file: &Path, key: &str) -> anyhow::Result<ExitCode> {
    let key_text = if Path::new(key).is_file() {
        std::fs::read_to_string(key).with_context(|| format!("无法读取验证公钥文件 {key}"))?
    } else {
        key.to_owned()
    };
    let verifier = VerifierKey::parse(key_text.trim()).map_err(|error| anyhow!("验证公钥无效：{error}"))?;
    let json = if file == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("无法读取标准输入")?;
        text
    } else {
        std::fs::read_to_string(file).with_context(|| format!("无法读取凭证文件 {}", file.display()))?
    };
    let verified = match ledger::verify_bundle(json.trim(), &verifier) {
        Ok(verified) if verified.checkpoint.origin != verifier.name() => {
            println!(
                "凭证无效：检查点来源“{}”与验证公钥“{}”不符",
                verified.checkpoint.origin,
                verifier.name()
            );
            return Ok(ExitCode::from(1));
        }
        Ok(verified) => verified,
        Err(error) => {
            println!("凭证无效：{error}");
            return Ok(ExitCode::from(1));
        }
    };
    let checkpoint = &verified.checkpoint;
    println!("凭证有效：该条目包含在已签名的账本中");
    println!(
        "  账本：{}（检查点 {} 条，根哈希 {}）",
        checkpoint.origin,
        checkpoint.size,
        checkpoint.root.to_base64()
    );
    println!("  索引：{}", verified.index);
    println!("  叶哈希：{}", verified.leaf_hash);
    print_entry(&verified.entry);
    Ok(ExitCode::SUCCESS)
}

fn print_entry(entry: &LedgerEntry) {
    let or_none = |value: Option<&str>| value.unwrap_or("无").to_owned();
    let kind = match entry.kind.as_str() {
        "case.transition" => "办件状态变更",
        "data.access" => "数据访问",
        "staff.login" => "工作人员登录",
        "applicant.login" => "申请人登录",
        _ => "其他",
    };
    println!("  时间：{}", china_time(entry.at_ms));
    println!("  类型：{}（{kind}）", entry.kind);
    println!("  操作人：{}", entry.actor);
    println!("  部门：{}", or_none(entry.department.as_deref()));
    println!("  办件：{}", or_none(entry.case_id.as_deref()));
    println!("  数据主体：{}", or_none(entry.subject.as_deref()));
    let elements = if entry.elements.is_empty() {
        "无".to_owned()
    } else {
        entry.elements.join("、")
    };
    println!("  数据项：{elements}");
    println!("  目的：{}", or_none(entry.purpose.as_deref()));
    println!("  法律依据：{}", or_none(entry.legal_basis.as_deref()));
    println!("  详情：{}", entry.detail);
}

/// Milliseconds since the epoch as Beijing time.
fn china_time(at_ms: i64) -> String {
    let offset = FixedOffset::east_opt(8 * 3600);
    match (DateTime::from_timestamp_millis(at_ms), offset) {
        (Some(time), Some(offset)) => time
            .with_timezone(&offset)
            .format("%Y-%m-%d %H:%M:%S%.3f（北京时间）")
            .to_string(),
        _ => format!("{at_ms}（毫秒）"),
    }
}
