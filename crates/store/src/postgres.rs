//! The scale-out backend: several `onething serve` nodes on one PostgreSQL database.
//!
//! Concurrency between nodes rests on the database: an update names the version it
//! read and the `UPDATE … WHERE version = $expected` row lock lets exactly one of
//! several concurrent writers win; the others get [`Updated::Conflict`](crate::Updated).

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection, Postgres};

use crate::common::{ReadRow, Writer, impl_store};
use crate::migrate::{self, Migration};
use crate::{Result, StoreError, sql};

/// Connections per node.
const POOL_SIZE: u32 = 10;

/// Shards of each dashboard total: more than a node's connections, so that one
/// node's concurrent writes always add to different rows; each node starts its
/// turns at a random shard, so that two nodes' writes seldom meet on one.
const DASHBOARD_SHARDS: u64 = 32;

/// Where a node starts its turns over the shards: from its process and the clock.
fn first_shard() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| u64::from(since.subsec_nanos()));
    (u64::from(std::process::id()) ^ nanos) % DASHBOARD_SHARDS
}

/// How long a request waits for a free connection (or for the server to answer at start).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL store. Connect with [`PostgresStore::connect`] or
/// [`PostgresStore::connect_with_schema`], then call
/// [`Store::migrate`](crate::Store::migrate).
pub struct PostgresStore {
    pool: PgPool,
    /// Counts case writes for the dashboard (`Store::count_cases_with`).
    counter: crate::CounterCell,
    /// The dashboard shard of the next write's totals (taken in turn).
    next_shard: std::sync::atomic::AtomicU64,
    /// Wakes this node's ledger sequencer after a write (see [`Sequencer`]).
    sequencer: Arc<Sequencer>,
}

/// This node's side of the ledger sequencer (migration 0018): writes append their
/// entries to `ledger_pending` and wake it; it gives the committed ones their ledger
/// indexes in batches, one sequencer at a time across nodes (the head row's lock).
/// Every read of the ledger first settles what is pending, so no reader depends on
/// its timing.
#[derive(Default)]
struct Sequencer {
    wake: Notify,
    stop: AtomicBool,
    /// The task, awaited by `close` (nothing of it may outlive the pool).
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.sequencer.stop.store(true, Ordering::Relaxed);
        self.sequencer.wake.notify_one();
    }
}

impl PostgresStore {
    pub(crate) const MIGRATIONS: &'static [Migration] = migrate::POSTGRES;
    pub(crate) const MIGRATION_BOOTSTRAP: &'static str = migrate::POSTGRES_BOOTSTRAP;
    pub(crate) const MIGRATION_LOCK: Option<&'static str> = Some(migrate::POSTGRES_LOCK);
    /// How an appender reads the ledger head: locked, so appenders on several nodes
    /// queue for it.
    pub(crate) const LEDGER_HEAD_FOR_WRITE: &'static str = sql::LEDGER_HEAD_FOR_UPDATE;
    /// How a case write reads the dashboard's basis: shared with the other writers;
    /// a recount waits for the writes counting under the old basis and they for it.
    pub(crate) const DASHBOARD_BASIS_FOR_WRITE: &'static str = sql::DASHBOARD_BASIS_FOR_SHARE;
    /// How a recount reads it: exclusively.
    pub(crate) const DASHBOARD_BASIS_FOR_RECOUNT: &'static str = sql::DASHBOARD_BASIS_FOR_UPDATE;

