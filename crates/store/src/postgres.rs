//! The scale-out backend: several `onething serve` nodes on one PostgreSQL database.
//!
//! Concurrency between nodes rests on the database: an update names the version it
//! read and the `UPDATE … WHERE version = $expected` row lock lets exactly one of
//! several concurrent writers win; the others get [`Updated::Conflict`](crate::Updated).

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection, Postgres};

use crate::common::{Writer, impl_store};
use crate::migrate::{self, Migration};
use crate::{Result, StoreError, sql};

/// Connections per node.
const POOL_SIZE: u32 = 10;

/// How long a request waits for a free connection (or for the server to answer at start).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL store. Connect with [`PostgresStore::connect`] or
/// [`PostgresStore::connect_with_schema`], then call
/// [`Store::migrate`](crate::Store::migrate).
pub struct PostgresStore {
    pool: PgPool,
    /// Counts case writes for the dashboard (`Store::count_cases_with`).
    counter: crate::CounterCell,
}

impl PostgresStore {
    pub(crate) const MIGRATIONS: &'static [Migration] = migrate::POSTGRES;
    pub(crate) const MIGRATION_BOOTSTRAP: &'static str = migrate::POSTGRES_BOOTSTRAP;
    pub(crate) const MIGRATION_LOCK: Option<&'static str> = Some(migrate::POSTGRES_LOCK);
    /// How an appender reads the ledger head: locked, so appenders on several nodes
    /// queue for it.
    pub(crate) const LEDGER_HEAD_FOR_WRITE: &'static str = sql::LEDGER_HEAD_FOR_UPDATE;
    /// How a case write reads the dashboard's basis: locked, so that a recount waits
    /// for the writes counting under the old basis and they for it.
    pub(crate) const DASHBOARD_BASIS_FOR_WRITE: &'static str = sql::DASHBOARD_BASIS_FOR_UPDATE;

    /// Connects to `url` (`postgres://user:password@host:port/database`), using the
    /// connection's default `search_path` (normally `public`).
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        Ok(Self {
            pool: Self::open_pool(options).await?,
            counter: crate::CounterCell::default(),
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
            pool,
            counter: crate::CounterCell::default(),
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
        self.pool.close().await;
    }

    fn sql(&self, statement: &'static str) -> Cow<'static, str> {
        sql::for_backend(statement, false)
    }

    /// A statement built at run time, in this backend's placeholder syntax.
    fn sql_owned(&self, statement: String) -> String {
        statement
    }

    /// A single-row insert repeated for `rows` rows, in this backend's syntax.
    fn sql_rows(&self, single: &str, rows: usize) -> String {
        sql::multi_row(single, rows)
    }

    /// Runs a write (nothing to add here: each write is its own transaction).
    async fn grouped<T>(&self, write: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        write.await
    }

    async fn begin_write(&self) -> Result<Writer<'_, Postgres>> {
        Ok(Writer::new(self.pool.begin().await?, None))
    }
}

impl_store!(PostgresStore, PgConnection, "postgres");
crate::shared::impl_sharing_store!(PostgresStore);
crate::benefits::impl_benefit_store!(PostgresStore);
crate::outbox::impl_outbox_store!(PostgresStore, PgConnection, crate::outbox::claim_postgres());
