//! The embedded backend: one SQLite file in WAL mode.
//!
//! SQLite allows one writer at a time. Every write transaction of a store takes the
//! store's writer lock first and then starts with `BEGIN IMMEDIATE`, so concurrent
//! requests queue in the process instead of failing with `SQLITE_BUSY`; reads go
//! straight to the pool and are never blocked by the writer (WAL).

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection};
use tokio::sync::Mutex;

use crate::common::{Writer, impl_store};
use crate::migrate::{self, Migration};
use crate::{Result, sql};

/// Readers in the pool; writes use one of them at a time.
const POOL_SIZE: u32 = 4;

/// How long a statement waits for a lock held by another process before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite store. Open it with [`SqliteStore::open`], then call
/// [`Store::migrate`](crate::Store::migrate).
pub struct SqliteStore {
    pool: SqlitePool,
    /// Held for the whole of every write transaction.
    writer: Mutex<()>,
    /// Counts case writes for the dashboard (`Store::count_cases_with`).
    counter: crate::CounterCell,
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
            .connect_with(options)
            .await?;
        tracing::debug!(path = %path.display(), "opened SQLite store");
        Ok(Self::from_pool(pool))
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
        Ok(Self::from_pool(pool))
    }

    fn from_pool(pool: SqlitePool) -> Self {
        Self {
            pool,
            writer: Mutex::new(()),
            counter: crate::CounterCell::default(),
        }
    }

    /// The connection pool, for maintenance and tests. Writes made through it
    /// bypass the writer lock and may meet `SQLITE_BUSY` (after the busy timeout).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Waits for the connections in use and closes them all (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    fn sql(&self, statement: &'static str) -> Cow<'static, str> {
        sql::for_backend(statement, true)
    }

    /// A statement built at run time, in this backend's placeholder syntax.
    fn sql_owned(&self, statement: String) -> String {
        sql::to_sqlite(&statement)
    }

    async fn begin_write(&self) -> Result<Writer<'_, Sqlite>> {
        let turn = self.writer.lock().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Writer::new(tx, Some(turn)))
    }
}

impl_store!(SqliteStore, SqliteConnection, "sqlite");
crate::shared::impl_sharing_store!(SqliteStore);
crate::benefits::impl_benefit_store!(SqliteStore);