    /// Connects to `url` (`postgres://user:password@host:port/database`), using the
    /// connection's default `search_path` (normally `public`).
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = Self::open_pool(options).await?;
        Ok(Self {
            pool: pool.clone(),
            counter: crate::CounterCell::default(),
            next_shard: std::sync::atomic::AtomicU64::new(first_shard()),
            sequencer: Sequencer::start(pool),
        })
    }

    /// Connects to `url` and keeps every table in `schema` (lower-case letters,
    /// digits and `_`, starting with a letter or `_`), which is created if missing.
    /// Every pooled connection has `search_path` set to it.
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self> {
        let valid = (1..=63).contains(&schema.len())
            && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                format!("invalid PostgreSQL schema name {schema:?}").into(),
            )));
        }
        let options = PgConnectOptions::from_str(url)?.options([("search_path", schema)]);
        let pool = Self::open_pool(options).await?;
        // Under the migration lock: concurrent `CREATE SCHEMA IF NOT EXISTS` can fail.
        let mut tx = pool.begin().await?;
        sqlx::query(migrate::POSTGRES_LOCK).execute(&mut *tx).await?;
        // Through the executor directly: `RawSql::execute`'s future is not provably `Send`.
        let create = format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"");
        sqlx::Executor::execute(&mut *tx, sqlx::raw_sql(&create)).await?;
        tx.commit().await?;
        Ok(Self {
            pool: pool.clone(),
            counter: crate::CounterCell::default(),
            next_shard: std::sync::atomic::AtomicU64::new(first_shard()),
            sequencer: Sequencer::start(pool),
        })
    }

    async fn open_pool(options: PgConnectOptions) -> Result<PgPool> {
        // One direct connection first: when the server is unreachable or refuses the
        // login, this fails at once with the real cause, where the pool would retry
        // until its acquire timeout and report only that.
        PgConnection::connect_with(&options).await?.close().await?;
        Ok(PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?)
    }

    /// The connection pool, for maintenance and tests.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Waits for the connections in use and closes them all.
    pub async fn close(&self) {
        self.sequencer.stop.store(true, Ordering::Relaxed);
        self.sequencer.wake.notify_one();
        let task = self.sequencer.task.lock().ok().and_then(|mut task| task.take());
        if let Some(task) = task {
            let _ = task.await;
        }
        self.pool.close().await;
    }

    /// Writes defer their ledger appends to the sequencer.
    pub(crate) const LEDGER_DEFERRED: bool = true;

    /// The bulk reader of the ledger: every row from `from` on, in index order, in
    /// pages, through one `COPY … (FORMAT binary)` (see [`crate::pgcopy`]). Rows
    /// appended while it runs may or may not be included; callers read the head first.
    pub(crate) fn stream_ledger(
        &self,
        from: u64,
    ) -> Option<tokio::sync::mpsc::Receiver<Result<Vec<crate::LedgerRow>>>> {
        let pool = self.pool.clone();
        let (send, receive) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            if let Err(error) = copy_ledger(&pool, from, &send).await {
                let _ = send.send(Err(error)).await;
            }
        });
        Some(receive)
    }

    /// Refreshes the planner's statistics of `table` after a bulk load. Without
    /// them a freshly loaded table looks empty, and PostgreSQL's generic plan for
    /// "these 1,000 findings of this policy, if still granted" walked the policy's
    /// whole (policy, state) index instead of the primary key: confirming a period of
    /// 100,000 findings took 98 s instead of seconds.
    async fn refresh_statistics(&self, table: &'static str) {
        if let Err(error) = sqlx::query(&format!("ANALYZE {table}")).execute(&self.pool).await {
            tracing::warn!(%error, table, "could not refresh the planner's statistics");
        }
    }

    /// A write put entries in `ledger_pending`.
    fn ledger_pending_written(&self) {
        self.sequencer.wake.notify_one();
    }

    /// Gives every committed pending entry its index before a read of the ledger,
    /// waiting for a sequencer at work on another node if need be.
    async fn settle_ledger(&self) -> Result<()> {
        let pending: bool = sqlx::Row::try_get(
            &sqlx::query(sql::LEDGER_PENDING_ANY).fetch_one(&self.pool).await?,
            "any",
        )?;
        if pending {
            sequence(&self.pool, true).await?;
        }
        Ok(())
    }

    fn sql(&self, statement: &'static str) -> Cow<'static, str> {
        sql::for_backend(statement, false)
    }

    /// [`Self::sql`] where there is no store at hand (the sequencer).
    fn statement(statement: &'static str) -> Cow<'static, str> {
        sql::for_backend(statement, false)
    }

    /// [`Self::sql_rows`] where there is no store at hand (the sequencer).
    fn statement_rows(single: &str, rows: usize) -> String {
        sql::multi_row(single, rows)
    }

    /// A statement built at run time, in this backend's placeholder syntax.
    fn sql_owned(&self, statement: String) -> String {
        statement
    }

    /// A single-row insert repeated for `rows` rows, in this backend's syntax.
    fn sql_rows(&self, single: &str, rows: usize) -> String {
        sql::multi_row(single, rows)
    }

    /// The shard a write adds its dashboard totals to: writers in turn, so that up to
    /// [`DASHBOARD_SHARDS`] concurrent writes never wait for each other's totals.
    fn dashboard_shard(&self) -> Option<i64> {
        let turn = self.next_shard.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some((turn % DASHBOARD_SHARDS) as i64)
    }

    /// Runs a write (nothing to add here: each write is its own transaction).
    async fn grouped<T>(&self, write: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        write.await
    }

    async fn begin_write(&self) -> Result<Writer<'_, Postgres>> {
        Ok(Writer::new(self.pool.begin().await?, None))
    }
}

