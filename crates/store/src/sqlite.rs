//! The embedded backend: one SQLite file in WAL mode.
//!
//! SQLite allows one writer at a time, and each commit waits for an fsync. A store on
//! a file therefore commits in groups: writes run one after another on one writer
//! connection, each inside a savepoint of a shared transaction (`BEGIN IMMEDIATE`),
//! and a flusher task commits that transaction once the writers already queued have
//! had their turn. A writer hears "done" only after the commit of its group (the
//! fsync), so acknowledged means durable, as before; a write that fails rolls back to
//! its own savepoint and fails alone; a failed commit fails every writer of the group.
//! Concurrent requests queue in the process (FIFO) instead of failing with
//! `SQLITE_BUSY`; reads go straight to the pool and see committed data only (WAL).
//! A store in memory (tests) keeps one transaction per write on its one connection.

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqliteConnection, Transaction};
use tokio::sync::{Mutex, MutexGuard, Notify, oneshot};

use crate::common::impl_store;
use crate::migrate::{self, Migration};
use crate::{Result, StoreError, sql};

/// Readers in the pool; writes use one of them at a time.
const POOL_SIZE: u32 = 4;

/// How long a statement waits for a lock held by another process before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The writer connection's page cache: 64 MiB (negative: in KiB), against SQLite's
/// default of 2 MiB, so that the indexes a submission inserts into stay in memory.
const WRITER_CACHE_KIB: &str = "-65536";

/// The SQLite store. Open it with [`SqliteStore::open`], then call
/// [`Store::migrate`](crate::Store::migrate).
pub struct SqliteStore {
    pool: SqlitePool,
    writes: Writes,
    /// Counts case writes for the dashboard (`Store::count_cases_with`).
    counter: crate::CounterCell,
    /// The database file (`None` in memory), for the ledger's bulk reader and writer.
    path: Option<std::path::PathBuf>,
    /// The bulk writer's connection (rusqlite), opened at its first use and kept.
    bulk: Arc<std::sync::Mutex<Option<rusqlite::Connection>>>,
}

impl SqliteStore {
    pub(crate) const MIGRATIONS: &'static [Migration] = migrate::SQLITE;
    pub(crate) const MIGRATION_BOOTSTRAP: &'static str = migrate::SQLITE_BOOTSTRAP;
    pub(crate) const MIGRATION_LOCK: Option<&'static str> = None;
    /// How an appender reads the ledger head: the store's writer lock already
    /// serializes appends.
    pub(crate) const LEDGER_HEAD_FOR_WRITE: &'static str = sql::LEDGER_HEAD;
    /// How a case write reads the dashboard's basis: the writer lock already
    /// serializes it with a recount.
    pub(crate) const DASHBOARD_BASIS_FOR_WRITE: &'static str = sql::DASHBOARD_BASIS;
    /// How a recount reads it: the writer lock serializes that too.
    pub(crate) const DASHBOARD_BASIS_FOR_RECOUNT: &'static str = sql::DASHBOARD_BASIS;

