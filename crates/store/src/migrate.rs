//! Schema migrations: plain SQL files per backend (`migrations/<backend>/NNNN_name.sql`),
//! embedded in the binary and applied in order by a small runner that records each
//! applied version in `schema_migrations(version, applied_at)`.
//!
//! Each migration runs in its own transaction together with the row that records it,
//! so a migration is applied completely or not at all. On PostgreSQL every migration
//! transaction first takes a transaction-level advisory lock ([`POSTGRES_LOCK`]), so
//! several nodes starting at once apply each migration exactly once; on SQLite the
//! store's writer lock and `BEGIN IMMEDIATE` do the same within and across processes.
//!
//! Migrations are append-only: a released file is never edited; a change to the
//! schema is a new file with the next version, added to both lists below.

/// One migration of one backend.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

/// The SQLite migrations, in order.
pub(crate) const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "uploads",
        sql: include_str!("../migrations/sqlite/0002_uploads.sql"),
    },
    Migration {
        version: 3,
        name: "ratings",
        sql: include_str!("../migrations/sqlite/0003_ratings.sql"),
    },
    Migration {
        version: 4,
        name: "account_id_number",
        sql: include_str!("../migrations/sqlite/0004_account_id_number.sql"),
    },
    Migration {
        version: 5,
        name: "ledger",
        sql: include_str!("../migrations/sqlite/0005_ledger.sql"),
    },
    Migration {
        version: 6,
        name: "auditor_role",
        sql: include_str!("../migrations/sqlite/0006_auditor_role.sql"),
    },
    Migration {
        version: 7,
        name: "notifications",
        sql: include_str!("../migrations/sqlite/0007_notifications.sql"),
    },
    Migration {
        version: 8,
        name: "rectifications",
        sql: include_str!("../migrations/sqlite/0008_rectifications.sql"),
    },
    Migration {
        version: 9,
        name: "task_limit",
        sql: include_str!("../migrations/sqlite/0009_task_limit.sql"),
    },
    Migration {
        version: 10,
        name: "sharing_certificates",
        sql: include_str!("../migrations/sqlite/0010_sharing_certificates.sql"),
    },
    Migration {
        version: 11,
        name: "calendar_years",
        sql: include_str!("../migrations/sqlite/0011_calendar_years.sql"),
    },
    Migration {
        version: 12,
        name: "shared_checks",
        sql: include_str!("../migrations/sqlite/0012_shared_checks.sql"),
    },
    Migration {
        version: 13,
        name: "login_failures",
        sql: include_str!("../migrations/sqlite/0013_login_failures.sql"),
    },
    Migration {
        version: 14,
        name: "draft_uploads",
        sql: include_str!("../migrations/sqlite/0014_draft_uploads.sql"),
    },
    Migration {
        version: 15,
        name: "list_pages",
        sql: include_str!("../migrations/sqlite/0015_list_pages.sql"),
    },
    Migration {
        version: 16,
        name: "dashboard_counts",
        sql: include_str!("../migrations/sqlite/0016_dashboard_counts.sql"),
    },
    Migration {
        version: 17,
        name: "benefit_findings",
        sql: include_str!("../migrations/sqlite/0017_benefit_findings.sql"),
    },
    Migration {
        version: 18,
        name: "no_hot_rows",
        sql: include_str!("../migrations/sqlite/0018_no_hot_rows.sql"),
    },
    Migration {
        version: 19,
        name: "service_identity",
        sql: include_str!("../migrations/sqlite/0019_service_identity.sql"),
    },
    Migration {
        version: 20,
        name: "outbox",
        sql: include_str!("../migrations/sqlite/0020_outbox.sql"),
    },
    Migration {
        version: 21,
        name: "benefit_pages",
        sql: include_str!("../migrations/sqlite/0021_benefit_pages.sql"),
    },
    Migration {
        version: 22,
        name: "benefit_confirm_jobs",
        sql: include_str!("../migrations/sqlite/0022_benefit_confirm_jobs.sql"),
    },
    Migration {
        version: 23,
        name: "benefit_runs",
        sql: include_str!("../migrations/sqlite/0023_benefit_runs.sql"),
    },
    Migration {
        version: 24,
        name: "one_index_by_submission_time",
        sql: include_str!("../migrations/sqlite/0024_one_index_by_submission_time.sql"),
    },
];