/// Streams the ledger from `from` on to `send`, a page of [`STREAM_PAGE`] rows at a
/// time; stops early when the receiver is gone.
async fn copy_ledger(
    pool: &PgPool,
    from: u64,
    send: &tokio::sync::mpsc::Sender<Result<Vec<crate::LedgerRow>>>,
) -> Result<()> {
    use futures_util::StreamExt;
    let mut conn = pool.acquire().await?;
    let mut chunks = conn.copy_out_raw(&crate::pgcopy::ledger_copy_statement(from)).await?;
    let mut reader = crate::pgcopy::LedgerCopy::default();
    let mut page = Vec::with_capacity(STREAM_PAGE);
    let mut stopped = false;
    while let Some(chunk) = chunks.next().await {
        reader.push(&chunk?, &mut page)?;
        if page.len() >= STREAM_PAGE {
            let full = std::mem::replace(&mut page, Vec::with_capacity(STREAM_PAGE));
            if send.send(Ok(full)).await.is_err() {
                stopped = true;
                break;
            }
        }
    }
    drop(chunks);
    if stopped {
        // Nobody reads on: the connection, mid-copy, is closed, not given back.
        drop(conn.detach());
        return Ok(());
    }
    reader.finish()?;
    if !page.is_empty() {
        let _ = send.send(Ok(page)).await;
    }
    Ok(())
}

/// Rows per page of the bulk ledger reader.
const STREAM_PAGE: usize = 10_000;

impl Sequencer {
    /// How often the sequencer looks for entries it was not woken for (a write's
    /// wake-up can come just before its commit; another node's crashed sequencer).
    const POLL: Duration = Duration::from_millis(50);

    /// Starts the sequencer of a node. It stays idle until the first write: before
    /// `migrate` there is no `ledger_pending` to look at.
    fn start(pool: PgPool) -> Arc<Self> {
        let sequencer = Arc::new(Self::default());
        let own = Arc::clone(&sequencer);
        let task = tokio::spawn(async move {
            own.wake.notified().await;
            while !own.stop.load(Ordering::Relaxed) && !pool.is_closed() {
                if let Err(error) = sequence(&pool, false).await {
                    tracing::warn!(%error, "ledger sequencer: will retry");
                }
                let _ = tokio::time::timeout(Self::POLL, own.wake.notified()).await;
            }
        });
        if let Ok(mut slot) = sequencer.task.lock() {
            *slot = Some(task);
        }
        sequencer
    }
}

/// Pending entries moved into the ledger per transaction.
const SEQUENCE_BATCH: i64 = 10_000;

/// Entries moved out of `ledger_pending` (each leaves a dead row) since this process
/// last vacuumed it.
static MOVED_SINCE_VACUUM: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Dead rows after which the sequencer vacuums `ledger_pending` itself.
const VACUUM_AFTER: u64 = 10_000;