    /// Opens (creating it if missing) the database file at `path`. The directory
    /// must exist. Journal mode WAL, `synchronous = FULL` (an acknowledged write
    /// survives a crash or power loss), foreign keys on, busy timeout 5 s.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(POOL_SIZE)
            .connect_with(options.clone())
            .await?;
        // The writer keeps the savepoints of a group's members in memory (each page a
        // statement changes is copied to the savepoint's journal first: a temporary
        // file, written with a system call per page, otherwise), and a larger page
        // cache for the tables and indexes every submission touches.
        let writer = options
            .clone()
            .pragma("temp_store", "memory")
            .pragma("cache_size", WRITER_CACHE_KIB);
        let conn = SqliteConnection::connect_with(&writer).await?;
        tracing::debug!(path = %path.display(), "opened SQLite store");
        Ok(Self {
            pool,
            writes: Writes::Grouped(Batcher::start(conn)),
            counter: crate::CounterCell::default(),
            path: Some(path.to_owned()),
            bulk: Arc::default(),
        })
    }

    /// A private in-memory database, for tests and demos: gone when the store is dropped.
    pub async fn open_in_memory() -> Result<Self> {
        // One connection that never expires: the database lives as long as it does.
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            writes: Writes::Single(Mutex::new(())),
            counter: crate::CounterCell::default(),
            path: None,
            bulk: Arc::default(),
        })
    }

    /// The connection pool, for maintenance and tests. Writes made through it
    /// bypass the writer lock and may meet `SQLITE_BUSY` (after the busy timeout).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Commits the group in progress, waits for the connections in use and closes
    /// them all (checkpointing the WAL).
    pub async fn close(&self) {
        // The readers first: the pool may finish closing a returned connection a
        // moment after `close` returns, while the writer connection's close is
        // awaited, so closed last it is the one that checkpoints and removes the WAL.
        self.pool.close().await;
        if let Writes::Grouped(batcher) = &self.writes {
            let mut batch = batcher.state.lock().await;
            // A bulk write holds the writer while it runs: none is running now.
            if let Ok(mut bulk) = self.bulk.lock() {
                bulk.take();
            }
            batch.finish().await;
            if let Some(conn) = batch.conn.take()
                && let Err(error) = conn.close().await
            {
                tracing::warn!(%error, "closing the writer connection");
            }
        }
    }

    /// Holds every write (they queue in order) until the returned guard is dropped;
    /// writes that started before finish first. For a consistent copy of the file
    /// while serving, and for tests that need several writers in one group.
    pub async fn pause_writes(&self) -> WritesPaused<'_> {
        match &self.writes {
            Writes::Single(turn) => WritesPaused(Paused::Single(turn.lock().await)),
            Writes::Grouped(batcher) => {
                let mut batch = batcher.state.lock().await;
                batch.finish().await;
                WritesPaused(Paused::Grouped(batch))
            }
        }
    }

    /// Writers waiting for their turn at this moment.
    pub fn queued_writes(&self) -> usize {
        match &self.writes {
            Writes::Single(_) => 0,
            Writes::Grouped(batcher) => batcher.queued.load(Ordering::SeqCst),
        }
    }

    /// Groups committed and writes committed in them since the store was opened
    /// (both 0 for a store in memory, which does not group).
    pub fn group_commits(&self) -> (u64, u64) {
        match &self.writes {
            Writes::Single(_) => (0, 0),
            Writes::Grouped(batcher) => (
                batcher.stats.groups.load(Ordering::Relaxed),
                batcher.stats.writes.load(Ordering::Relaxed),
            ),
        }
    }

    fn sql(&self, statement: &'static str) -> Cow<'static, str> {
        sql::for_backend(statement, true)
    }

    /// [`Self::sql`] where there is no store at hand (the sequencer).
    fn statement(statement: &'static str) -> Cow<'static, str> {
        sql::for_backend(statement, true)
    }

    /// [`Self::sql_rows`] where there is no store at hand (the sequencer).
    fn statement_rows(single: &str, rows: usize) -> String {
        sql::multi_row_sqlite(single, rows)
    }

    /// A statement built at run time, in this backend's placeholder syntax.
    fn sql_owned(&self, statement: String) -> String {
        sql::to_sqlite(&statement)
    }

    /// The single writer appends its ledger entries in the write itself.
    pub(crate) const LEDGER_DEFERRED: bool = false;

    /// Nothing is deferred (see [`Self::LEDGER_DEFERRED`]).
    fn ledger_pending_written(&self) {}

    /// Nothing is deferred: the ledger is settled at every commit.
    async fn settle_ledger(&self) -> Result<()> {
        Ok(())
    }

    /// SQLite's planner keeps to the primary key without statistics (a period of
    /// 100,000 findings confirms at about 4,400 a second), and an `ANALYZE` would
    /// hold the one writer: nothing to refresh.
    async fn refresh_statistics(&self, _table: &'static str) {}

    /// The dashboard totals are one shard: the single writer never waits on them.
    fn dashboard_shard(&self) -> Option<i64> {
        None
    }

    /// A single-row insert repeated for `rows` rows, in this backend's syntax.
    fn sql_rows(&self, single: &str, rows: usize) -> String {
        sql::multi_row_sqlite(single, rows)
    }

    /// Runs a write; if it fails, commits the group it was part of before saying so.
    /// A write may fail on another writer's part of the group (a unique key taken a
    /// moment ago), and its caller may then read what took it: that must be
    /// committed by then. (Successful writes wait for their group anyway.)
    async fn grouped<T>(&self, write: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        let result = write.await;
        if result.is_err()
            && let Writes::Grouped(batcher) = &self.writes
        {
            batcher.state.lock().await.finish().await;
        }
        result
    }

    async fn begin_write(&self) -> Result<Writer<'_>> {
        match &self.writes {
            Writes::Single(turn) => {
                let turn = turn.lock().await;
                let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok(Writer {
                    tx: Part::Own(tx, turn),
                })
            }
            Writes::Grouped(batcher) => {
                batcher.queued.fetch_add(1, Ordering::SeqCst);
                let queued = Queued(&batcher.queued);
                let mut batch = batcher.state.lock().await;
                drop(queued);
                batch.settle().await;
                let start = if batch.open {
                    "SAVEPOINT w"
                } else {
                    "BEGIN IMMEDIATE; SAVEPOINT w"
                };
                let was_open = batch.open;
                if batch.conn.is_none() {
                    return Err(sqlx::Error::PoolClosed.into());
                }
                // Until the statement has answered, the connection may or may not be
                // in the transaction and the savepoint: a writer dropped meanwhile (its
                // caller gone) leaves the batch marked open and abandoned, so that the
                // next turn rolls back to the savepoint, or the whole group if the
                // savepoint never came to be. (Marked closed, the next writer began a
                // transaction inside the one this statement had begun, and failed, as
                // did every write after it.)
                batch.open = true;
                batch.abandoned = true;
                let started = match batch.conn.as_mut() {
                    Some(conn) => execute(conn, start).await,
                    None => Err(sqlx::Error::PoolClosed),
                };
                batch.abandoned = false;
                if let Err(error) = started {
                    batch.open = was_open;
                    // A group left open without a writer is committed by the flusher.
                    batcher.flush.notify_one();
                    return Err(error.into());
                }
                Ok(Writer {
                    tx: Part::Grouped(Turn {
                        batch,
                        flush: &batcher.flush,
                        ended: false,
                    }),
                })
            }
        }
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if let Writes::Grouped(batcher) = &self.writes {
            // The flusher holds only a weak reference: it wakes, finds the store
            // gone and ends.
            batcher.flush.notify_one();
        }
    }
}

/// Held writes (see [`SqliteStore::pause_writes`]).
pub struct WritesPaused<'a>(#[allow(dead_code)] Paused<'a>);