/// The PostgreSQL migrations, in order. Same versions and table shapes as [`SQLITE`].
pub(crate) const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "uploads",
        sql: include_str!("../migrations/postgres/0002_uploads.sql"),
    },
    Migration {
        version: 3,
        name: "ratings",
        sql: include_str!("../migrations/postgres/0003_ratings.sql"),
    },
    Migration {
        version: 4,
        name: "account_id_number",
        sql: include_str!("../migrations/postgres/0004_account_id_number.sql"),
    },
    Migration {
        version: 5,
        name: "ledger",
        sql: include_str!("../migrations/postgres/0005_ledger.sql"),
    },
    Migration {
        version: 6,
        name: "auditor_role",
        sql: include_str!("../migrations/postgres/0006_auditor_role.sql"),
    },
    Migration {
        version: 7,
        name: "notifications",
        sql: include_str!("../migrations/postgres/0007_notifications.sql"),
    },
    Migration {
        version: 8,
        name: "rectifications",
        sql: include_str!("../migrations/postgres/0008_rectifications.sql"),
    },
    Migration {
        version: 9,
        name: "task_limit",
        sql: include_str!("../migrations/postgres/0009_task_limit.sql"),
    },
    Migration {
        version: 10,
        name: "sharing_certificates",
        sql: include_str!("../migrations/postgres/0010_sharing_certificates.sql"),
    },
    Migration {
        version: 11,
        name: "calendar_years",
        sql: include_str!("../migrations/postgres/0011_calendar_years.sql"),
    },
    Migration {
        version: 12,
        name: "shared_checks",
        sql: include_str!("../migrations/postgres/0012_shared_checks.sql"),
    },
    Migration {
        version: 13,
        name: "login_failures",
        sql: include_str!("../migrations/postgres/0013_login_failures.sql"),
    },
    Migration {
        version: 14,
        name: "draft_uploads",
        sql: include_str!("../migrations/postgres/0014_draft_uploads.sql"),
    },
    Migration {
        version: 15,
        name: "list_pages",
        sql: include_str!("../migrations/postgres/0015_list_pages.sql"),
    },
    Migration {
        version: 16,
        name: "dashboard_counts",
        sql: include_str!("../migrations/postgres/0016_dashboard_counts.sql"),
    },
    Migration {
        version: 17,
        name: "benefit_findings",
        sql: include_str!("../migrations/postgres/0017_benefit_findings.sql"),
    },
    Migration {
        version: 18,
        name: "no_hot_rows",
        sql: include_str!("../migrations/postgres/0018_no_hot_rows.sql"),
    },
    Migration {
        version: 19,
        name: "service_identity",
        sql: include_str!("../migrations/postgres/0019_service_identity.sql"),
    },
    Migration {
        version: 20,
        name: "outbox",
        sql: include_str!("../migrations/postgres/0020_outbox.sql"),
    },
    Migration {
        version: 21,
        name: "benefit_pages",
        sql: include_str!("../migrations/postgres/0021_benefit_pages.sql"),
    },
    Migration {
        version: 22,
        name: "benefit_confirm_jobs",
        sql: include_str!("../migrations/postgres/0022_benefit_confirm_jobs.sql"),
    },
    Migration {
        version: 23,
        name: "benefit_runs",
        sql: include_str!("../migrations/postgres/0023_benefit_runs.sql"),
    },
    Migration {
        version: 24,
        name: "one_index_by_submission_time",
        sql: include_str!("../migrations/postgres/0024_one_index_by_submission_time.sql"),
    },
];