/// Vacuums `ledger_pending` once enough entries have passed through it. It is a
/// queue: every entry is inserted and deleted once, and every read of the ledger asks
/// whether anything is pending. Left to autovacuum (which a server may run rarely, or
/// not at all: this machine's runs with it off), the dead rows of a population run
/// made that question a scan of a million dead rows: 73 ms on every ledger read, and
/// `ledger verify` over 1,000,000 entries took 12 s, most of it in that question.
async fn vacuum_pending(pool: &PgPool, moved: u64) {
    let total = MOVED_SINCE_VACUUM.fetch_add(moved, Ordering::Relaxed) + moved;
    if total < VACUUM_AFTER {
        return;
    }
    MOVED_SINCE_VACUUM.store(0, Ordering::Relaxed);
    // SKIP_LOCKED: another node vacuuming it already will do.
    if let Err(error) = sqlx::query("VACUUM (SKIP_LOCKED) ledger_pending").execute(pool).await {
        tracing::warn!(%error, "could not vacuum ledger_pending");
    }
}

/// Moves the committed pending entries into the ledger in `seq` order, a batch per
/// transaction, until none is left; returns how many. `wait`: queue for the head row
/// (a reader, which must see them all); otherwise leave the turn to a sequencer that
/// holds it.
async fn sequence(pool: &PgPool, wait: bool) -> Result<u64> {
    let moved = sequence_batches(pool, wait).await?;
    if moved > 0 {
        vacuum_pending(pool, moved).await;
    }
    Ok(moved)
}

/// [`sequence`] without the vacuum.
async fn sequence_batches(pool: &PgPool, wait: bool) -> Result<u64> {
    let mut moved = 0u64;
    loop {
        let mut tx = pool.begin().await?;
        let head_query = if wait {
            sql::LEDGER_HEAD_FOR_UPDATE
        } else {
            sql::LEDGER_HEAD_FOR_UPDATE_SKIP
        };
        if sqlx::query(head_query).fetch_optional(&mut *tx).await?.is_none() {
            tx.rollback().await?;
            return Ok(moved);
        }
        let rows = sqlx::query(sql::LEDGER_PENDING_BATCH)
            .bind(SEQUENCE_BATCH)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            tx.rollback().await?;
            return Ok(moved);
        }
        let mut seqs = Vec::with_capacity(rows.len());
        let mut entries = Vec::with_capacity(rows.len());
        for row in &rows {
            seqs.push(row.int("seq")?);
            entries.push(crate::common::EncodedEntry {
                bytes: row.bytes("entry")?,
                subject: row.optional_text("subject")?,
                kind: row.text("kind")?,
            });
        }
        PostgresStore::append_sequenced(&mut tx, entries).await?;
        sqlx::query(sql::LEDGER_PENDING_DELETE)
            .bind(&seqs)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        moved += seqs.len() as u64;
        if (rows.len() as i64) < SEQUENCE_BATCH {
            return Ok(moved);
        }
    }
}

impl PostgresStore {
    /// Bulk accesses take the common path here: their entries go to
    /// `ledger_pending` in multi-row statements and the sequencer numbers them.
    pub(crate) async fn record_accesses_in_bulk(&self, _accesses: &[crate::SubjectAccess]) -> Option<Result<()>> {
        None
    }

    /// A policy run's reads go with its findings in one transaction: writers of
    /// other nodes and sessions do not wait for it (no single writer here).
    pub(crate) async fn record_run_accesses(&self, _accesses: &[crate::SubjectAccess]) -> Option<Result<()>> {
        None
    }
}

impl_store!(PostgresStore, PgConnection, "postgres");
crate::shared::impl_sharing_store!(PostgresStore);
crate::benefits::impl_benefit_store!(PostgresStore);
crate::identity::impl_identity_store!(PostgresStore);
crate::outbox::impl_outbox_store!(PostgresStore, PgConnection, crate::outbox::claim_postgres());