enum Paused<'a> {
    Single(#[allow(dead_code)] MutexGuard<'a, ()>),
    Grouped(#[allow(dead_code)] MutexGuard<'a, Batch>),
}

/// Counts a writer as queued until it has its turn or gives up waiting.
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How a store serializes its writes.
enum Writes {
    /// One transaction per write, on the pool's connection (a database in memory).
    Single(Mutex<()>),
    /// Group commit on a writer connection of its own (a database file).
    Grouped(Arc<Batcher>),
}

/// The writer connection, its group in progress and the flusher's wake-up.
struct Batcher {
    /// Taken by one writer at a time (FIFO), and by the flusher to commit.
    state: Mutex<Batch>,
    flush: Arc<Notify>,
    /// Writers waiting for `state`.
    queued: AtomicUsize,
    stats: Arc<Stats>,
}

/// Groups committed, and the writes in them.
#[derive(Default)]
struct Stats {
    groups: AtomicU64,
    writes: AtomicU64,
}

impl Batcher {
    /// Wraps the writer connection and starts its flusher on the current runtime.
    fn start(conn: SqliteConnection) -> Arc<Self> {
        let flush = Arc::new(Notify::new());
        let stats = Arc::new(Stats::default());
        let batcher = Arc::new(Self {
            state: Mutex::new(Batch {
                conn: Some(conn),
                open: false,
                abandoned: false,
                members: Vec::new(),
                stats: stats.clone(),
            }),
            stats,
            flush: flush.clone(),
            queued: AtomicUsize::new(0),
        });
        tokio::spawn(flusher(Arc::downgrade(&batcher), flush));
        batcher
    }
}

/// Commits the group whenever a writer has finished its part. It queues for the
/// writer connection behind the writers already waiting, so they join the group.
async fn flusher(batcher: Weak<Batcher>, flush: Arc<Notify>) {
    loop {
        flush.notified().await;
        let Some(batcher) = batcher.upgrade() else {
            return;
        };
        batcher.state.lock().await.finish().await;
    }
}

/// What a writer learns when its group ends: committed, or why not.
type Outcome = std::result::Result<(), String>;

/// The group in progress on the writer connection.
struct Batch {
    /// `None` once the store is closed.
    conn: Option<SqliteConnection>,
    /// A transaction is open (`BEGIN IMMEDIATE` ran, no `COMMIT` yet).
    open: bool,
    /// A writer ended without commit or rollback (an error on its way): its
    /// savepoint is still open and must be rolled back before anything else.
    abandoned: bool,
    /// The writers whose parts are in the open transaction, waiting for its end.
    members: Vec<oneshot::Sender<Outcome>>,
    stats: Arc<Stats>,
}

impl Batch {
    /// Rolls back the part of a writer that gave up. If that fails, the transaction
    /// is not what its members wrote: it is rolled back whole and they are told.
    async fn settle(&mut self) {
        if !self.abandoned {
            return;
        }
        self.abandoned = false;
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        if let Err(error) = execute(conn, "ROLLBACK TO w; RELEASE w").await {
            tracing::warn!(%error, "a failed write could not be rolled back alone; failing its group");
            let _ = execute(conn, "ROLLBACK").await;
            self.open = false;
            self.tell(Err(error.to_string()));
        }
    }

    /// Commits the open transaction and tells its members the outcome.
    async fn finish(&mut self) {
        self.settle().await;
        if !self.open {
            return;
        }
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let outcome = match execute(conn, "COMMIT").await {
            Ok(()) => {
                self.stats.groups.fetch_add(1, Ordering::Relaxed);
                self.stats
                    .writes
                    .fetch_add(self.members.len() as u64, Ordering::Relaxed);
                Ok(())
            }
            Err(error) => {
                tracing::warn!(%error, "a group commit failed");
                let _ = execute(conn, "ROLLBACK").await;
                Err(error.to_string())
            }
        };
        self.open = false;
        self.tell(outcome);
    }

    fn tell(&mut self, outcome: Outcome) {
        for member in self.members.drain(..) {
            let _ = member.send(outcome.clone());
        }
    }
}

/// Runs one or more statements without parameters. Calls the executor directly:
/// `RawSql::execute`'s future trips the `Send` check inside `async_trait`.
async fn execute(conn: &mut SqliteConnection, statements: &'static str) -> std::result::Result<(), sqlx::Error> {
    sqlx::Executor::execute(conn, sqlx::raw_sql(statements)).await?;
    Ok(())
}

/// A write in progress: `tx` is its connection (inside its own transaction, or
/// inside its savepoint of the group).
pub(crate) struct Writer<'a> {
    pub(crate) tx: Part<'a>,
}