/// Creates the bookkeeping table (SQLite).
pub(crate) const SQLITE_BOOTSTRAP: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
     version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT";

/// Creates the bookkeeping table (PostgreSQL).
pub(crate) const POSTGRES_BOOTSTRAP: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
     version BIGINT NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)";

/// The advisory lock every schema change on PostgreSQL holds until its transaction
/// ends. The key is the ASCII of "ONETHING" as a big-endian integer; it is the same
/// for every schema of a database, so migrations of different schemas wait for each
/// other too (they are short).
pub(crate) const POSTGRES_LOCK: &str = "SELECT pg_advisory_xact_lock(5714581205472071239)";

/// Implements `Store::migrate` for a store type. Expects, on the store:
/// `begin_write()`, `sql()`, and the associated constants `MIGRATIONS`,
/// `MIGRATION_BOOTSTRAP` and `MIGRATION_LOCK` (`Option<&str>`, run first in every
/// migration transaction).
macro_rules! run_migrations {
    ($store:ident) => {{
        use $crate::common::ReadRow as _;
        use $crate::sql;

        // The bookkeeping table, under the lock too: concurrent `CREATE TABLE IF
        // NOT EXISTS` can fail on PostgreSQL.
        let mut writer = $store.begin_write().await?;
        if let Some(lock) = Self::MIGRATION_LOCK {
            sqlx::query(lock).execute(&mut *writer.tx).await?;
        }
        Self::execute_script(&mut writer.tx, Self::MIGRATION_BOOTSTRAP).await?;
        writer.commit().await?;

        for migration in Self::MIGRATIONS {
            let mut writer = $store.begin_write().await?;
            if let Some(lock) = Self::MIGRATION_LOCK {
                sqlx::query(lock).execute(&mut *writer.tx).await?;
            }
            let applied = sqlx::query(&$store.sql(sql::MIGRATION_APPLIED))
                .bind(migration.version)
                .fetch_optional(&mut *writer.tx)
                .await?
                .is_some();
            if applied {
                writer.rollback().await?;
                continue;
            }
            Self::execute_script(&mut writer.tx, migration.sql)
                .await
                .map_err(|error| {
                    $crate::StoreError::Migration(format!(
                        "{:04}_{} ({}): {error}",
                        migration.version,
                        migration.name,
                        $store.backend()
                    ))
                })?;
            sqlx::query(&$store.sql(sql::MIGRATION_RECORD))
                .bind(migration.version)
                .bind($crate::migrate::now_millis())
                .execute(&mut *writer.tx)
                .await?;
            writer.commit().await?;
            tracing::info!(
                backend = $store.backend(),
                version = migration.version,
                name = migration.name,
                "applied migration"
            );
        }

        let latest = sqlx::query(&$store.sql(sql::MIGRATION_LATEST))
            .fetch_one($store.pool())
            .await?
            .int("latest")?;
        let known = Self::MIGRATIONS.last().map_or(0, |m| m.version);
        if latest > known {
            tracing::warn!(
                backend = $store.backend(),
                database = latest,
                binary = known,
                "the database was migrated by a newer version of OneThing"
            );
        }
        Ok(())
    }};
}

pub(crate) use run_migrations;

/// The wall clock in milliseconds since the Unix epoch, for `applied_at`.
pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(migrations: &[Migration], dir: &str) {
        let mut previous = 0;
        for migration in migrations {
            assert_eq!(migration.version, previous + 1, "{dir}: versions must be consecutive");
            assert!(!migration.sql.trim().is_empty());
            previous = migration.version;
        }
    }

    #[test]
    fn versions_are_consecutive_and_the_same_on_both_backends() {
        check(SQLITE, "sqlite");
        check(POSTGRES, "postgres");
        let sqlite: Vec<(i64, &str)> = SQLITE.iter().map(|m| (m.version, m.name)).collect();
        let postgres: Vec<(i64, &str)> = POSTGRES.iter().map(|m| (m.version, m.name)).collect();
        assert_eq!(sqlite, postgres);
    }
}