pub(crate) enum Part<'a> {
    Own(Transaction<'static, Sqlite>, MutexGuard<'a, ()>),
    Grouped(Turn<'a>),
}

/// A writer's hold on the writer connection. Dropped without `ended` (an error on
/// the writer's way), it leaves its savepoint to be rolled back.
pub(crate) struct Turn<'a> {
    batch: MutexGuard<'a, Batch>,
    flush: &'a Notify,
    ended: bool,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.batch.abandoned = true;
            self.flush.notify_one();
        }
    }
}

impl Turn<'_> {
    /// Joins the group and waits for its commit.
    async fn join(mut self) -> Result<()> {
        let (sender, receiver) = oneshot::channel();
        self.batch.members.push(sender);
        self.ended = true;
        self.flush.notify_one();
        drop(self);
        match receiver.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(StoreError::GroupCommit(error)),
            Err(_) => Err(StoreError::GroupCommit("the group ended without an outcome".into())),
        }
    }
}

/// `begin_write` hands out a turn only while the writer connection is open, and
/// `close` takes it only between turns.
const OPEN: &str = "the writer connection is open during a turn";

impl Turn<'_> {
    fn tx_conn(&mut self) -> &mut SqliteConnection {
        self.batch.conn.as_mut().expect(OPEN)
    }
}

impl Deref for Part<'_> {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match self {
            Part::Own(tx, _) => tx,
            Part::Grouped(turn) => turn.batch.conn.as_ref().expect(OPEN),
        }
    }
}

impl DerefMut for Part<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            Part::Own(tx, _) => tx,
            Part::Grouped(turn) => turn.batch.conn.as_mut().expect(OPEN),
        }
    }
}

impl Writer<'_> {
    /// Ends the write: committed once this call returns (with its group).
    pub(crate) async fn commit(self) -> Result<()> {
        match self.tx {
            Part::Own(tx, turn) => {
                tx.commit().await?;
                drop(turn);
                Ok(())
            }
            Part::Grouped(mut turn) => {
                execute(turn.tx_conn(), "RELEASE w").await?;
                turn.join().await
            }
        }
    }

    /// Undoes the write. In a group it still waits for the group's end: what it
    /// read there may be other writers' parts, which are not durable before.
    pub(crate) async fn rollback(self) -> Result<()> {
        match self.tx {
            Part::Own(tx, turn) => {
                tx.rollback().await?;
                drop(turn);
                Ok(())
            }
            Part::Grouped(mut turn) => {
                execute(turn.tx_conn(), "ROLLBACK TO w; RELEASE w").await?;
                turn.join().await
            }
        }
    }
}

impl_store!(SqliteStore, SqliteConnection, "sqlite");

/// Ledger rows per page of the bulk reader.
const STREAM_PAGE: usize = 10_000;

impl SqliteStore {
    /// The ledger's bulk reader: a read-only connection of its own (WAL: it reads one
    /// snapshot while writers go on) on a blocking thread, each row read in place.
    pub(crate) fn stream_ledger(
        &self,
        from: u64,
    ) -> Option<tokio::sync::mpsc::Receiver<Result<Vec<crate::LedgerRow>>>> {
        let path = self.path.clone()?;
        let (send, receive) = tokio::sync::mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            if let Err(error) = read_ledger(&path, from, &send) {
                let _ = send.blocking_send(Err(error));
            }
        });
        Some(receive)
    }
}

fn bulk_error(error: rusqlite::Error) -> StoreError {
    StoreError::Corrupt(format!("ledger bulk read: {error}"))
}

fn read_ledger(path: &Path, from: u64, send: &tokio::sync::mpsc::Sender<Result<Vec<crate::LedgerRow>>>) -> Result<()> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(bulk_error)?;
    let mut statement = conn
        .prepare("SELECT idx, entry, leaf_hash FROM ledger_entries WHERE idx >= ?1 ORDER BY idx")
        .map_err(bulk_error)?;
    let from = i64::try_from(from).unwrap_or(i64::MAX);
    let mut rows = statement.query([from]).map_err(bulk_error)?;
    let mut page = Vec::with_capacity(STREAM_PAGE);
    while let Some(row) = rows.next().map_err(bulk_error)? {
        let index: i64 = row.get(0).map_err(bulk_error)?;
        // Bytes as stored, whatever their column type: a tampered row is the audit's
        // to report, not a read error.
        let bytes = |column: usize| match row.get_ref(column) {
            Ok(rusqlite::types::ValueRef::Blob(bytes) | rusqlite::types::ValueRef::Text(bytes)) => Ok(bytes),
            Ok(_) => Ok(&[][..]),
            Err(error) => Err(bulk_error(error)),
        };
        let entry = bytes(1)?;
        let leaf = std::str::from_utf8(bytes(2)?).unwrap_or_default();
        page.push(crate::LedgerRow {
            index: u64::try_from(index).map_err(|_| StoreError::Corrupt(format!("ledger index {index}")))?,
            entry: entry.to_vec(),
            leaf_hash: crate::common::hash_from_text(leaf, &format!("ledger_entries.leaf_hash of {index}"))?,
        });
        if page.len() == STREAM_PAGE {
            let full = std::mem::replace(&mut page, Vec::with_capacity(STREAM_PAGE));
            if send.blocking_send(Ok(full)).is_err() {
                return Ok(());
            }
        }
    }
    if !page.is_empty() {
        let _ = send.blocking_send(Ok(page));
    }
    Ok(())
}
/// Entries below this count join the group commit like any write; from it on, a
/// bulk write takes the writer for a transaction of its own on rusqlite.
pub(crate) const BULK_MIN: usize = 256;

/// Accesses per transaction when a policy run records its reads: about a quarter
/// of a second of the writer at the bulk writer's rate.
const RUN_BATCH: usize = 20_000;

impl SqliteStore {
    /// A department's batch read or a policy run over a population: every access its
    /// row and its ledger entry, in one transaction of its own on the bulk writer.
    ///
    /// Why rusqlite here and sqlx elsewhere: sqlx's SQLite driver copies every bound
    /// value to own it and hands each statement to its worker thread over a channel;
    /// for hundreds of thousands of rows that is most of the time. rusqlite binds in
    /// place with statements prepared once, on a blocking thread. The write takes the
    /// writer (the group in progress is committed first and the next waits), so
    /// SQLite still sees one writer, and it is acknowledged after its own commit
    /// (`synchronous = FULL`): durability is the same as any write.
    ///
    /// `None` when this store has no file (in memory) or the batch is small: the
    /// caller writes through the group commit then.
    pub(crate) async fn record_accesses_in_bulk(&self, accesses: &[crate::SubjectAccess]) -> Option<Result<()>> {
        let (batcher, path) = self.bulk_target(accesses.len())?;
        Some(self.write_bulk(batcher, path, accesses).await)
    }

    /// A policy run's reads, recorded before its findings in transactions of
    /// [`RUN_BATCH`] accesses each on the bulk writer, so that other writes get the
    /// writer between batches instead of waiting for the whole population (a
    /// million-person run held it for 22 s in one transaction). The reads happened
    /// whatever becomes of the run: each batch is durable on its own, and a run that
    /// fails later leaves its reads recorded and nothing else.
    ///
    /// `None` as for [`Self::record_accesses_in_bulk`]: the caller then records them
    /// in the transaction of its findings.
    pub(crate) async fn record_run_accesses(&self, accesses: &[crate::SubjectAccess]) -> Option<Result<()>> {
        let (batcher, path) = self.bulk_target(accesses.len())?;
        for batch in accesses.chunks(RUN_BATCH) {
            if let Err(error) = self.write_bulk(batcher, path.clone(), batch).await {
                return Some(Err(error));
            }
        }
        Some(Ok(()))
    }

    /// The writer and the file a bulk write of `count` accesses goes to, if it takes
    /// the bulk path.
    fn bulk_target(&self, count: usize) -> Option<(&Arc<Batcher>, std::path::PathBuf)> {
        match (&self.writes, &self.path) {
            (Writes::Grouped(batcher), Some(path)) if count >= BULK_MIN => Some((batcher, path.clone())),
            _ => None,
        }
    }

    /// Writes `accesses` in one transaction on the bulk writer, holding the writer.
    async fn write_bulk(
        &self,
        batcher: &Batcher,
        path: std::path::PathBuf,
        accesses: &[crate::SubjectAccess],
    ) -> Result<()> {
        // The entries' canonical bytes are encoded on another thread while the
        // writer inserts the access rows: the two halves overlap on two cores.
        let accesses = Arc::new(accesses.to_vec());
        let (send, entries) = std::sync::mpsc::sync_channel(1);
        let encoding = accesses.clone();
        tokio::task::spawn_blocking(move || {
            let encoded: Vec<crate::common::EncodedEntry> = encoding
                .iter()
                .map(|access| crate::common::EncodedEntry::of(&crate::shared::subject_access_entry(access)))
                .collect();
            let _ = send.send(encoded);
        });
        batcher.queued.fetch_add(1, Ordering::SeqCst);
        let queued = Queued(&batcher.queued);
        let mut batch = batcher.state.lock().await;
        drop(queued);
        batch.finish().await;
        let slot = self.bulk.clone();
        let written = tokio::task::spawn_blocking(move || {
            let mut slot = slot
                .lock()
                .map_err(|_| StoreError::Bulk("the bulk writer failed before".into()))?;
            if slot.is_none() {
                *slot = Some(open_bulk_writer(&path)?);
            }
            let Some(conn) = slot.as_mut() else {
                return Err(StoreError::Bulk("the bulk writer is not open".into()));
            };
            write_accesses_bulk(conn, &accesses, &entries)
        })
        .await;
        drop(batch);
        written.unwrap_or_else(|error| Err(StoreError::Bulk(format!("the bulk writer stopped: {error}"))))
    }
}

/// An access row's columns, borrowed from its access.
struct AccessRow<'a> {
    at: i64,
    actor: &'a str,
    role: &'static str,
    department: Option<&'a str>,
    action: &'a str,
    case_id: Option<&'a str>,
    elements: &'a str,
    purpose: &'a str,
}

impl<'a> AccessRow<'a> {
    fn of(access: &'a crate::SubjectAccess) -> Self {
        let entry = &access.entry;
        Self {
            at: crate::common::millis(entry.at),
            actor: &entry.actor,
            role: entry.role.as_str(),
            department: entry.department.as_deref(),
            action: &entry.action,
            case_id: entry.case_id.as_deref(),
            elements: &entry.elements,
            purpose: &entry.purpose,
        }
    }
}

fn bulk_write_error(error: rusqlite::Error) -> StoreError {
    StoreError::Bulk(error.to_string())
}

/// The bulk writer's connection, with the settings of the store's own connections
/// and a larger page cache (the ledger's subject index takes inserts all over).
fn open_bulk_writer(path: &Path) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(bulk_write_error)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(bulk_write_error)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
         PRAGMA cache_size = -65536;",
    )
    .map_err(bulk_write_error)?;
    Ok(conn)
}

/// Rows per multi-row statement of the bulk writer: one statement step per this
/// many rows instead of one per row (prepared once per transaction shape).
const BULK_ROWS: usize = 64;

/// Inserts `rows` with `single` (a one-row `INSERT … VALUES (…)`) repeated
/// [`BULK_ROWS`] rows a statement.
fn insert_rows<'a, R>(
    tx: &rusqlite::Transaction<'_>,
    single: &str,
    rows: &'a [R],
    bind: impl Fn(&'a R, &mut Vec<&'a dyn rusqlite::ToSql>),
) -> Result<()> {
    let full = sql::multi_row_sqlite(single, BULK_ROWS);
    let mut values: Vec<&'a dyn rusqlite::ToSql> = Vec::new();
    for chunk in rows.chunks(BULK_ROWS) {
        values.clear();
        for row in chunk {
            bind(row, &mut values);
        }
        let statement = if chunk.len() == BULK_ROWS {
            Cow::Borrowed(full.as_str())
        } else {
            Cow::Owned(sql::multi_row_sqlite(single, chunk.len()))
        };
        tx.prepare_cached(&statement)
            .and_then(|mut insert| insert.execute(rusqlite::params_from_iter(values.iter())))
            .map_err(bulk_write_error)?;
    }
    Ok(())
}

/// The access rows, then the ledger entries appended at the head, in one
/// transaction: all of it or nothing.
fn write_accesses_bulk(
    conn: &mut rusqlite::Connection,
    accesses: &[crate::SubjectAccess],
    entries: &std::sync::mpsc::Receiver<Vec<crate::common::EncodedEntry>>,
) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(bulk_write_error)?;
    let rows: Vec<AccessRow<'_>> = accesses.iter().map(AccessRow::of).collect();
    insert_rows(&tx, sql::ACCESS_INSERT, &rows, |row, values| {
        values.extend([
            &row.at as &dyn rusqlite::ToSql,
            &row.actor,
            &row.role,
            &row.department,
            &row.action,
            &row.case_id,
            &row.elements,
            &row.purpose,
        ]);
    })?;
    let (size, frontier): (i64, String) = tx
        .query_row(sql::LEDGER_HEAD, [], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(bulk_write_error)?;
    let entries = entries
        .recv()
        .map_err(|_| StoreError::Bulk("the entries were not encoded".into()))?;
    let append = crate::common::plan_append(size, &frontier, entries)?;
    insert_rows(&tx, sql::LEDGER_ENTRY_INSERT, &append.rows, |row, values| {
        values.extend([
            &row.index as &dyn rusqlite::ToSql,
            &row.bytes,
            &row.leaf_hash,
            &row.subject,
            &row.kind,
        ]);
    })?;
    insert_rows(
        &tx,
        sql::LEDGER_NODE_INSERT,
        &append.nodes,
        |(level, index, hash), values| {
            values.extend([level as &dyn rusqlite::ToSql, index, hash]);
        },
    )?;
    let moved = tx
        .execute(
            &sql::to_sqlite(sql::LEDGER_HEAD_UPDATE),
            rusqlite::params![append.new_size, append.frontier, size],
        )
        .map_err(bulk_write_error)?;
    if moved != 1 {
        return Err(StoreError::Corrupt("the ledger head moved during an append".into()));
    }
    tx.commit().map_err(bulk_write_error)
}

crate::shared::impl_sharing_store!(SqliteStore);
crate::benefits::impl_benefit_store!(SqliteStore);
crate::identity::impl_identity_store!(SqliteStore);
crate::outbox::impl_outbox_store!(SqliteStore, SqliteConnection, crate::outbox::claim_sqlite());
