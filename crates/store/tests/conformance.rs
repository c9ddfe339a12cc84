//! The conformance suite: every scenario is written once, against `dyn Store` (plus a
//! little raw SQL through the [`Fixture`] where a test must look behind the trait),
//! and runs on both backends: `sqlite::<scenario>` on a fresh temporary file and
//! `postgres::<scenario>` in a fresh schema of the database named by
//! `ONETHING_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
//!
//! The PostgreSQL tests fail, never skip, when the server cannot be reached.

use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};

use calendar::Calendar;
use cases::{Action, Actor, Case, CaseId, Event, Outcome, TaskState, Transition};
use catalog::{Catalog, Holdings};
use chrono::{DateTime, Duration, TimeZone, Utc};
use ledger::{Hash, LedgerEntry};
use sqlx::Connection;
use store::{
    AccessEntry, Account, IdempotencyKey, Inserted, LedgerRow, NewCertificate, PostgresStore, Prefill, QueueEntry,
    Role, SharedRecord, SqliteStore, Store, StoreError, StoredCertificate, StoredCheckpoint, StoredKey, SubjectAccess,
    Updated,
};

// ------------------------------------------------------------------ the world

/// The real catalog and the official calendar.
struct World {
    catalog: Catalog,
    calendar: Calendar,
}

/// Whether a write was refused by the database's own rule (a unique or foreign key
/// constraint), not by anything else that can fail, such as a lost connection.
fn refused_by_constraint<T: std::fmt::Debug>(result: Result<T, StoreError>) -> bool {
    match result {
        Err(StoreError::Database(sqlx::Error::Database(error))) => {
            error.is_unique_violation() || error.is_foreign_key_violation()
        }
        other => panic!("expected a constraint violation, got {other:?}"),
    }
}

fn load_world() -> World {
    World {
        catalog: testkit::catalog(),
        calendar: testkit::calendar(),
    }
}

thread_local! {
    static WORLD: World = load_world();
}

/// A time in February 2026 (UTC), with milliseconds, the precision the store keeps.
fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, day, hour, minute, 0).unwrap() + Duration::milliseconds(123)
}

fn case_id(text: &str) -> CaseId {
    CaseId::parse(text).unwrap()
}

const CASE_A: &str = "YJS20260212000001";
const CASE_B: &str = "YJS20260210000002";
const CASE_C: &str = "YJS20260211000003";
const CASE_D: &str = "YJS20260211000004";
const CASE_E: &str = "YJS20260212000000";

/// A newborn case (all situation answers "yes"), created at `now` with a valid form.
fn new_case(id: &str, applicant: &str, now: DateTime<Utc>) -> Outcome {
    WORLD.with(|world| {
        let answers = testkit::newborn_all_yes();
        let plan = catalog::compute_plan(
            &world.catalog,
            world.catalog.one_thing("newborn").unwrap(),
            &answers,
            &Holdings::default(),
            cases::china_date(now),
            &world.calendar,
        )
        .unwrap();
        let form = testkit::sample_form(&world.catalog, &plan);
        Case::create(
            &world.catalog,
            &world.calendar,
            &plan,
            case_id(id),
            applicant,
            &form,
            now,
        )
        .unwrap()
    })
}

/// Staff of `department` act on the task of `item`.
fn act(case: &Case, item: &str, department: &str, action: Action, now: DateTime<Utc>) -> Outcome {
    WORLD.with(|world| {
        let staff = Actor::Staff {
            account: "s".into(),
            department: department.into(),
        };
        case.act(
            &world.catalog,
            &world.calendar,
            &staff,
            &item.parse().unwrap(),
            action,
            now,
        )
        .unwrap()
    })
}

/// Staff of `department` approve the task of `item` with valid outputs.
fn approve(case: &Case, item: &str, department: &str, now: DateTime<Utc>) -> Outcome {
    let outputs = WORLD.with(|world| {
        world.catalog.items[&item.parse().unwrap()]
            .outputs
            .elements
            .iter()
            .map(|element| {
                (
                    element.clone(),
                    testkit::sample_value(&world.catalog.elements[element].element_type),
                )
            })
            .collect()
    });
    act(case, item, department, Action::Approve { outputs }, now)
}

fn reject(case: &Case, item: &str, department: &str, now: DateTime<Utc>) -> Outcome {
    let reason = "材料不全".to_owned();
    act(case, item, department, Action::Reject { reason }, now)
}

/// The birth certificate office (WJ) accepts its task (出生医学证明), the first
/// task of a newborn case: every other task waits for it.
fn accept(case: &Case, now: DateTime<Utc>) -> Outcome {
    act(case, "GG00101001", "WJ", Action::Accept, now)
}

fn events_of(stored: &[store::StoredEvent]) -> Vec<Event> {
    stored.iter().map(|stored| stored.event.clone()).collect()
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

// ------------------------------------------------------------------ the fixture

#[derive(Clone, Copy, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

/// An open store of either backend.
#[derive(Clone)]
enum Handle {
    Sqlite(Arc<SqliteStore>),
    Postgres(Arc<PostgresStore>),
}

impl Handle {
    fn store(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(store) => store.clone(),
            Self::Postgres(store) => store.clone(),
        }
    }

    async fn close(&self) {
        match self {
            Self::Sqlite(store) => store.close().await,
            Self::Postgres(store) => store.close().await,
        }
    }
}

fn database_url() -> String {
    std::env::var("ONETHING_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh, empty database of one backend (not migrated), removed at the end.
struct Fixture {
    backend: Backend,
    /// The SQLite file or the PostgreSQL schema.
    location: String,
    handle: Mutex<Handle>,
    /// Stores opened as other nodes, closed with the fixture.
    others: Mutex<Vec<Handle>>,
}

impl Fixture {
    async fn new(backend: Backend) -> Self {
        let token = format!("{:016x}", rand::random::<u64>());
        let location = match backend {
            Backend::Sqlite => std::env::temp_dir()
                .join(format!("onething-store-test-{token}.sqlite3"))
                .to_string_lossy()
                .into_owned(),
            Backend::Postgres => format!("t_{token}"),
        };
        let handle = Self::open(backend, &location).await;
        Self {
            backend,
            location,
            handle: Mutex::new(handle),
            others: Mutex::new(Vec::new()),
        }
    }

    async fn open(backend: Backend, location: &str) -> Handle {
        match backend {
            Backend::Sqlite => Handle::Sqlite(Arc::new(
                SqliteStore::open(Path::new(location))
                    .await
                    .unwrap_or_else(|error| panic!("cannot open SQLite file {location}: {error}")),
            )),
            Backend::Postgres => {
                let url = database_url();
                Handle::Postgres(Arc::new(
                    PostgresStore::connect_with_schema(&url, location)
                        .await
                        .unwrap_or_else(|error| {
                            panic!(
                                "cannot reach PostgreSQL at {url}: {error}. The PostgreSQL conformance tests \
                             need a running server: start one, or point ONETHING_TEST_DATABASE_URL at one."
                            )
                        }),
                ))
            }
        }
    }

    fn handle(&self) -> Handle {
        self.handle.lock().unwrap().clone()
    }

    fn store(&self) -> Arc<dyn Store> {
        self.handle().store()
    }

    /// The same data as another node sees it: on PostgreSQL a second store with its
    /// own pool; on SQLite the same store (one process owns the file).
    async fn another_node(&self) -> Arc<dyn Store> {
        match self.backend {
            Backend::Sqlite => self.store(),
            Backend::Postgres => {
                let other = Self::open(self.backend, &self.location).await;
                self.others.lock().unwrap().push(other.clone());
                other.store()
            }
        }
    }

    /// Closes the store and opens the same data again, as a restart does.
    async fn reopen(&self) -> Arc<dyn Store> {
        self.handle().close().await;
        let handle = Self::open(self.backend, &self.location).await;
        handle.store().migrate().await.unwrap();
        *self.handle.lock().unwrap() = handle.clone();
        handle.store()
    }

    /// Runs raw SQL behind the store's back.
    async fn execute(&self, sql: &str) {
        match self.handle() {
            Handle::Sqlite(store) => {
                sqlx::Executor::execute(store.pool(), sqlx::raw_sql(sql)).await.unwrap();
            }
            Handle::Postgres(store) => {
                sqlx::Executor::execute(store.pool(), sqlx::raw_sql(sql)).await.unwrap();
            }
        }
    }

    /// Runs raw SQL behind the store's back, returning the database's refusal.
    async fn try_execute(&self, sql: &str) -> Result<(), String> {
        let result = match self.handle() {
            Handle::Sqlite(store) => sqlx::Executor::execute(store.pool(), sqlx::raw_sql(sql))
                .await
                .map(drop),
            Handle::Postgres(store) => sqlx::Executor::execute(store.pool(), sqlx::raw_sql(sql))
                .await
                .map(drop),
        };
        result.map_err(|error| error.to_string())
    }

    async fn scalar(&self, sql: &str) -> i64 {
        match self.handle() {
            Handle::Sqlite(store) => sqlx::query_scalar(sql).fetch_one(store.pool()).await.unwrap(),
            Handle::Postgres(store) => sqlx::query_scalar(sql).fetch_one(store.pool()).await.unwrap(),
        }
    }

    async fn count(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT COUNT(*) FROM {table}")).await
    }

    /// The rows of `ledger_entries` once the ledger has been read through the store:
    /// a read gives every committed write's entries their indexes first (PostgreSQL
    /// writes hand them to a sequencer).
    async fn ledger_entries(&self) -> i64 {
        self.store().ledger_head().await.unwrap();
        self.count("ledger_entries").await
    }

    async fn table_names(&self) -> Vec<String> {
        match self.handle() {
            Handle::Sqlite(store) => sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .fetch_all(store.pool())
            .await
            .unwrap(),
            Handle::Postgres(store) => sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() ORDER BY table_name",
            )
            .fetch_all(store.pool())
            .await
            .unwrap(),
        }
    }

    /// `(version, applied_at)` of every applied migration.
    async fn migrations(&self) -> Vec<(i64, i64)> {
        let sql = "SELECT version, applied_at FROM schema_migrations ORDER BY version";
        match self.handle() {
            Handle::Sqlite(store) => sqlx::query_as(sql).fetch_all(store.pool()).await.unwrap(),
            Handle::Postgres(store) => sqlx::query_as(sql).fetch_all(store.pool()).await.unwrap(),
        }
    }

    async fn teardown(&self) {
        let others = std::mem::take(&mut *self.others.lock().unwrap());
        for other in others {
            other.close().await;
        }
        self.handle().close().await;
        match self.backend {
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.location));
                }
            }
            Backend::Postgres => {
                let mut connection = sqlx::PgConnection::connect(&database_url()).await.unwrap();
                let drop = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.location);
                sqlx::Executor::execute(&mut connection, sqlx::raw_sql(&drop))
                    .await
                    .unwrap();
                connection.close().await.unwrap();
            }
        }
    }
}

/// Runs a scenario on a fresh database (migrated first unless `migrate` is false)
/// and removes the database afterwards, whether the scenario passed or not.
async fn run<F, Fut>(backend: Backend, migrate: bool, scenario: F)
where
    F: FnOnce(Arc<Fixture>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let fixture = Arc::new(Fixture::new(backend).await);
    let task = {
        let fixture = fixture.clone();
        async move {
            if migrate {
                fixture.store().migrate().await.unwrap();
            }
            scenario(fixture).await;
        }
    };
    let outcome = tokio::spawn(task).await;
    fixture.teardown().await;
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("the scenario did not finish: {error}"),
        }
    }
}

/// Generates `sqlite::<name>` and `postgres::<name>` for every scenario.
macro_rules! conformance {
    (fresh: [$($fresh:ident),* $(,)?], migrated: [$($migrated:ident),* $(,)?] $(,)?) => {
        conformance!(@backend sqlite, Backend::Sqlite, [$($fresh),*], [$($migrated),*]);
        conformance!(@backend postgres, Backend::Postgres, [$($fresh),*], [$($migrated),*]);
    };
    (@backend $module:ident, $backend:expr, [$($fresh:ident),*], [$($migrated:ident),*]) => {
        mod $module {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $fresh() {
                    run($backend, false, |fixture| async move { super::$fresh(&fixture).await }).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $migrated() {
                    run($backend, true, |fixture| async move { super::$migrated(&fixture).await }).await;
                }
            )*
        }
    };
}

conformance! {
    fresh: [
        migrations_create_exactly_the_expected_tables,
        first_migrations_from_several_nodes_race_safely,
    ],
    migrated: [
        migrate_twice_is_a_no_op,
        insert_and_load_round_trip,
        event_fields_round_trip,
        idempotent_insert_returns_the_first_case,
        reused_key_with_another_request_is_refused,
        concurrent_inserts_with_one_key_create_one_case,
        update_with_the_read_version_is_written,
        update_with_a_stale_version_conflicts,
        racing_updates_have_exactly_one_winner,
        department_queue_lists_open_tasks_by_deadline,
        applicants_see_only_their_cases_newest_first,
        accounts_upsert_by_id,
        sessions_expire,
        service_clients_rotate_and_revoke,
        oidc_logins_in_flight_are_taken_once,
        access_log_round_trip,
        corrupt_document_is_an_error_not_a_panic,
        data_survives_reopening,
        uploads_are_stored_with_their_case_or_not_at_all,
        a_case_is_rated_once,
        deadline_alerts_are_raised_exactly_once,
        notices_are_written_with_their_change_or_not_at_all,
        a_bad_rating_and_its_rectification_are_stored_together,
        rectifications_list_a_page_at_a_time_with_filters_and_counts,
        draft_files_are_kept_per_applicant_and_one_thing_until_forgotten,
        every_event_and_access_leaves_one_ledger_row,
        ledger_roots_and_proofs_verify,
        racing_writers_keep_the_ledger_gapless,
        ledger_continues_after_reopening,
        checkpoints_round_trip,
        ledger_tables_are_append_only,
        shared_records_upsert_in_bulk,
        prefill_is_stored_with_its_ledger_entries,
        issuer_keys_rotate_one_active_per_department,
        certificates_are_issued_with_their_approval_or_not_at_all,
        a_certificate_is_revoked_once,
        certificate_shares_round_trip,
        a_calendar_import_is_one_transaction,
        a_check_is_answered_once_per_case_and_task,
        every_stored_case_and_rating_is_committed_in_the_ledger,
        dashboard_totals_follow_every_case_write,
        a_failed_write_among_concurrent_ones_fails_alone,
        a_scheduled_run_is_claimed_once_across_nodes,
        outbox_events_exist_iff_their_change_committed,
        deliveries_go_in_case_order_retry_dead_letter_and_replay,
        concurrent_dispatchers_never_claim_the_same_delivery,
        benefit_findings_route_page_and_confirm,
        confirmation_jobs_and_objections,
    ],
}

async fn a_scheduled_run_is_claimed_once_across_nodes(fixture: &Fixture) {
    let nodes = [fixture.store(), fixture.another_node().await];
    let racers: Vec<_> = (0..8)
        .map(|i| {
            let node = nodes[i % 2].clone();
            tokio::spawn(async move {
                node.claim_scheduled_run(
                    "benefit:childcare_subsidy",
                    "2026-12-01",
                    &format!("node-{i}"),
                    at(1, 2, 0),
                )
                .await
                .unwrap()
            })
        })
        .collect();
    let mut won = 0;
    for racer in racers {
        won += usize::from(racer.await.unwrap());
    }
    assert_eq!(won, 1);
    // Another day, another job: each its own claim.
    assert!(
        nodes[1]
            .claim_scheduled_run("benefit:childcare_subsidy", "2026-12-02", "node-1", at(2, 2, 0))
            .await
            .unwrap()
    );
    assert!(
        nodes[0]
            .claim_scheduled_run("benefit:elderly", "2026-12-01", "node-0", at(1, 2, 0))
            .await
            .unwrap()
    );
    assert_eq!(fixture.count("scheduled_runs").await, 3);
}

// ------------------------------------------------------------------ migrations

/// The tables of both backends.
const TABLES: [&str; 45] = [
    "access_log",
    "accounts",
    "benefit_confirm_jobs",
    "benefit_findings",
    "benefit_objections",
    "benefit_runs",
    "calendar_years",
    "case_events",
    "cases",
    "certificate_shares",
    "certificates",
    "dashboard_basis",
    "dashboard_counts",
    "dashboard_stale",
    "deadline_alerts",
    "department_ratings",
    "draft_uploads",
    "idempotency_keys",
    "identity_links",
    "issuer_keys",
    "ledger_checkpoints",
    "ledger_entries",
    "ledger_head",
    "ledger_nodes",
    "login_failures",
    "notifications",
    "oidc_requests",
    "outbox",
    "prefills",
    "rating_indicators",
    "ratings",
    "rectifications",
    "scheduled_runs",
    "schema_migrations",
    "service_clients",
    "service_secrets",
    "service_tokens",
    "sessions",
    "shared_checks",
    "shared_records",
    "tasks",
    "uploads",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_subscriptions",
];

async fn assert_migrated(fixture: &Fixture) {
    let mut expected = TABLES.to_vec();
    if matches!(fixture.backend, Backend::Postgres) {
        // Writes on several nodes hand their ledger entries to the sequencer.
        expected.push("ledger_pending");
        expected.sort_unstable();
    }
    assert_eq!(fixture.table_names().await, expected);
    let versions: Vec<i64> = fixture.migrations().await.iter().map(|(version, _)| *version).collect();
    assert!(!versions.is_empty());
    assert_eq!(versions, (1..=versions.len() as i64).collect::<Vec<_>>());
}

async fn migrations_create_exactly_the_expected_tables(fixture: &Fixture) {
    assert!(fixture.table_names().await.is_empty());
    fixture.store().migrate().await.unwrap();
    assert_migrated(fixture).await;
}

async fn first_migrations_from_several_nodes_race_safely(fixture: &Fixture) {
    let nodes = [fixture.store(), fixture.another_node().await];
    let runs: Vec<_> = (0..6)
        .map(|i| {
            let node = nodes[i % 2].clone();
            tokio::spawn(async move { node.migrate().await })
        })
        .collect();
    for run in runs {
        run.await.unwrap().unwrap();
    }
    assert_migrated(fixture).await;
}

async fn migrate_twice_is_a_no_op(fixture: &Fixture) {
    let store = fixture.store();
    let before = fixture.migrations().await;
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();

    store.migrate().await.unwrap();
    store.migrate().await.unwrap();

    assert_eq!(fixture.migrations().await, before);
    assert_migrated(fixture).await;
    assert_eq!(
        store.load_case(&case_id(CASE_A)).await.unwrap().unwrap().case,
        created.case
    );
}

// ------------------------------------------------------------------ cases

async fn insert_and_load_round_trip(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    assert!(created.events.len() > 1, "submit and dispatch events");

    let inserted = store.insert_case(&created.case, &created.events, None).await.unwrap();
    assert_eq!(inserted, Inserted::Created);

    let loaded = store.load_case(&case_id(CASE_A)).await.unwrap().unwrap();
    assert_eq!(loaded.version, 1);
    assert_eq!(loaded.case, created.case);

    let stored = store.case_events(&case_id(CASE_A)).await.unwrap();
    assert_eq!(
        stored.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=created.events.len() as i64).collect::<Vec<_>>()
    );
    assert_eq!(events_of(&stored), created.events);

    assert_eq!(fixture.count("tasks").await, created.case.tasks.len() as i64);
    assert_eq!(fixture.count("cases").await, 1);
    assert!(store.load_case(&case_id("YJS20260212999999")).await.unwrap().is_none());
    assert!(
        store
            .case_events(&case_id("YJS20260212999999"))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn event_fields_round_trip(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    let transitions = [
        Transition::Submit,
        Transition::Dispatch,
        Transition::Accept,
        Transition::RequestSupplement,
        Transition::AnswerSupplement,
        Transition::Approve,
        Transition::Reject,
        Transition::Cancel,
    ];
    let states = [
        TaskState::Waiting,
        TaskState::Dispatched,
        TaskState::Accepted,
        TaskState::SupplementRequested,
        TaskState::Approved,
        TaskState::Rejected,
        TaskState::Cancelled,
    ];
    let mut events = Vec::new();
    for (i, transition) in transitions.into_iter().enumerate() {
        events.push(Event {
            case_id: case_id(CASE_A),
            at: at(12, 2, i as u32),
            actor: format!("actor-{i}"),
            transition,
            item: (i % 2 == 0).then(|| "GG00101001".parse().unwrap()),
            department: (i % 3 != 0).then(|| "WJ".to_owned()),
            from: Some(states[i % states.len()]),
            to: Some(states[(i + 3) % states.len()]),
            note: format!("说明 {i}：'引号' \"双引号\" $1 ?1"),
        });
    }
    for (i, state) in states.into_iter().enumerate() {
        events.push(Event {
            case_id: case_id(CASE_A),
            at: at(12, 3, i as u32),
            actor: "system".into(),
            transition: Transition::Dispatch,
            item: Some("QR00201001".parse().unwrap()),
            department: Some("GA".into()),
            from: (i % 2 == 1).then_some(state),
            to: (i % 2 == 0).then_some(state),
            note: String::new(),
        });
    }
    store.insert_case(&created.case, &events, None).await.unwrap();
    assert_eq!(events_of(&store.case_events(&case_id(CASE_A)).await.unwrap()), events);
}

async fn idempotent_insert_returns_the_first_case(fixture: &Fixture) {
    let store = fixture.store();
    let first = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    let retry = new_case(CASE_B, "applicant-1", at(12, 1, 31));
    let key = IdempotencyKey {
        account: "applicant-1".into(),
        key: "key-1".into(),
        request_hash: "hash-1".into(),
    };

    let inserted = store.insert_case(&first.case, &first.events, Some(&key)).await.unwrap();
    assert_eq!(inserted, Inserted::Created);
    let again = store.insert_case(&retry.case, &retry.events, Some(&key)).await.unwrap();
    assert_eq!(again, Inserted::Existing(case_id(CASE_A)));

    assert!(store.load_case(&case_id(CASE_B)).await.unwrap().is_none());
    assert_eq!(fixture.count("cases").await, 1);
    assert_eq!(fixture.count("tasks").await, first.case.tasks.len() as i64);
    assert_eq!(fixture.count("case_events").await, first.events.len() as i64);
    assert_eq!(fixture.count("idempotency_keys").await, 1);

    // Keys are scoped to an account: the same key of another account is another request.
    let other = new_case(CASE_C, "applicant-2", at(12, 1, 32));
    let other_key = IdempotencyKey {
        account: "applicant-2".into(),
        ..key.clone()
    };
    let inserted = store
        .insert_case(&other.case, &other.events, Some(&other_key))
        .await
        .unwrap();
    assert_eq!(inserted, Inserted::Created);
    assert_eq!(fixture.count("cases").await, 2);
}

async fn reused_key_with_another_request_is_refused(fixture: &Fixture) {
    let store = fixture.store();
    let first = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    let second = new_case(CASE_B, "applicant-1", at(12, 1, 31));
    let key = IdempotencyKey {
        account: "applicant-1".into(),
        key: "key-1".into(),
        request_hash: "hash-1".into(),
    };
    store.insert_case(&first.case, &first.events, Some(&key)).await.unwrap();
    let counts = [
        fixture.count("cases").await,
        fixture.count("tasks").await,
        fixture.count("case_events").await,
        fixture.count("idempotency_keys").await,
    ];

    let reused = IdempotencyKey {
        request_hash: "hash-2".into(),
        ..key
    };
    let inserted = store
        .insert_case(&second.case, &second.events, Some(&reused))
        .await
        .unwrap();
    assert_eq!(inserted, Inserted::KeyReused);

    assert!(store.load_case(&case_id(CASE_B)).await.unwrap().is_none());
    let after = [
        fixture.count("cases").await,
        fixture.count("tasks").await,
        fixture.count("case_events").await,
        fixture.count("idempotency_keys").await,
    ];
    assert_eq!(after, counts);
    let hash = fixture
        .scalar("SELECT COUNT(*) FROM idempotency_keys WHERE request_hash = 'hash-1'")
        .await;
    assert_eq!(hash, 1);
}

async fn concurrent_inserts_with_one_key_create_one_case(fixture: &Fixture) {
    let nodes = [fixture.store(), fixture.another_node().await];
    let key = IdempotencyKey {
        account: "applicant-1".into(),
        key: "double-click".into(),
        request_hash: "hash-1".into(),
    };
    let racers = 8;
    let barrier = Arc::new(tokio::sync::Barrier::new(racers));
    let tasks: Vec<_> = (0..racers)
        .map(|i| {
            let node = nodes[i % 2].clone();
            let key = key.clone();
            let barrier = barrier.clone();
            let outcome = new_case(&format!("YJS2026021200010{i}"), "applicant-1", at(12, 1, 30));
            tokio::spawn(async move {
                barrier.wait().await;
                let inserted = node
                    .insert_case(&outcome.case, &outcome.events, Some(&key))
                    .await
                    .unwrap();
                (outcome.case.id, inserted)
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let winners: Vec<&CaseId> = results
        .iter()
        .filter(|(_, inserted)| *inserted == Inserted::Created)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let winner = winners[0].clone();
    for (id, inserted) in &results {
        if *id != winner {
            assert_eq!(*inserted, Inserted::Existing(winner.clone()));
        }
    }
    assert_eq!(fixture.count("cases").await, 1);
    assert!(nodes[0].load_case(&winner).await.unwrap().is_some());
}

async fn update_with_the_read_version_is_written(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();

    let read = store.load_case(&case_id(CASE_A)).await.unwrap().unwrap();
    let accepted = accept(&read.case, at(12, 2, 0));
    let updated = store
        .update_case(&accepted.case, read.version, &accepted.events)
        .await
        .unwrap();
    assert_eq!(updated, Updated::Written(2));

    let loaded = store.load_case(&case_id(CASE_A)).await.unwrap().unwrap();
    assert_eq!(loaded.version, 2);
    assert_eq!(loaded.case, accepted.case);

    let approved = approve(&loaded.case, "GG00101001", "WJ", at(12, 3, 0));
    assert!(approved.events.len() > 1, "approval dispatches the next tasks");
    let updated = store.update_case(&approved.case, 2, &approved.events).await.unwrap();
    assert_eq!(updated, Updated::Written(3));
    assert_eq!(
        store.load_case(&case_id(CASE_A)).await.unwrap().unwrap().case,
        approved.case
    );

    let stored = store.case_events(&case_id(CASE_A)).await.unwrap();
    let total = created.events.len() + accepted.events.len() + approved.events.len();
    assert_eq!(
        stored.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=total as i64).collect::<Vec<_>>()
    );
    let mut expected = created.events.clone();
    expected.extend(accepted.events.iter().cloned());
    expected.extend(approved.events.iter().cloned());
    assert_eq!(events_of(&stored), expected);

    // The task rows follow the document.
    for department in departments(&[&approved.case]) {
        let queue = store.department_queue(&department).await.unwrap();
        assert_eq!(json(&queue), json(&expected_queue(&[&approved.case], &department)));
    }
    let queue = store.department_queue("WJ").await.unwrap();
    assert!(
        queue.iter().all(|entry| entry.item != "GG00101001"),
        "approved: no longer queued"
    );
    let rows = fixture
        .scalar(&format!(
            "SELECT COUNT(*) FROM tasks WHERE case_id = '{CASE_A}' AND item = 'GG00101001' AND state = 'approved'"
        ))
        .await;
    assert_eq!(rows, 1);
    let rows = fixture
        .scalar(&format!(
            "SELECT COUNT(*) FROM cases WHERE id = '{CASE_A}' AND version = 3 AND state = '{}'",
            approved.case.state().as_str()
        ))
        .await;
    assert_eq!(rows, 1);
}

async fn update_with_a_stale_version_conflicts(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    let accepted = accept(&created.case, at(12, 2, 0));
    assert_eq!(
        store.update_case(&accepted.case, 1, &accepted.events).await.unwrap(),
        Updated::Written(2)
    );
    let events_before = fixture.count("case_events").await;
    let queue_before = json(&store.department_queue("WJ").await.unwrap());

    // Another request read version 1 too and rejects a task.
    let stale = reject(&created.case, "GG00101001", "WJ", at(12, 3, 0));
    assert_eq!(
        store.update_case(&stale.case, 1, &stale.events).await.unwrap(),
        Updated::Conflict
    );
    assert_eq!(
        store.update_case(&stale.case, 7, &stale.events).await.unwrap(),
        Updated::Conflict
    );

    let loaded = store.load_case(&case_id(CASE_A)).await.unwrap().unwrap();
    assert_eq!(loaded.version, 2);
    assert_eq!(loaded.case, accepted.case);
    assert_eq!(fixture.count("case_events").await, events_before);
    assert_eq!(json(&store.department_queue("WJ").await.unwrap()), queue_before);

    // A case that does not exist cannot be updated either.
    let missing = new_case(CASE_B, "applicant-1", at(10, 1, 30));
    assert_eq!(
        store.update_case(&missing.case, 1, &missing.events).await.unwrap(),
        Updated::Conflict
    );
    assert_eq!(fixture.count("cases").await, 1);
}

async fn racing_updates_have_exactly_one_winner(fixture: &Fixture) {
    let nodes = [fixture.store(), fixture.another_node().await];
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    nodes[0]
        .insert_case(&created.case, &created.events, None)
        .await
        .unwrap();
    let accepted = accept(&created.case, at(12, 2, 0));

    let racers = 16;
    let barrier = Arc::new(tokio::sync::Barrier::new(racers));
    let tasks: Vec<_> = (0..racers)
        .map(|i| {
            let node = nodes[i % 2].clone();
            let barrier = barrier.clone();
            let accepted = accepted.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                node.update_case(&accepted.case, 1, &accepted.events).await.unwrap()
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let written = results.iter().filter(|r| **r == Updated::Written(2)).count();
    let conflicts = results.iter().filter(|r| **r == Updated::Conflict).count();
    assert_eq!((written, conflicts), (1, racers - 1), "{results:?}");

    let loaded = nodes[1].load_case(&case_id(CASE_A)).await.unwrap().unwrap();
    assert_eq!(loaded.version, 2);
    let stored = nodes[1].case_events(&case_id(CASE_A)).await.unwrap();
    assert_eq!(stored.len(), created.events.len() + accepted.events.len());
    let accepts = stored
        .iter()
        .filter(|e| e.event.transition == Transition::Accept)
        .count();
    assert_eq!(accepts, 1);
}

// ------------------------------------------------------------------ lists

fn is_open(state: TaskState) -> bool {
    matches!(
        state,
        TaskState::Dispatched | TaskState::Accepted | TaskState::SupplementRequested
    )
}

/// The queue of `department` computed from the cases themselves.
fn expected_queue(cases: &[&Case], department: &str) -> Vec<QueueEntry> {
    let mut entries: Vec<QueueEntry> = cases
        .iter()
        .flat_map(|case| {
            case.tasks
                .iter()
                .filter(|task| task.department == department && is_open(task.state))
                .map(|task| QueueEntry {
                    case_id: case.id.clone(),
                    item: task.item.to_string(),
                    name: task.name.clone(),
                    state: task.state.as_str().to_owned(),
                    deadline: task.deadline,
                    dispatched_on: task.dispatched_on,
                    one_thing_name: case.one_thing_name.clone(),
                    promised_limit_days: task.promised_limit_days,
                })
        })
        .collect();
    entries.sort_by(|a, b| {
        (a.deadline.is_none(), a.deadline, &a.case_id, &a.item).cmp(&(
            b.deadline.is_none(),
            b.deadline,
            &b.case_id,
            &b.item,
        ))
    });
    entries
}

/// Every department with a task in one of the cases, and one with none.
fn departments(cases: &[&Case]) -> Vec<String> {
    let mut departments: Vec<String> = cases
        .iter()
        .flat_map(|case| case.tasks.iter().map(|task| task.department.clone()))
        .collect();
    departments.push("XX".into());
    departments.sort();
    departments.dedup();
    departments
}

/// The first task of `case` in `state`, as `(item, department)`.
fn task_in(case: &Case, state: TaskState) -> (String, String) {
    let task = case
        .tasks
        .iter()
        .find(|task| task.state == state)
        .unwrap_or_else(|| panic!("no task is {state:?}"));
    (task.item.to_string(), task.department.clone())
}

async fn department_queue_lists_open_tasks_by_deadline(fixture: &Fixture) {
    let store = fixture.store();

    // A and E: submitted on the 12th, untouched (same deadlines: by case id).
    let a = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    let e = new_case(CASE_E, "applicant-1", at(12, 1, 30));
    // B: submitted on the 10th (earlier deadlines). The birth certificate is
    // approved (closed), which dispatches the next tasks: one is accepted, another
    // awaits a supplement (both still open).
    let b = new_case(CASE_B, "applicant-2", at(10, 1, 30));
    let b1 = accept(&b.case, at(10, 2, 0));
    let b2 = approve(&b1.case, "GG00101001", "WJ", at(10, 3, 0));
    let (item, department) = task_in(&b2.case, TaskState::Dispatched);
    let b3 = act(&b2.case, &item, &department, Action::Accept, at(10, 4, 0));
    let (item, department) = task_in(&b3.case, TaskState::Dispatched);
    let reasons = vec!["请补充材料".to_owned()];
    let b4 = act(
        &b3.case,
        &item,
        &department,
        Action::RequestSupplement {
            reasons,
            materials: Vec::new(),
        },
        at(10, 5, 0),
    );
    // C: an open task without a deadline sorts last.
    let mut c = new_case(CASE_C, "applicant-1", at(11, 1, 30));
    let first = c
        .case
        .tasks
        .iter()
        .position(|t| t.item.as_str() == "GG00101001")
        .unwrap();
    c.case.tasks[first].deadline = None;
    // D: the birth certificate was refused: nothing of D is open any more.
    let d = new_case(CASE_D, "applicant-2", at(11, 1, 30));
    let d1 = reject(&d.case, "GG00101001", "WJ", at(11, 2, 0));

    for created in [&a, &e, &b, &c, &d] {
        store.insert_case(&created.case, &created.events, None).await.unwrap();
    }
    for (version, step) in [&b1, &b2, &b3, &b4].into_iter().enumerate() {
        let updated = store
            .update_case(&step.case, version as i64 + 1, &step.events)
            .await
            .unwrap();
        assert_eq!(updated, Updated::Written(version as i64 + 2));
    }
    store.update_case(&d1.case, 1, &d1.events).await.unwrap();

    // Every department's queue is exactly its open tasks, in order.
    let cases = [&a.case, &e.case, &b4.case, &c.case, &d1.case];
    let mut everything = Vec::new();
    for department in departments(&cases) {
        let queue = store.department_queue(&department).await.unwrap();
        assert_eq!(json(&queue), json(&expected_queue(&cases, &department)), "{department}");
        everything.extend(queue);
    }
    assert!(store.department_queue("XX").await.unwrap().is_empty());

    // The suite is not vacuous: every open state, no closed or waiting task.
    for state in ["dispatched", "accepted", "supplement_requested"] {
        assert!(everything.iter().any(|entry| entry.state == state), "{state}");
    }
    assert!(everything.iter().all(|entry| entry.case_id.as_str() != CASE_D));
    assert!(a.case.tasks.iter().any(|task| task.state == TaskState::Waiting));
    let open_of_a = a.case.tasks.iter().filter(|task| is_open(task.state)).count();
    assert_eq!(
        everything
            .iter()
            .filter(|entry| entry.case_id.as_str() == CASE_A)
            .count(),
        open_of_a
    );

    // The birth certificate office: by deadline, then case id, no deadline last.
    let wj = store.department_queue("WJ").await.unwrap();
    let first_tasks: Vec<(&str, Option<chrono::NaiveDate>)> = wj
        .iter()
        .filter(|entry| entry.item == "GG00101001")
        .map(|entry| (entry.case_id.as_str(), entry.deadline))
        .collect();
    assert_eq!(first_tasks.len(), 3);
    assert_eq!(
        first_tasks.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        [CASE_E, CASE_A, CASE_C]
    );
    assert_eq!(first_tasks[0].1, first_tasks[1].1);
    assert!(first_tasks[0].1.is_some() && first_tasks[2].1.is_none());
    assert_eq!(wj.last().map(|entry| entry.case_id.as_str()), Some(CASE_C));
    let deadlines: Vec<_> = everything.iter().filter_map(|entry| entry.deadline).collect();
    assert!(deadlines.iter().min() < deadlines.iter().max(), "several deadlines");

    // A page at a time, whatever the page size, is the same queue in the same order,
    // the task without a deadline included.
    for size in [1, 2, 5] {
        let mut paged = Vec::new();
        let mut after = None;
        loop {
            let query = store::QueueQuery {
                department: "WJ".into(),
                after: after.clone(),
                limit: size,
                ..Default::default()
            };
            let page = store.queue_page(&query).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some((
                // The store sorts a task without a deadline last, as if due on this day.
                last.deadline
                    .unwrap_or(chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()),
                last.case_id.to_string(),
                last.item.clone(),
            ));
            let full = page.len() as i64 == size;
            paged.extend(page);
            if !full {
                break;
            }
        }
        assert_eq!(json(&paged), json(&wj), "pages of {size}");
    }
    // Filters: one state, one case.
    let mut accepted = Vec::new();
    for department in departments(&cases) {
        let query = store::QueueQuery {
            department,
            state: Some("accepted".into()),
            limit: 50,
            ..Default::default()
        };
        accepted.extend(store.queue_page(&query).await.unwrap());
    }
    assert_eq!(
        accepted.len(),
        everything.iter().filter(|e| e.state == "accepted").count()
    );
    assert!(!accepted.is_empty() && accepted.iter().all(|e| e.state == "accepted"));
    let one_case = store::QueueQuery {
        department: "WJ".into(),
        case_id: Some(CASE_A.into()),
        limit: 50,
        ..Default::default()
    };
    let only = store.queue_page(&one_case).await.unwrap();
    assert!(!only.is_empty() && only.iter().all(|e| e.case_id.as_str() == CASE_A));
    // The counts: every open task, and those past their deadline on a day after all of them.
    let (open, overdue) = store
        .queue_counts("WJ", chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap())
        .await
        .unwrap();
    assert_eq!((open, overdue), (wj.len() as i64, 0));
    let (_, overdue) = store
        .queue_counts("WJ", chrono::NaiveDate::from_ymd_opt(2099, 1, 1).unwrap())
        .await
        .unwrap();
    // Overdue counts running tasks only: no clock runs while a supplement is out.
    let running = |e: &&store::QueueEntry| e.state != "supplement_requested";
    assert!(
        wj.iter().any(|e| !running(&e)),
        "the suite has a task waiting for a supplement"
    );
    assert_eq!(
        overdue,
        wj.iter().filter(running).filter(|e| e.deadline.is_some()).count() as i64
    );
    let first_deadline = wj[0].deadline.unwrap();
    let due = store
        .queue_due_between("WJ", first_deadline, first_deadline)
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|(_, _, n)| n).sum::<i64>(),
        wj.iter()
            .filter(running)
            .filter(|e| e.deadline == Some(first_deadline))
            .count() as i64
    );
    assert!(
        due.iter()
            .all(|(d, limit, n)| *d == first_deadline && *limit > 0 && *n > 0)
    );
}

async fn applicants_see_only_their_cases_newest_first(fixture: &Fixture) {
    let store = fixture.store();
    let a = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    let b = new_case(CASE_B, "applicant-1", at(10, 1, 30));
    let c = new_case(CASE_C, "applicant-2", at(11, 1, 30));
    for created in [&b, &a, &c] {
        store.insert_case(&created.case, &created.events, None).await.unwrap();
    }

    let ids = |list: &[store::CaseSummary]| list.iter().map(|s| s.id.to_string()).collect::<Vec<_>>();
    let mine = store.cases_of_applicant("applicant-1").await.unwrap();
    assert_eq!(ids(&mine), [CASE_A, CASE_B]);
    let summary = &mine[0];
    assert_eq!(summary.one_thing, "newborn");
    assert_eq!(summary.one_thing_name, a.case.one_thing_name);
    assert_eq!(summary.state, "in_progress");
    assert_eq!(summary.submitted_at, a.case.submitted_at);
    assert_eq!(summary.promised_date, a.case.promised_date);

    assert_eq!(ids(&store.cases_of_applicant("applicant-2").await.unwrap()), [CASE_C]);
    assert!(store.cases_of_applicant("applicant-3").await.unwrap().is_empty());

    assert_eq!(ids(&store.all_cases(10).await.unwrap()), [CASE_A, CASE_C, CASE_B]);
    assert_eq!(ids(&store.all_cases(2).await.unwrap()), [CASE_A, CASE_C]);
    assert!(store.all_cases(0).await.unwrap().is_empty());

    // A page at a time: newest first, the next page after the last case shown.
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .find_cases(&store::CaseQuery {
                before: before.clone(),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        before = Some((last.submitted_at, last.id.to_string()));
        paged.extend(page);
    }
    assert_eq!(ids(&paged), [CASE_A, CASE_C, CASE_B]);
    // Exact filters: an applicant, a case number, a state, a one-thing.
    let find = |query: store::CaseQuery| {
        let store = &store;
        async move {
            ids(&store
                .find_cases(&store::CaseQuery { limit: 50, ..query })
                .await
                .unwrap())
        }
    };
    assert_eq!(
        find(store::CaseQuery {
            applicant: Some("applicant-1".into()),
            ..Default::default()
        })
        .await,
        [CASE_A, CASE_B]
    );
    assert_eq!(
        find(store::CaseQuery {
            case_id: Some(CASE_C.into()),
            ..Default::default()
        })
        .await,
        [CASE_C]
    );
    assert_eq!(
        find(store::CaseQuery {
            state: Some("in_progress".into()),
            ..Default::default()
        })
        .await
        .len(),
        3
    );
    assert!(
        find(store::CaseQuery {
            state: Some("completed".into()),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    assert!(
        find(store::CaseQuery {
            one_thing: Some("no-such".into()),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    let mine_after_a = store::CaseQuery {
        applicant: Some("applicant-1".into()),
        before: Some((a.case.submitted_at, CASE_A.into())),
        ..Default::default()
    };
    assert_eq!(find(mine_after_a).await, [CASE_B]);
    // Any of several one-things (a lead department's), open ones only.
    let led = |one_things: &[&str]| store::CaseQuery {
        one_things: one_things.iter().map(|id| (*id).to_owned()).collect(),
        open: true,
        ..Default::default()
    };
    assert_eq!(find(led(&["no-such", "newborn"])).await, [CASE_A, CASE_C, CASE_B]);
    assert!(find(led(&["no-such", "other"])).await.is_empty());
    let finished = reject(&b.case, "GG00101001", "WJ", at(12, 3, 0));
    assert_eq!(
        store.update_case(&finished.case, 1, &finished.events).await.unwrap(),
        Updated::Written(2)
    );
    assert_ne!(finished.case.state(), cases::CaseState::InProgress);
    assert_eq!(find(led(&["newborn"])).await, [CASE_A, CASE_C]);
}

// ------------------------------------------------------------------ accounts and sessions

fn staff() -> Account {
    Account {
        id: "acc-staff-1".into(),
        username: "wj.zhang".into(),
        display_name: "张三".into(),
        role: Role::Staff,
        department: Some("WJ".into()),
        id_number: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
    }
}

fn applicant() -> Account {
    Account {
        id: "acc-applicant-1".into(),
        username: "li.si".into(),
        display_name: "李四".into(),
        role: Role::Applicant,
        department: None,
        id_number: Some("11010519491231002X".into()),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$b3RoZXI".into(),
    }
}

async fn accounts_upsert_by_id(fixture: &Fixture) {
    let store = fixture.store();
    store.put_account(&staff()).await.unwrap();
    store.put_account(&applicant()).await.unwrap();

    assert_eq!(store.account_by_username("wj.zhang").await.unwrap(), Some(staff()));
    assert_eq!(store.account_by_id("acc-applicant-1").await.unwrap(), Some(applicant()));
    assert_eq!(store.account_by_username("nobody").await.unwrap(), None);
    assert_eq!(store.account_by_id("nobody").await.unwrap(), None);
    assert_eq!(store.list_accounts().await.unwrap(), [applicant(), staff()]);
    let id_number = applicant().id_number.unwrap();
    assert_eq!(store.account_by_id_number(&id_number).await.unwrap(), Some(applicant()));
    assert_eq!(store.account_by_id_number("110105202602100016").await.unwrap(), None);
    let auditor = Account {
        id: "acc-auditor".into(),
        username: "audit".into(),
        role: Role::Auditor,
        ..staff()
    };
    store.put_account(&auditor).await.unwrap();
    assert_eq!(store.account_by_id("acc-auditor").await.unwrap(), Some(auditor.clone()));
    fixture.execute("DELETE FROM accounts WHERE id = 'acc-auditor'").await;

    let changed = Account {
        username: "wj.zhang2".into(),
        display_name: "张三丰".into(),
        role: Role::Admin,
        department: None,
        ..staff()
    };
    store.put_account(&changed).await.unwrap();
    assert_eq!(store.account_by_id("acc-staff-1").await.unwrap(), Some(changed.clone()));
    assert_eq!(store.account_by_username("wj.zhang").await.unwrap(), None);
    assert_eq!(store.list_accounts().await.unwrap(), [applicant(), changed]);
}

async fn service_clients_rotate_and_revoke(fixture: &Fixture) {
    let store = fixture.store();
    let now = at(12, 1, 0);
    let secret = |id: &str, created: chrono::DateTime<Utc>| store::ServiceSecret {
        id: id.to_owned(),
        hash: format!("hash-{id}"),
        created_at: created,
        expires_at: None,
        revoked_at: None,
    };
    let client = store::ServiceClient {
        client_id: "ga-1".to_owned(),
        name: "户籍业务系统".to_owned(),
        department: "GA".to_owned(),
        scopes: vec![store::Scope::TasksRead, store::Scope::FieldsRead],
        created_at: now,
        created_by: "admin".to_owned(),
        revoked_at: None,
        secrets: vec![secret("s1", now)],
    };
    // Every write carries the entry that records it, in its own transaction: one
    // ledger entry per write that changed something, none for one that did not.
    let record = |action: &str| subject_access(now, action, "admin");
    let ledger_size = || async { store.ledger_head().await.unwrap().0 };
    let size = ledger_size().await;
    store
        .put_service_client(&client, Some(&record("service_client_created")))
        .await
        .unwrap();
    assert_eq!(ledger_size().await, size + 1);
    assert_eq!(store.service_client("ga-1").await.unwrap(), Some(client.clone()));
    assert_eq!(store.service_clients().await.unwrap(), vec![client.clone()]);

    // A rotation ends the old secret at the grace period's end and adds the new one.
    let later = now + Duration::minutes(5);
    let grace_end = later + Duration::hours(24);
    assert!(
        store
            .rotate_service_secret(
                "ga-1",
                &secret("s2", later),
                grace_end,
                Some(&record("service_secret_rotated"))
            )
            .await
            .unwrap()
    );
    assert_eq!(ledger_size().await, size + 2);
    let rotated = store.service_client("ga-1").await.unwrap().unwrap();
    assert_eq!(rotated.secrets.len(), 2);
    assert_eq!(rotated.secrets[0].expires_at, Some(grace_end));
    assert_eq!(rotated.secrets[1].expires_at, None);
    assert!(
        !store
            .rotate_service_secret(
                "nobody",
                &secret("s3", later),
                grace_end,
                Some(&record("service_secret_rotated"))
            )
            .await
            .unwrap()
    );
    assert_eq!(ledger_size().await, size + 2, "a refused rotation leaves no entry");

    // Tokens are kept by hash with the secret they came from.
    let token = store::ServiceToken {
        client_id: "ga-1".to_owned(),
        secret_id: "s2".to_owned(),
        scopes: vec![store::Scope::TasksRead],
        expires_at: later + Duration::minutes(10),
    };
    store
        .create_service_token("token-hash", &token, now, Some(&record("token_issued")))
        .await
        .unwrap();
    assert_eq!(ledger_size().await, size + 3);
    assert_eq!(store.service_token("token-hash").await.unwrap(), Some(token));
    assert_eq!(store.service_token("other").await.unwrap(), None);

    // Revocations happen once, each with its entry.
    let revoked_secret = record("service_secret_revoked");
    assert!(
        store
            .revoke_service_secret("ga-1", "s1", later, Some(&revoked_secret))
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_service_secret("ga-1", "s1", later, Some(&revoked_secret))
            .await
            .unwrap()
    );
    let revoked_client = record("service_client_revoked");
    assert!(
        store
            .revoke_service_client("ga-1", later, Some(&revoked_client))
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_service_client("ga-1", later, Some(&revoked_client))
            .await
            .unwrap()
    );
    assert_eq!(ledger_size().await, size + 5);
    let revoked = store.service_client("ga-1").await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(later));
    assert_eq!(revoked.secrets[0].revoked_at, Some(later));
    // A revoked client gets no new secret.
    assert!(
        !store
            .rotate_service_secret("ga-1", &secret("s4", later), grace_end, None)
            .await
            .unwrap()
    );
    assert_eq!(ledger_size().await, size + 5);
}

async fn oidc_logins_in_flight_are_taken_once(fixture: &Fixture) {
    let store = fixture.store();
    let request = store::OidcRequest {
        nonce: "nonce-1".to_owned(),
        verifier: "verifier-1".to_owned(),
        expires_at: at(12, 1, 0),
    };
    store.put_oidc_request("state-hash", &request).await.unwrap();
    assert_eq!(store.take_oidc_request("state-hash").await.unwrap(), Some(request));
    assert_eq!(store.take_oidc_request("state-hash").await.unwrap(), None);
    assert_eq!(store.take_oidc_request("never-issued").await.unwrap(), None);

    store.put_account(&staff()).await.unwrap();
    assert_eq!(store.identity_link("11010519491231002X").await.unwrap(), None);
    store
        .put_identity_link("11010519491231002X", "acc-staff-1", at(12, 1, 0), "admin")
        .await
        .unwrap();
    assert_eq!(
        store.identity_link("11010519491231002X").await.unwrap().as_deref(),
        Some("acc-staff-1")
    );
}

async fn sessions_expire(fixture: &Fixture) {
    let store = fixture.store();
    store.put_account(&staff()).await.unwrap();
    let now = at(12, 1, 0);
    let expires = now + Duration::hours(8);
    store
        .create_session("token-hash-1", "acc-staff-1", expires)
        .await
        .unwrap();

    assert_eq!(store.session_account("token-hash-1", now).await.unwrap(), Some(staff()));
    assert_eq!(
        store
            .session_account("token-hash-1", expires - Duration::milliseconds(1))
            .await
            .unwrap(),
        Some(staff())
    );
    assert_eq!(store.session_account("token-hash-1", expires).await.unwrap(), None);
    assert_eq!(
        store
            .session_account("token-hash-1", expires + Duration::days(1))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.session_account("unknown", now).await.unwrap(), None);

    store.delete_session("token-hash-1").await.unwrap();
    assert_eq!(store.session_account("token-hash-1", now).await.unwrap(), None);
    store.delete_session("token-hash-1").await.unwrap();
}

// ------------------------------------------------------------------ access log

fn access(at: DateTime<Utc>, action: &str, case: Option<&str>) -> AccessEntry {
    AccessEntry {
        at,
        actor: "acc-staff-1".into(),
        role: Role::Staff,
        department: Some("WJ".into()),
        action: action.into(),
        case_id: case.map(str::to_owned),
        elements: "child_name,mother_id_number".into(),
        purpose: "办理出生医学证明".into(),
    }
}

async fn access_log_round_trip(fixture: &Fixture) {
    let store = fixture.store();
    let later = access(at(12, 2, 0), "read_task", Some(CASE_A));
    let earlier = access(at(12, 1, 0), "read_case", Some(CASE_A));
    let other = AccessEntry {
        role: Role::Applicant,
        department: None,
        actor: "acc-applicant-1".into(),
        ..access(at(12, 1, 30), "read_case", Some(CASE_B))
    };
    let login = access(at(12, 0, 30), "login", None);
    let same_time_1 = access(at(12, 4, 0), "read_case", Some(CASE_C));
    let same_time_2 = access(at(12, 4, 0), "read_task", Some(CASE_C));
    for entry in [&later, &earlier, &other, &login, &same_time_1, &same_time_2] {
        store.record_access(entry).await.unwrap();
    }

    assert_eq!(
        json(&store.access_log(CASE_A).await.unwrap()),
        json(&[&earlier, &later])
    );
    assert_eq!(json(&store.access_log(CASE_B).await.unwrap()), json(&[&other]));
    assert_eq!(
        json(&store.access_log(CASE_C).await.unwrap()),
        json(&[&same_time_1, &same_time_2])
    );
    assert!(store.access_log("YJS20260212999999").await.unwrap().is_empty());
    assert_eq!(fixture.count("access_log").await, 6);
}

// ------------------------------------------------------------------ failures and durability

async fn corrupt_document_is_an_error_not_a_panic(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();

    fixture
        .execute(&format!("UPDATE cases SET doc = 'not json' WHERE id = '{CASE_A}'"))
        .await;
    match store.load_case(&case_id(CASE_A)).await {
        Err(StoreError::Corrupt(message)) => assert!(message.contains(CASE_A), "{message}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }

    // A readable document of another case is corrupt too.
    let other = new_case(CASE_B, "applicant-1", at(12, 1, 30));
    let doc = serde_json::to_string(&other.case).unwrap().replace('\'', "''");
    fixture
        .execute(&format!("UPDATE cases SET doc = '{doc}' WHERE id = '{CASE_A}'"))
        .await;
    assert!(matches!(
        store.load_case(&case_id(CASE_A)).await,
        Err(StoreError::Corrupt(_))
    ));

    // The columns are still readable.
    assert_eq!(store.cases_of_applicant("applicant-1").await.unwrap().len(), 1);
    assert_eq!(
        store.case_events(&case_id(CASE_A)).await.unwrap().len(),
        created.events.len()
    );
}

async fn data_survives_reopening(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    let key = IdempotencyKey {
        account: "applicant-1".into(),
        key: "key-1".into(),
        request_hash: "hash-1".into(),
    };
    store
        .insert_case(&created.case, &created.events, Some(&key))
        .await
        .unwrap();
    let accepted = accept(&created.case, at(12, 2, 0));
    store.update_case(&accepted.case, 1, &accepted.events).await.unwrap();
    store.put_account(&staff()).await.unwrap();
    store
        .create_session("token-hash-1", "acc-staff-1", at(13, 0, 0))
        .await
        .unwrap();
    let entry = access(at(12, 2, 0), "read_case", Some(CASE_A));
    store.record_access(&entry).await.unwrap();
    let events = store.case_events(&case_id(CASE_A)).await.unwrap();
    drop(store);

    let store = fixture.reopen().await;
    let loaded = store.load_case(&case_id(CASE_A)).await.unwrap().unwrap();
    assert_eq!(loaded.version, 2);
    assert_eq!(loaded.case, accepted.case);
    assert_eq!(json(&store.case_events(&case_id(CASE_A)).await.unwrap()), json(&events));
    assert_eq!(store.account_by_id("acc-staff-1").await.unwrap(), Some(staff()));
    assert_eq!(
        store.session_account("token-hash-1", at(12, 3, 0)).await.unwrap(),
        Some(staff())
    );
    assert_eq!(json(&store.access_log(CASE_A).await.unwrap()), json(&[&entry]));
    assert_eq!(
        store
            .insert_case(&created.case, &created.events, Some(&key))
            .await
            .unwrap(),
        Inserted::Existing(case_id(CASE_A))
    );
    assert_eq!(
        json(&store.department_queue("WJ").await.unwrap()),
        json(&expected_queue(&[&accepted.case], "WJ"))
    );
    assert_eq!(store.department_queue("WJ").await.unwrap()[0].state, "accepted");
}

// ------------------------------------------------------------------ backend specifics

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_is_durable_wal() {
    run(Backend::Sqlite, true, |fixture| async move {
        let Handle::Sqlite(store) = fixture.handle() else {
            unreachable!()
        };
        let mut connection = store.pool().acquire().await.unwrap();
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *connection)
            .await
            .unwrap();
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *connection)
            .await
            .unwrap();
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *connection)
            .await
            .unwrap();
        let busy_timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut *connection)
            .await
            .unwrap();
        assert_eq!(journal, "wal");
        assert_eq!(synchronous, 2, "FULL");
        assert_eq!(foreign_keys, 1);
        assert_eq!(busy_timeout, 5000);
    })
    .await;
}

/// PostgreSQL: a write does not queue behind what other nodes' writes hold. A
/// transaction holding the ledger head (as a sequencer does) and the dashboard basis
/// (shared, as every case write does) does not stop a case from being stored; a
/// read of the ledger waits for the head, then finds the case's entries there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_writes_do_not_queue_on_a_shared_row() {
    run(Backend::Postgres, true, |fixture| async move {
        let Handle::Postgres(postgres) = fixture.handle() else {
            unreachable!("a PostgreSQL fixture");
        };
        let store = fixture.store();
        let mut holder = postgres.pool().begin().await.unwrap();
        for hold in [
            "SELECT size FROM ledger_head WHERE id = 1 FOR UPDATE",
            "SELECT basis FROM dashboard_basis WHERE id = 1 FOR SHARE",
        ] {
            sqlx::query(hold).execute(&mut *holder).await.unwrap();
        }

        let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
        let stored = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            store.insert_case(&created.case, &created.events, None),
        )
        .await;
        assert!(
            matches!(stored, Ok(Ok(Inserted::Created))),
            "the write waited for another transaction's rows: {stored:?}"
        );

        let reader = tokio::spawn({
            let store = store.clone();
            async move { store.ledger_head().await.unwrap() }
        });
        holder.rollback().await.unwrap();
        let (size, _) = reader.await.unwrap();
        assert_eq!(size, created.events.len() as u64);
        assert_eq!(fixture.count("ledger_pending").await, 0);
        consistent_ledger(&*store).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_in_memory_store_works() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    let loaded = store.load_case(&case_id(CASE_A)).await.unwrap().unwrap();
    assert_eq!(loaded.case, created.case);
    assert_eq!(
        events_of(&store.case_events(&case_id(CASE_A)).await.unwrap()),
        created.events
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_refuses_bad_schema_names() {
    for schema in ["", "Public", "a-b", "x\"; DROP TABLE cases; --", "1abc"] {
        let result = PostgresStore::connect_with_schema(&database_url(), schema).await;
        // Refused for its name, not because the server is down.
        let error = result.err().unwrap_or_else(|| panic!("{schema:?} was accepted"));
        assert!(
            error.to_string().contains("invalid PostgreSQL schema name"),
            "{schema:?}: {error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backend_name_and_default_schema_connection() {
    let url = database_url();
    let store = PostgresStore::connect(&url)
        .await
        .unwrap_or_else(|error| panic!("cannot reach PostgreSQL at {url}: {error}"));
    assert_eq!(store.backend(), "postgres");
    store.close().await;
}

fn upload(id: &str, case: &str, material: &str, data: &[u8]) -> (store::Upload, Vec<u8>) {
    (
        store::Upload {
            id: id.into(),
            case_id: case.into(),
            material: material.into(),
            file_name: "照片.png".into(),
            content_type: "image/png".into(),
            size: data.len() as i64,
            sha256: "00".repeat(32),
            uploaded_at: at(12, 1, 30),
            uploaded_by: "applicant-1".into(),
        },
        data.to_vec(),
    )
}

async fn uploads_are_stored_with_their_case_or_not_at_all(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    let files = [
        upload("U1", CASE_A, "child_photo", b"\x89PNG first"),
        upload("U2", CASE_A, "maternity_invoices", &[0, 1, 2, 255]),
    ];
    let key = IdempotencyKey {
        account: "applicant-1".into(),
        key: "k".into(),
        request_hash: "h".into(),
    };
    let inserted = store
        .insert_case_with_uploads(&created.case, &created.events, Some(&key), &files, &[])
        .await
        .unwrap();
    assert_eq!(inserted, Inserted::Created);
    let listed = store.uploads_of_case(CASE_A).await.unwrap();
    assert_eq!(listed, vec![files[0].0.clone(), files[1].0.clone()]);
    let (meta, bytes) = store.upload_data(CASE_A, "U2").await.unwrap().unwrap();
    assert_eq!((meta, bytes), files[1].clone());
    assert!(
        store.upload_data(CASE_B, "U2").await.unwrap().is_none(),
        "a file belongs to its case only"
    );

    // A refused insert (the key was used with another request) stores no file.
    let other = new_case(CASE_B, "applicant-1", at(12, 1, 31));
    let reused = IdempotencyKey {
        request_hash: "other".into(),
        ..key
    };
    let refused = store
        .insert_case_with_uploads(
            &other.case,
            &other.events,
            Some(&reused),
            &[upload("U3", CASE_B, "child_photo", b"x")],
            &[notice("applicant-1", "task_dispatched")],
        )
        .await
        .unwrap();
    assert_eq!(refused, Inserted::KeyReused);
    assert_eq!(fixture.count("uploads").await, 2);
    assert_eq!(fixture.count("notifications").await, 0, "nor any message");
    assert!(store.uploads_of_case(CASE_B).await.unwrap().is_empty());
}

async fn a_case_is_rated_once(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    assert!(store.rating_of_case(CASE_A).await.unwrap().is_none());
    assert_eq!(
        store.case_documents(10).await.unwrap(),
        std::slice::from_ref(&created.case),
        "dashboards read whole cases"
    );
    let rating = store::Rating {
        case_id: CASE_A.into(),
        account: "applicant-1".into(),
        level: 4,
        comment: "一次办好".into(),
        on_behalf: false,
        rated_at: at(13, 9, 0),
    };
    let only = |rating: &store::Rating| store::RatingSubmission {
        rating: rating.clone(),
        indicators: Vec::new(),
        departments: Vec::new(),
        rectifications: Vec::new(),
        notices: Vec::new(),
    };
    assert!(store.put_rating_submission(&only(&rating)).await.unwrap());
    let again = store::Rating {
        level: 1,
        ..rating.clone()
    };
    assert!(
        !store.put_rating_submission(&only(&again)).await.unwrap(),
        "一次一评: the second rating is refused"
    );
    assert_eq!(store.rating_of_case(CASE_A).await.unwrap(), Some(rating));
}

// ------------------------------------------------------------------ the ledger

/// Every stored ledger row, read in pages: indexes are `0..n` without gaps and each
/// stored leaf hash is the hash of its entry.
async fn all_ledger_rows(store: &dyn Store) -> Vec<LedgerRow> {
    let mut rows: Vec<LedgerRow> = Vec::new();
    loop {
        let page = store.ledger_rows(rows.len() as u64, 7).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 7);
        rows.extend(page);
    }
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.index, i as u64, "no gaps");
        assert_eq!(row.leaf_hash, ledger::leaf_hash(&row.entry));
    }
    rows
}

fn leaves(rows: &[LedgerRow]) -> Vec<Hash> {
    rows.iter().map(|row| row.leaf_hash).collect()
}

/// The rows, after checking that the head is the root over every stored leaf.
async fn consistent_ledger(store: &dyn Store) -> Vec<LedgerRow> {
    let rows = all_ledger_rows(store).await;
    assert_eq!(
        store.ledger_head().await.unwrap(),
        (rows.len() as u64, ledger::root(&leaves(&rows)))
    );
    rows
}

fn decode(row: &LedgerRow) -> LedgerEntry {
    LedgerEntry::from_canonical_bytes(&row.entry).unwrap()
}

async fn every_event_and_access_leaves_one_ledger_row(fixture: &Fixture) {
    let store = fixture.store();
    assert_eq!(store.ledger_head().await.unwrap(), (0, ledger::EMPTY_ROOT));
    assert!(store.ledger_rows(0, 10).await.unwrap().is_empty());

    // A new case: one row per event, about the applicant.
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    let key = IdempotencyKey {
        account: "applicant-1".into(),
        key: "key-1".into(),
        request_hash: "hash-1".into(),
    };
    store
        .insert_case(&created.case, &created.events, Some(&key))
        .await
        .unwrap();
    let rows = consistent_ledger(&*store).await;
    assert_eq!(rows.len(), created.events.len());
    for (row, event) in rows.iter().zip(&created.events) {
        let entry = decode(row);
        assert_eq!(entry.kind, "case.transition");
        assert_eq!(entry.at_ms, event.at.timestamp_millis());
        assert_eq!(entry.actor, event.actor);
        assert_eq!(entry.department, event.department);
        assert_eq!(entry.case_id.as_deref(), Some(CASE_A));
        assert_eq!(entry.subject.as_deref(), Some("applicant-1"));
        assert_eq!(entry.purpose.as_deref(), Some(event.transition.as_str()));
        assert!(entry.elements.is_empty());
        assert_eq!(entry.legal_basis, None);
        assert!(entry.detail.starts_with(event.transition.as_str()), "{}", entry.detail);
        // The note, then (on the last entry of a write) the state the write committed.
        let without_state = match entry.detail.find(" [state ") {
            Some(at) => &entry.detail[..at],
            None => entry.detail.as_str(),
        };
        assert!(without_state.ends_with(&event.note), "{}", entry.detail);
    }
    assert_eq!(decode(&rows[0]).purpose.as_deref(), Some("submit"));

    // Nothing is written for a retry, a reused key, or an insert that fails.
    let retry = new_case(CASE_B, "applicant-1", at(12, 1, 31));
    assert_eq!(
        store.insert_case(&retry.case, &retry.events, Some(&key)).await.unwrap(),
        Inserted::Existing(case_id(CASE_A))
    );
    let reused = IdempotencyKey {
        request_hash: "hash-2".into(),
        ..key.clone()
    };
    assert_eq!(
        store
            .insert_case(&retry.case, &retry.events, Some(&reused))
            .await
            .unwrap(),
        Inserted::KeyReused
    );
    assert!(
        refused_by_constraint(store.insert_case(&created.case, &created.events, None).await),
        "the same case id twice"
    );
    assert_eq!(fixture.ledger_entries().await, created.events.len() as i64);
    let head = store.ledger_head().await.unwrap();
    assert_eq!(head.0, created.events.len() as u64);

    // An update: one row per event; a conflict: none.
    let accepted = accept(&created.case, at(12, 2, 0));
    assert_eq!(
        store.update_case(&accepted.case, 1, &accepted.events).await.unwrap(),
        Updated::Written(2)
    );
    let after_update = (created.events.len() + accepted.events.len()) as i64;
    assert_eq!(fixture.ledger_entries().await, after_update);
    let stale = reject(&created.case, "GG00101001", "WJ", at(12, 3, 0));
    assert_eq!(
        store.update_case(&stale.case, 1, &stale.events).await.unwrap(),
        Updated::Conflict
    );
    assert_eq!(fixture.ledger_entries().await, after_update);
    let rows = consistent_ledger(&*store).await;
    let entry = decode(&rows[created.events.len()]);
    assert_eq!(entry.purpose.as_deref(), Some("accept"));
    assert_eq!(entry.department.as_deref(), Some("WJ"));
    assert!(
        entry.detail.starts_with("accept GG00101001 dispatched→accepted"),
        "{}",
        entry.detail
    );

    // Accesses: one row each; the subject is the applicant of the case read.
    let read = access(at(12, 2, 30), "read_case", Some(CASE_A));
    store.record_access(&read).await.unwrap();
    let login = access(at(12, 2, 31), "login", None);
    store.record_access(&login).await.unwrap();
    let unknown = access(at(12, 2, 32), "read_case", Some("YJS20260212999999"));
    store.record_access(&unknown).await.unwrap();
    let own = AccessEntry {
        actor: "applicant-1".into(),
        role: Role::Applicant,
        department: None,
        elements: String::new(),
        purpose: "查看本人办件".into(),
        ..access(at(12, 2, 33), "read_case", Some(CASE_A))
    };
    store.record_access(&own).await.unwrap();
    assert_eq!(fixture.ledger_entries().await, after_update + 4);
    assert_eq!(fixture.count("access_log").await, 4);

    let rows = consistent_ledger(&*store).await;
    let tail: Vec<LedgerEntry> = rows[after_update as usize..].iter().map(decode).collect();
    assert_eq!(tail[0].kind, "data.access");
    assert_eq!(tail[0].at_ms, read.at.timestamp_millis());
    assert_eq!(tail[0].actor, "acc-staff-1");
    assert_eq!(tail[0].department.as_deref(), Some("WJ"));
    assert_eq!(tail[0].case_id.as_deref(), Some(CASE_A));
    assert_eq!(tail[0].subject.as_deref(), Some("applicant-1"));
    assert_eq!(tail[0].elements, ["child_name", "mother_id_number"]);
    assert_eq!(tail[0].purpose.as_deref(), Some("办理出生医学证明"));
    assert_eq!(tail[0].legal_basis.as_deref(), Some("依申请人提交的办件办理本部门事项"));
    assert_eq!(tail[0].detail, "read_case");
    assert_eq!(tail[1].kind, "staff.login");
    assert_eq!(tail[1].subject, None);
    assert_eq!(tail[1].case_id, None);
    assert_eq!(tail[2].kind, "data.access");
    assert_eq!(tail[2].subject, None, "no such case");
    assert_eq!(tail[3].legal_basis.as_deref(), Some("本人查询"));
    assert!(tail[3].elements.is_empty());

    // Rows about the applicant, newest first.
    let about = store.ledger_rows_about("applicant-1", 100).await.unwrap();
    let expected: Vec<u64> = rows
        .iter()
        .rev()
        .filter(|row| decode(row).subject.as_deref() == Some("applicant-1"))
        .map(|row| row.index)
        .collect();
    assert_eq!(about.iter().map(|row| row.index).collect::<Vec<_>>(), expected);
    assert_eq!(expected.len(), after_update as usize + 2);
    assert_eq!(store.ledger_rows_about("applicant-1", 2).await.unwrap(), about[..2]);
    assert!(store.ledger_rows_about("nobody", 10).await.unwrap().is_empty());

    // Single rows and pages.
    let n = rows.len() as u64;
    assert_eq!(store.ledger_row(3).await.unwrap().as_ref(), Some(&rows[3]));
    assert_eq!(store.ledger_row(n).await.unwrap(), None);
    assert_eq!(store.ledger_row(u64::MAX).await.unwrap(), None);
    assert_eq!(store.ledger_rows(2, 3).await.unwrap(), rows[2..5]);
    assert!(store.ledger_rows(n, 3).await.unwrap().is_empty());
    assert!(store.ledger_rows(u64::MAX, 3).await.unwrap().is_empty());
}

async fn ledger_roots_and_proofs_verify(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    for minute in 0..40 {
        let entry = access(at(12, 3, minute), "read_case", Some(CASE_A));
        store.record_access(&entry).await.unwrap();
    }
    let rows = consistent_ledger(&*store).await;
    let leaves = leaves(&rows);
    let n = leaves.len() as u64;
    assert!(n > 40, "{n}");

    for size in 0..=n {
        let root = store.ledger_root_at(size).await.unwrap();
        assert_eq!(root, ledger::root(&leaves[..size as usize]), "root at {size}");
    }

    let sizes = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, n - 1, n];
    for &size in &sizes {
        let root = ledger::root(&leaves[..size as usize]);
        for index in 0..size {
            let proof = store.ledger_inclusion_proof(index, size).await.unwrap();
            ledger::verify_inclusion(&leaves[index as usize], index, size, &proof, &root)
                .unwrap_or_else(|error| panic!("inclusion of {index} in {size}: {error}"));
            assert_eq!(proof, ledger::inclusion_proof(&leaves[..size as usize], index).unwrap());
        }
    }
    for &new in &sizes {
        let new_root = ledger::root(&leaves[..new as usize]);
        for old in 0..=new {
            let proof = store.ledger_consistency_proof(old, new).await.unwrap();
            let old_root = ledger::root(&leaves[..old as usize]);
            ledger::verify_consistency(old, new, &old_root, &new_root, &proof)
                .unwrap_or_else(|error| panic!("consistency {old} → {new}: {error}"));
        }
    }

    // Requests beyond the ledger are clean errors.
    for result in [
        store.ledger_inclusion_proof(n, n).await,
        store.ledger_inclusion_proof(0, n + 1).await,
        store.ledger_inclusion_proof(0, 0).await,
        store.ledger_consistency_proof(5, 3).await,
        store.ledger_consistency_proof(0, n + 1).await,
        store.ledger_consistency_proof(0, u64::MAX).await,
    ] {
        assert!(matches!(result, Err(StoreError::Ledger(_))), "{result:?}");
    }
    for size in [n + 1, u64::MAX] {
        let result = store.ledger_root_at(size).await;
        assert!(matches!(result, Err(StoreError::Ledger(_))), "{result:?}");
    }

    // The node table is exactly what the reference log completes.
    let mut reference = ledger::MemoryLog::new();
    for leaf in &leaves {
        reference.append(*leaf);
    }
    let nodes = store.ledger_nodes().await.unwrap();
    assert_eq!(nodes.len(), reference.nodes().len());
    for (id, hash) in nodes {
        assert_eq!(
            ledger::NodeStore::node(reference.nodes(), id.level, id.index),
            Some(hash)
        );
    }
}

async fn racing_writers_keep_the_ledger_gapless(fixture: &Fixture) {
    let nodes = [fixture.store(), fixture.another_node().await];
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    nodes[0]
        .insert_case(&created.case, &created.events, None)
        .await
        .unwrap();
    let accepted = accept(&created.case, at(12, 2, 0));

    let racers = 16;
    let reads_each = 5;
    let barrier = Arc::new(tokio::sync::Barrier::new(racers));
    let tasks: Vec<_> = (0..racers)
        .map(|i| {
            let node = nodes[i % 2].clone();
            let barrier = barrier.clone();
            let accepted = accepted.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let mut updated = None;
                for j in 0..reads_each {
                    let entry = access(at(12, 3, (i * reads_each + j) as u32 % 60), "read_case", Some(CASE_A));
                    node.record_access(&entry).await.unwrap();
                    if j == 2 {
                        updated = Some(node.update_case(&accepted.case, 1, &accepted.events).await.unwrap());
                    }
                }
                updated
            })
        })
        .collect();
    let mut written = 0;
    for task in tasks {
        if task.await.unwrap() == Some(Updated::Written(2)) {
            written += 1;
        }
    }
    assert_eq!(written, 1);

    let rows = consistent_ledger(&*nodes[1]).await;
    assert_eq!(
        rows.len(),
        created.events.len() + accepted.events.len() + racers * reads_each
    );
    let accesses = rows.iter().filter(|row| decode(row).kind == "data.access").count();
    assert_eq!(accesses, racers * reads_each);
    let accepts = rows
        .iter()
        .filter(|row| decode(row).purpose.as_deref() == Some("accept"))
        .count();
    assert_eq!(accepts, 1);
    assert_eq!(
        nodes[0].ledger_head().await.unwrap(),
        nodes[1].ledger_head().await.unwrap()
    );
    // And the node table agrees with the rows.
    let n = rows.len() as u64;
    let proof = nodes[0].ledger_consistency_proof(3, n).await.unwrap();
    let leaves = leaves(&rows);
    ledger::verify_consistency(3, n, &ledger::root(&leaves[..3]), &ledger::root(&leaves), &proof).unwrap();
}

async fn ledger_continues_after_reopening(fixture: &Fixture) {
    let store = fixture.store();
    for minute in 0..5 {
        store
            .record_access(&access(at(12, 1, minute), "read_case", None))
            .await
            .unwrap();
    }
    let before = store.ledger_head().await.unwrap();
    drop(store);

    let store = fixture.reopen().await;
    assert_eq!(store.ledger_head().await.unwrap(), before);
    for minute in 5..12 {
        store
            .record_access(&access(at(12, 1, minute), "read_case", None))
            .await
            .unwrap();
    }
    let rows = consistent_ledger(&*store).await;
    assert_eq!(rows.len(), 12);
    assert_eq!(store.ledger_root_at(5).await.unwrap(), before.1);
}

async fn checkpoints_round_trip(fixture: &Fixture) {
    let store = fixture.store();
    assert_eq!(store.latest_checkpoint().await.unwrap(), None);
    assert_eq!(store.checkpoint_at(0).await.unwrap(), None);
    assert!(store.checkpoints().await.unwrap().is_empty());

    let signer = ledger::SignerKey::from_seed("onething.test/ledger", &[7; 32]).unwrap();
    let mut signed = Vec::new();
    for (i, count) in [3u32, 2].into_iter().enumerate() {
        for minute in 0..count {
            store
                .record_access(&access(at(12, i as u32, minute), "read_case", None))
                .await
                .unwrap();
        }
        let (size, root) = store.ledger_head().await.unwrap();
        let note = ledger::sign_checkpoint(&signer, signer.name(), size, &root).unwrap();
        let checkpoint = StoredCheckpoint {
            size,
            root,
            note,
            signed_at: at(13, i as u32, 0),
        };
        store.put_checkpoint(&checkpoint).await.unwrap();
        signed.push(checkpoint);
    }

    assert_eq!(store.latest_checkpoint().await.unwrap().as_ref(), Some(&signed[1]));
    assert_eq!(store.checkpoint_at(3).await.unwrap().as_ref(), Some(&signed[0]));
    assert_eq!(store.checkpoint_at(4).await.unwrap(), None);
    assert_eq!(store.checkpoint_at(u64::MAX).await.unwrap(), None);
    assert_eq!(store.checkpoints().await.unwrap(), signed);

    // A checkpoint of a size already stored keeps the first one.
    let again = StoredCheckpoint {
        note: "another note\n".into(),
        signed_at: at(14, 0, 0),
        ..signed[0].clone()
    };
    store.put_checkpoint(&again).await.unwrap();
    assert_eq!(store.checkpoints().await.unwrap(), signed);

    let latest = store.latest_checkpoint().await.unwrap().unwrap();
    let opened = ledger::verify_checkpoint(&latest.note, &signer.verifier()).unwrap();
    assert_eq!((opened.size, opened.root), (5, store.ledger_root_at(5).await.unwrap()));
}

async fn ledger_tables_are_append_only(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    store
        .record_access(&access(at(12, 2, 0), "read_case", Some(CASE_A)))
        .await
        .unwrap();
    let (size, root) = store.ledger_head().await.unwrap();
    store
        .put_checkpoint(&StoredCheckpoint {
            size,
            root,
            note: "note\n".into(),
            signed_at: at(12, 3, 0),
        })
        .await
        .unwrap();
    let counts = [
        fixture.ledger_entries().await,
        fixture.count("ledger_nodes").await,
        fixture.count("ledger_checkpoints").await,
        fixture.count("ledger_head").await,
    ];

    for statement in [
        "UPDATE ledger_entries SET kind = 'data.access' WHERE idx = 0",
        "UPDATE ledger_entries SET entry = entry WHERE idx = 1",
        "DELETE FROM ledger_entries WHERE idx = 1",
        "UPDATE ledger_nodes SET hash = hash",
        "DELETE FROM ledger_nodes",
        "UPDATE ledger_checkpoints SET note = 'forged'",
        "DELETE FROM ledger_checkpoints",
        "DELETE FROM ledger_head",
    ] {
        let refused = fixture.try_execute(statement).await;
        let Err(message) = refused else {
            panic!("{statement} was not refused");
        };
        assert!(message.contains("ledger_"), "{statement}: {message}");
    }
    let after = [
        fixture.ledger_entries().await,
        fixture.count("ledger_nodes").await,
        fixture.count("ledger_checkpoints").await,
        fixture.count("ledger_head").await,
    ];
    assert_eq!(after, counts);
    assert_eq!(store.ledger_head().await.unwrap(), (size, root));
    consistent_ledger(&*store).await;
}

fn notice(recipient: &str, kind: &str) -> store::NewNotification {
    store::NewNotification {
        recipient: recipient.into(),
        kind: kind.into(),
        case_id: Some(CASE_A.into()),
        item: Some("GG00101001".into()),
        title: "标题".into(),
        body: "内容".into(),
        created_at: at(13, 9, 0),
    }
}

async fn deadline_alerts_are_raised_exactly_once(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    let deadline = created.case.tasks[0].deadline.unwrap();
    let due = store.running_tasks_due_by(deadline, 100).await.unwrap();
    assert_eq!(due.len(), 1, "only the dispatched task runs");
    assert_eq!(
        (due[0].item.as_str(), due[0].department.as_str(), due[0].deadline),
        ("GG00101001", "WJ", deadline)
    );
    assert_eq!(due[0].promised_limit_days, created.case.tasks[0].promised_limit_days);
    assert!(
        store
            .running_tasks_due_by(deadline.pred_opt().unwrap(), 100)
            .await
            .unwrap()
            .is_empty()
    );

    // Sixteen attempts from two nodes at once: one raises the alert, with its messages.
    let nodes = [store.clone(), fixture.another_node().await];
    let attempts: Vec<_> = (0..16)
        .map(|i| {
            let node = nodes[i % 2].clone();
            tokio::spawn(async move {
                node.claim_alert(
                    CASE_A,
                    "GG00101001",
                    "overdue",
                    deadline,
                    &[notice("dept:WJ", "overdue"), notice("role:admin", "overdue")],
                )
                .await
                .unwrap()
            })
        })
        .collect();
    let mut raised = 0;
    for attempt in attempts {
        raised += usize::from(attempt.await.unwrap());
    }
    assert_eq!(raised, 1);
    assert_eq!(fixture.count("notifications").await, 2);
    // The same kind at a later deadline (after a supplement moved it) is a new alert.
    assert!(
        store
            .claim_alert(
                CASE_A,
                "GG00101001",
                "overdue",
                deadline.succ_opt().unwrap(),
                &[notice("dept:WJ", "overdue")]
            )
            .await
            .unwrap()
    );

    let staff = vec!["staff-wj".to_owned(), "dept:WJ".to_owned()];
    assert_eq!(store.unread_count(&staff).await.unwrap(), 2);
    let inbox = store.notifications_for(&staff, 10).await.unwrap();
    assert_eq!(inbox.len(), 2);
    assert!(inbox[0].id > inbox[1].id, "newest first");
    store.mark_read(&staff, at(14, 9, 0)).await.unwrap();
    assert_eq!(store.unread_count(&staff).await.unwrap(), 0);
    assert_eq!(
        store.unread_count(&["role:admin".to_owned()]).await.unwrap(),
        1,
        "others' messages stay unread"
    );
}

async fn notices_are_written_with_their_change_or_not_at_all(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    let accepted = accept(&created.case, at(12, 2, 0));
    let written = store
        .update_case_with_notices(
            &accepted.case,
            1,
            &accepted.events,
            &[notice("applicant-1", "accepted")],
        )
        .await
        .unwrap();
    assert_eq!(written, Updated::Written(2));
    assert_eq!(fixture.count("notifications").await, 1);
    // A lost race writes neither the change nor its messages.
    let conflict = store
        .update_case_with_notices(
            &accepted.case,
            1,
            &accepted.events,
            &[notice("applicant-1", "accepted")],
        )
        .await
        .unwrap();
    assert_eq!(conflict, Updated::Conflict);
    assert_eq!(fixture.count("notifications").await, 1);
    store.notify(&[notice("applicant-1", "rating_received")]).await.unwrap();
    assert_eq!(store.unread_count(&["applicant-1".to_owned()]).await.unwrap(), 2);
}

async fn draft_files_are_kept_per_applicant_and_one_thing_until_forgotten(fixture: &Fixture) {
    let store = fixture.store();
    let draft = |material: &str, name: &str, data: &[u8]| store::DraftUpload {
        material: material.into(),
        file_name: name.into(),
        content_type: "application/pdf".into(),
        data: data.to_vec(),
        saved_at: at(12, 1, 0),
    };
    store
        .put_draft_uploads(
            "applicant-1",
            "newborn",
            &[draft("photo", "a.pdf", b"%PDF-1"), draft("id_card", "b.pdf", b"%PDF-2")],
        )
        .await
        .unwrap();
    // Choosing a material again replaces its kept file.
    store
        .put_draft_uploads("applicant-1", "newborn", &[draft("photo", "c.pdf", b"%PDF-3")])
        .await
        .unwrap();
    store
        .put_draft_uploads("applicant-2", "newborn", &[draft("photo", "other.pdf", b"%PDF-4")])
        .await
        .unwrap();
    let kept = store.draft_uploads("applicant-1", "newborn").await.unwrap();
    assert_eq!(
        kept,
        [draft("id_card", "b.pdf", b"%PDF-2"), draft("photo", "c.pdf", b"%PDF-3")]
    );
    assert!(store.draft_uploads("applicant-1", "death").await.unwrap().is_empty());
    store.delete_draft_uploads("applicant-1", "newborn").await.unwrap();
    assert!(store.draft_uploads("applicant-1", "newborn").await.unwrap().is_empty());
    assert_eq!(
        store.draft_uploads("applicant-2", "newborn").await.unwrap().len(),
        1,
        "another's draft stays"
    );
    // Abandoned drafts are pruned by age: files saved before the cut go, later ones stay.
    let mut later = draft("photo", "d.pdf", b"%PDF-5");
    later.saved_at = at(14, 1, 0);
    store
        .put_draft_uploads("applicant-3", "newborn", &[later])
        .await
        .unwrap();
    assert_eq!(
        store.prune_draft_uploads(at(12, 1, 0)).await.unwrap(),
        0,
        "nothing older than the cut"
    );
    assert_eq!(store.prune_draft_uploads(at(13, 1, 0)).await.unwrap(), 1);
    assert!(store.draft_uploads("applicant-2", "newborn").await.unwrap().is_empty());
    assert_eq!(store.draft_uploads("applicant-3", "newborn").await.unwrap().len(), 1);
}

/// Every rectification `query` finds, read a page (its limit) at a time.
async fn walk(store: &dyn store::Store, mut query: store::RectificationQuery) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let rows = store.find_rectifications(&query).await.unwrap();
        assert!(rows.len() as i64 <= query.limit, "a page holds at most its limit");
        seen.extend(rows.iter().map(|r| r.id.clone()));
        match rows.last() {
            Some(last) if rows.len() as i64 == query.limit => {
                query.after = Some((last.closed_at.is_some(), last.deadline, last.id.clone()));
            }
            _ => return seen,
        }
    }
}

async fn rectifications_list_a_page_at_a_time_with_filters_and_counts(fixture: &Fixture) {
    let store = fixture.store();
    // Two rated cases, six rectifications over three departments; one closed.
    let opened = |case_id: &str, n: u32, department: &str, deadline: &str| store::Rectification {
        id: format!("R-{case_id}-{n}"),
        case_id: case_id.into(),
        department: department.into(),
        level: 1,
        complaint: format!("意见{n}"),
        opened_at: at(20, 9, n),
        deadline: deadline.parse().unwrap(),
        follow_up: None,
        result: None,
        closed_at: None,
        closed_by: None,
    };
    let wanted = [
        (
            CASE_A,
            vec![
                (1, "GA", "2026-03-02"),
                (2, "WJ", "2026-03-09"),
                (3, "GA", "2026-03-09"),
            ],
        ),
        (
            CASE_B,
            vec![
                (4, "GA", "2026-03-05"),
                (5, "MZ", "2026-03-01"),
                (6, "WJ", "2026-03-03"),
            ],
        ),
    ];
    for (case_id, rows) in &wanted {
        let created = new_case(case_id, "applicant-1", at(12, 1, 30));
        store.insert_case(&created.case, &created.events, None).await.unwrap();
        let submission = store::RatingSubmission {
            rating: store::Rating {
                case_id: (*case_id).into(),
                account: "applicant-1".into(),
                level: 1,
                comment: "差".into(),
                on_behalf: false,
                rated_at: at(20, 9, 0),
            },
            indicators: Vec::new(),
            departments: Vec::new(),
            rectifications: rows.iter().map(|(n, d, due)| opened(case_id, *n, d, due)).collect(),
            notices: Vec::new(),
        };
        assert!(store.put_rating_submission(&submission).await.unwrap());
    }
    let record = subject_access(at(21, 9, 0), "rectification_closed", "applicant-1");
    let closed_id = format!("R-{CASE_B}-5");
    assert!(
        store
            .update_rectification(
                &closed_id,
                "已回访",
                Some("已整改"),
                Some(at(21, 9, 0)),
                "staff-mz",
                &record,
                &[]
            )
            .await
            .unwrap()
    );
    // Open ones first by deadline (so the late lead), ties by id; then closed ones.
    let all_order = [
        format!("R-{CASE_A}-1"),
        format!("R-{CASE_B}-6"),
        format!("R-{CASE_B}-4"),
        format!("R-{CASE_A}-2"),
        format!("R-{CASE_A}-3"),
        closed_id.clone(),
    ];
    let page = |department: Option<&str>, status: Option<store::RectificationStatus>, case_id: Option<&str>| {
        store::RectificationQuery {
            department: department.map(str::to_owned),
            status,
            case_id: case_id.map(str::to_owned),
            after: None,
            limit: 2,
        }
    };
    assert_eq!(walk(&*store, page(None, None, None)).await, all_order);
    assert_eq!(
        walk(&*store, page(Some("GA"), None, None)).await,
        [
            format!("R-{CASE_A}-1"),
            format!("R-{CASE_B}-4"),
            format!("R-{CASE_A}-3")
        ]
    );
    let today: chrono::NaiveDate = "2026-03-05".parse().unwrap();
    assert_eq!(
        walk(&*store, page(None, Some(store::RectificationStatus::Late(today)), None)).await,
        [format!("R-{CASE_A}-1"), format!("R-{CASE_B}-6")],
        "late: open with a deadline before today (due today is not late)"
    );
    assert_eq!(
        walk(&*store, page(None, Some(store::RectificationStatus::Closed), None)).await,
        std::slice::from_ref(&closed_id)
    );
    assert_eq!(
        walk(
            &*store,
            page(Some("WJ"), Some(store::RectificationStatus::Open), Some(CASE_B))
        )
        .await,
        [format!("R-{CASE_B}-6")]
    );
    assert_eq!(
        store.rectification_counts(None, today).await.unwrap(),
        store::RectificationCounts {
            open: 5,
            late: 2,
            closed: 1
        }
    );
    assert_eq!(
        store.rectification_counts(Some("GA"), today).await.unwrap(),
        store::RectificationCounts {
            open: 3,
            late: 1,
            closed: 0
        }
    );
    assert_eq!(
        store.rectification_counts(Some("NONE"), today).await.unwrap(),
        store::RectificationCounts::default()
    );
}

async fn a_bad_rating_and_its_rectification_are_stored_together(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    let rating = store::Rating {
        case_id: CASE_A.into(),
        account: "applicant-1".into(),
        level: 2,
        comment: "跑了两次".into(),
        on_behalf: false,
        rated_at: at(20, 9, 0),
    };
    let rectification = store::Rectification {
        id: "R1".into(),
        case_id: CASE_A.into(),
        department: "GA".into(),
        level: 1,
        complaint: "窗口态度差".into(),
        opened_at: at(20, 9, 0),
        deadline: "2026-03-06".parse().unwrap(),
        follow_up: None,
        result: None,
        closed_at: None,
        closed_by: None,
    };
    let submission = store::RatingSubmission {
        rating: rating.clone(),
        indicators: vec![("efficiency".into(), 2), ("convenience".into(), 3)],
        departments: vec![store::DepartmentRating {
            case_id: CASE_A.into(),
            department: "GA".into(),
            level: 1,
            comment: "窗口态度差".into(),
            rated_at: at(20, 9, 0),
        }],
        rectifications: vec![rectification.clone()],
        notices: vec![notice("dept:GA", "rectification_assigned")],
    };
    assert!(store.put_rating_submission(&submission).await.unwrap());
    assert!(!store.put_rating_submission(&submission).await.unwrap(), "一次一评");
    assert_eq!(fixture.count("rectifications").await, 1);
    assert_eq!(store.rating_of_case(CASE_A).await.unwrap(), Some(rating));
    assert_eq!(
        store.indicators_of_case(CASE_A).await.unwrap(),
        [("convenience".to_owned(), 3), ("efficiency".to_owned(), 2)]
    );
    assert_eq!(store.department_ratings_of_case(CASE_A).await.unwrap().len(), 1);
    assert_eq!(
        store.rectifications(Some("GA")).await.unwrap(),
        std::slice::from_ref(&rectification)
    );
    assert!(store.rectifications(Some("WJ")).await.unwrap().is_empty());
    assert_eq!(store.unread_count(&["dept:GA".to_owned()]).await.unwrap(), 1);

    // Open and past its deadline only after the deadline day.
    let deadline: chrono::NaiveDate = "2026-03-06".parse().unwrap();
    assert!(store.open_rectifications_due_before(deadline).await.unwrap().is_empty());
    assert_eq!(
        store
            .open_rectifications_due_before(deadline.succ_opt().unwrap())
            .await
            .unwrap()
            .len(),
        1
    );
    // Follow-up, then closing with a result; a closed one cannot change. Each
    // accepted change writes its access entry (a ledger entry) and, on closing,
    // the applicant's message, in the same transaction; a refused one writes none.
    let record = |action: &str| {
        let mut access = subject_access(at(24, 9, 0), action, "applicant-1");
        access.entry.case_id = Some(CASE_A.into());
        access
    };
    let result_notice = notice("applicant-1", "rectification_closed");
    let (before, _) = store.ledger_head().await.unwrap();
    assert!(
        store
            .update_rectification(
                "R1",
                "已电话回访",
                None,
                None,
                "staff-ga",
                &record("rectification_follow_up"),
                &[]
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .update_rectification(
                "R1",
                "已电话回访",
                Some("已批评教育，改进窗口服务"),
                Some(at(24, 9, 0)),
                "staff-ga",
                &record("rectification_closed"),
                std::slice::from_ref(&result_notice),
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_rectification(
                "R1",
                "改口",
                Some("x"),
                Some(at(25, 9, 0)),
                "staff-ga",
                &record("rectification_closed"),
                std::slice::from_ref(&result_notice),
            )
            .await
            .unwrap()
    );
    assert_eq!(
        store.ledger_head().await.unwrap().0,
        before + 2,
        "two changes, two entries"
    );
    let told = store.notifications_for(&["applicant-1".to_owned()], 10).await.unwrap();
    assert_eq!(
        told.iter().filter(|n| n.message.kind == "rectification_closed").count(),
        1,
        "told once, not again for the refused change"
    );
    let closed = store.rectification("R1").await.unwrap().unwrap();
    assert_eq!(closed.result.as_deref(), Some("已批评教育，改进窗口服务"));
    assert_eq!(closed.closed_at, Some(at(24, 9, 0)));
    assert!(
        store
            .open_rectifications_due_before(deadline.succ_opt().unwrap())
            .await
            .unwrap()
            .is_empty(),
        "a closed one is no longer due"
    );
    let (ratings, departments) = store.all_ratings().await.unwrap();
    assert_eq!((ratings.len(), departments.len()), (1, 1));
}

// ------------------------------------------------------------------ shared data and certificates

async fn shared_records_upsert_in_bulk(fixture: &Fixture) {
    let store = fixture.store();
    // More rows than one multi-row statement holds.
    let records: Vec<SharedRecord> = (0..1203)
        .map(|n| SharedRecord {
            source: if n % 2 == 0 { "population" } else { "marriage" }.into(),
            subject: format!("S{n:05}"),
            attributes: [
                ("name".to_owned(), format!("人{n}")),
                ("note".to_owned(), "含\"引号\"".to_owned()),
            ]
            .into_iter()
            .collect(),
        })
        .collect();
    store.put_shared_records(&records).await.unwrap();
    assert_eq!(store.shared_record_count().await.unwrap(), 1203);
    let got = store.shared_record("marriage", "S01201").await.unwrap().unwrap();
    assert_eq!(got, records[1201]);
    assert_eq!(store.shared_record("population", "S01201").await.unwrap(), None);
    // Upsert replaces the attributes.
    let mut changed = records[0].clone();
    changed.attributes.insert("name".into(), "改名".into());
    store.put_shared_records(std::slice::from_ref(&changed)).await.unwrap();
    assert_eq!(store.shared_record_count().await.unwrap(), 1203);
    assert_eq!(
        store.shared_record("population", "S00000").await.unwrap().unwrap(),
        changed
    );
}

fn subject_access(at: DateTime<Utc>, action: &str, subject: &str) -> SubjectAccess {
    SubjectAccess {
        entry: AccessEntry {
            at,
            actor: "applicant-1".into(),
            role: Role::Applicant,
            department: Some("GA".into()),
            action: action.into(),
            case_id: None,
            elements: "person.name,mother.name".into(),
            purpose: "新生儿出生一件事：预填表单".into(),
        },
        subject: Some(subject.into()),
        legal_basis: "申请人授权同意".into(),
    }
}

async fn prefill_is_stored_with_its_ledger_entries(fixture: &Fixture) {
    let store = fixture.store();
    let prefill = Prefill {
        id: "PF-1".into(),
        account_id: "applicant-1".into(),
        one_thing: "newborn".into(),
        doc: r#"{"values":{"person.name":"王芳"}}"#.into(),
        created_at: at(12, 9, 0),
    };
    let reads = [
        subject_access(at(12, 9, 0), "shared_read", "applicant-1"),
        subject_access(at(12, 9, 0), "shared_read", "applicant-1"),
    ];
    store.put_prefill(&prefill, &reads).await.unwrap();
    assert_eq!(store.prefill("PF-1").await.unwrap(), Some(prefill.clone()));
    assert_eq!(store.prefill("PF-2").await.unwrap(), None);
    let rows = consistent_ledger(&*store).await;
    assert_eq!(rows.len(), 2);
    let entry = decode(&rows[0]);
    assert_eq!(entry.kind, "data.access");
    assert_eq!(entry.subject.as_deref(), Some("applicant-1"));
    assert_eq!(entry.legal_basis.as_deref(), Some("申请人授权同意"));
    assert_eq!(entry.elements, ["person.name", "mother.name"]);
    assert_eq!(store.ledger_rows_about("applicant-1", 10).await.unwrap().len(), 2);
    // A second prefill with the same id is refused and adds no ledger entry.
    assert!(refused_by_constraint(store.put_prefill(&prefill, &reads).await));
    assert_eq!(consistent_ledger(&*store).await.len(), 2);
    // Accesses outside a prefill.
    store
        .record_accesses(&[subject_access(at(12, 9, 5), "shared_question", "applicant-1")])
        .await
        .unwrap();
    assert_eq!(decode(&consistent_ledger(&*store).await[2]).detail, "shared_question");
}

fn key(id: &str, department: &str, valid_from: chrono::NaiveDate) -> StoredKey {
    StoredKey {
        key_id: id.into(),
        department: department.into(),
        algorithm: "SM2-SM3".into(),
        public_key: vec![4, 1, 2, 3],
        secret: vec![9, 9, 9],
        valid_from,
        retired_at: None,
        created_at: at(1, 0, 0) + Duration::minutes(id.len() as i64),
    }
}

async fn issuer_keys_rotate_one_active_per_department(fixture: &Fixture) {
    let store = fixture.store();
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 2, d).unwrap();
    store.add_issuer_key(&key("k-wj-1", "WJ", day(1))).await.unwrap();
    store.add_issuer_key(&key("k-ga-1", "GA", day(1))).await.unwrap();
    store.add_issuer_key(&key("k-wj-22", "WJ", day(10))).await.unwrap();
    let keys = store.issuer_keys().await.unwrap();
    assert_eq!(keys.len(), 3);
    let by_id = |id: &str| keys.iter().find(|k| k.key_id == id).unwrap().clone();
    assert_eq!(by_id("k-wj-1").retired_at, Some(day(10)));
    assert_eq!(by_id("k-ga-1").retired_at, None);
    assert_eq!(by_id("k-wj-22").retired_at, None);
    assert_eq!(by_id("k-wj-22").secret, vec![9, 9, 9]);
    assert!(!format!("{:?}", by_id("k-wj-22")).contains("999"));
    // Two active keys for one department cannot exist, even written directly.
    let refusal = fixture
        .try_execute(
            "INSERT INTO issuer_keys SELECT 'k-ga-x', department, algorithm, public_key, secret, '2026-02-11', \
             NULL, 0 FROM issuer_keys WHERE key_id = 'k-ga-1'",
        )
        .await
        .unwrap_err();
    assert!(refusal.to_lowercase().contains("unique"), "{refusal}");
}

fn stored_certificate(id: &str, case: Option<&str>, issued_at: DateTime<Utc>) -> StoredCertificate {
    StoredCertificate {
        id: id.into(),
        type_code: "birth_medical_certificate".into(),
        number: format!("N{id}"),
        holder_id_number: "620102199403150028".into(),
        case_id: case.map(str::to_owned),
        item: case.map(|_| "GG00101001".to_owned()),
        issuer_code: "WJ".into(),
        issue_date: cases::china_date(issued_at),
        valid_until: None,
        file: format!(r#"{{"certificate":{{"id":"{id}"}}}}"#),
        revoked_on: None,
        revoke_reason: None,
        issued_at,
    }
}

async fn certificates_are_issued_with_their_approval_or_not_at_all(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    let before = consistent_ledger(&*store).await.len();
    let new = NewCertificate {
        certificate: stored_certificate("C-1", Some(CASE_A), at(12, 3, 0)),
        actor: "staff-wj".into(),
        subject: Some("applicant-1".into()),
    };
    // A stale version writes neither the case nor the certificate.
    let stale = store
        .update_case_with_certificates(&created.case, 7, &[], &[], std::slice::from_ref(&new))
        .await
        .unwrap();
    assert_eq!(stale, Updated::Conflict);
    assert_eq!(store.certificate("C-1").await.unwrap(), None);
    assert_eq!(consistent_ledger(&*store).await.len(), before);
    // The read version writes both, and a ledger entry about the holder.
    let written = store
        .update_case_with_certificates(&created.case, 1, &[], &[], std::slice::from_ref(&new))
        .await
        .unwrap();
    assert_eq!(written, Updated::Written(2));
    assert_eq!(store.certificate("C-1").await.unwrap(), Some(new.certificate.clone()));
    assert_eq!(
        store.certificates_of_case(CASE_A).await.unwrap(),
        vec![new.certificate.clone()]
    );
    let rows = consistent_ledger(&*store).await;
    let entry = decode(rows.last().unwrap());
    assert_eq!(entry.kind, "certificate.issued");
    assert_eq!(entry.subject.as_deref(), Some("applicant-1"));
    assert_eq!(entry.department.as_deref(), Some("WJ"));
    assert!(
        entry.detail.starts_with("C-1 birth_medical_certificate"),
        "{}",
        entry.detail
    );
    // Outside a case; the holder's list is newest first.
    let later = NewCertificate {
        certificate: stored_certificate("C-2", None, at(13, 3, 0)),
        actor: "system".into(),
        subject: None,
    };
    store.insert_certificates(std::slice::from_ref(&later)).await.unwrap();
    let held: Vec<String> = store
        .certificates_of_holder("620102199403150028")
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(held, ["C-2", "C-1"]);
    // The same id twice is refused as a whole.
    assert!(refused_by_constraint(store.insert_certificates(&[later]).await));
    assert_eq!(
        store.certificates_of_holder("620102199403150028").await.unwrap().len(),
        2
    );
}

async fn a_certificate_is_revoked_once(fixture: &Fixture) {
    let store = fixture.store();
    let new = NewCertificate {
        certificate: stored_certificate("C-9", None, at(12, 3, 0)),
        actor: "staff-wj".into(),
        subject: Some("applicant-1".into()),
    };
    store.insert_certificates(&[new]).await.unwrap();
    let before = consistent_ledger(&*store).await.len();
    let record = subject_access(at(14, 8, 0), "certificate_revoked", "applicant-1");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 2, 14).unwrap();
    assert!(store.revoke_certificate("C-9", day, "信息有误", &record).await.unwrap());
    assert!(!store.revoke_certificate("C-9", day, "再次注销", &record).await.unwrap());
    assert!(!store.revoke_certificate("C-404", day, "不存在", &record).await.unwrap());
    let stored = store.certificate("C-9").await.unwrap().unwrap();
    assert_eq!(stored.revoked_on, Some(day));
    assert_eq!(stored.revoke_reason.as_deref(), Some("信息有误"));
    // The access entry, and the revoked row's state committed to the ledger.
    let rows = consistent_ledger(&*store).await;
    assert_eq!(rows.len(), before + 2);
    let committed = decode(rows.last().unwrap());
    assert_eq!(committed.kind, "certificate.revoked");
    let digests: std::collections::BTreeMap<String, String> =
        store.state_digests().await.unwrap().into_iter().collect();
    assert_eq!(
        store::state::parse(&committed.detail),
        Some((
            store::state::certificate_key("C-9"),
            digests[&store::state::certificate_key("C-9")].clone()
        ))
    );
}

async fn certificate_shares_round_trip(fixture: &Fixture) {
    let store = fixture.store();
    let new = NewCertificate {
        certificate: stored_certificate("C-5", None, at(12, 3, 0)),
        actor: "system".into(),
        subject: None,
    };
    store.insert_certificates(&[new]).await.unwrap();
    store
        .put_certificate_share("hash-1", "C-5", at(19, 3, 0), at(12, 3, 0), "applicant-1")
        .await
        .unwrap();
    assert_eq!(
        store.certificate_share("hash-1").await.unwrap(),
        Some(("C-5".to_owned(), at(19, 3, 0)))
    );
    assert_eq!(store.certificate_share("hash-2").await.unwrap(), None);
    // A share of an unknown certificate is refused.
    assert!(refused_by_constraint(
        store
            .put_certificate_share("hash-3", "C-404", at(19, 3, 0), at(12, 3, 0), "applicant-1")
            .await
    ));
}

// ------------------------------------------------------------------ calendar import

/// A newborn case submitted on 2027-01-25, before 2027's notice was loaded: its
/// dates run across the provisional 春节.
fn provisional_case(id: &str) -> Outcome {
    let submitted = Utc.with_ymd_and_hms(2027, 1, 25, 2, 0, 0).unwrap();
    new_case(id, "applicant-1", submitted)
}

async fn a_calendar_import_is_one_transaction(fixture: &Fixture) {
    let store = fixture.store();
    let created = provisional_case(CASE_A);
    assert_eq!(
        store.insert_case(&created.case, &created.events, None).await.unwrap(),
        Inserted::Created
    );
    let old = testkit::calendar();
    let new = old.with_notice("2027.toml", testkit::NOTICE_2027).unwrap();
    let now = Utc.with_ymd_and_hms(2027, 1, 26, 1, 0, 0).unwrap();

    let candidates = store
        .open_cases_with_dates_from(chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap())
        .await
        .unwrap();
    assert_eq!(
        candidates.iter().map(|v| v.case.id.to_string()).collect::<Vec<_>>(),
        [CASE_A]
    );
    assert!(
        store
            .open_cases_with_dates_from(chrono::NaiveDate::from_ymd_opt(2028, 1, 1).unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    let moved = candidates[0]
        .case
        .reschedule(&old, &new, now)
        .unwrap()
        .expect("dates move");
    assert!(!moved.changes.is_empty());

    let import = |version: i64| store::CalendarImport {
        year: store::CalendarYear {
            year: 2027,
            label: "2027.toml".into(),
            text: testkit::NOTICE_2027.into(),
            source: new.source(2027).unwrap().into(),
            imported_at: now,
            imported_by: "admin".into(),
        },
        cases: vec![(moved.case.clone(), version, moved.events.clone())],
        rectifications: Vec::new(),
        notices: vec![store::NewNotification {
            recipient: "applicant-1".into(),
            kind: "deadline_changed".into(),
            case_id: Some(CASE_A.into()),
            item: None,
            title: "办理期限调整".into(),
            body: "期限调整".into(),
            created_at: now,
        }],
        access: AccessEntry {
            at: now,
            actor: "admin".into(),
            role: Role::Admin,
            department: None,
            action: "calendar_import".into(),
            case_id: None,
            elements: "calendar:2027".into(),
            purpose: "导入2027年节假日安排".into(),
        },
    };
    let (size_before, _) = store.ledger_head().await.unwrap();

    // Read at a version that has moved on: nothing at all is written.
    assert_eq!(
        store.import_calendar_year(&import(7)).await.unwrap(),
        store::Imported::Conflict
    );
    assert!(store.calendar_years().await.unwrap().is_empty());
    assert_eq!(store.ledger_head().await.unwrap().0, size_before);
    assert_eq!(store.load_case(&case_id(CASE_A)).await.unwrap().unwrap().version, 1);
    assert_eq!(store.unread_count(&["applicant-1".to_owned()]).await.unwrap(), 0);

    assert_eq!(
        store.import_calendar_year(&import(1)).await.unwrap(),
        store::Imported::Written
    );
    let years = store.calendar_years().await.unwrap();
    assert_eq!(years.len(), 1);
    assert_eq!((years[0].year, years[0].text.as_str()), (2027, testkit::NOTICE_2027));
    let loaded = store.load_case(&case_id(CASE_A)).await.unwrap().unwrap();
    assert_eq!(loaded.version, 2);
    assert_eq!(loaded.case, moved.case);
    // The list column follows the document.
    let summary = store.cases_of_applicant("applicant-1").await.unwrap();
    assert_eq!(summary[0].promised_date, moved.case.promised_date);
    // Task rows carry the new deadlines for the queues.
    for task in moved.case.tasks.iter().filter(|t| t.deadline.is_some()) {
        let queue = store.department_queue(&task.department).await.unwrap();
        let row = queue.iter().find(|q| q.item == task.item.as_str()).unwrap();
        assert_eq!(row.deadline, task.deadline);
    }
    let history = store.case_events(&case_id(CASE_A)).await.unwrap();
    assert_eq!(
        history
            .iter()
            .filter(|e| e.event.transition == Transition::Reschedule)
            .count(),
        moved.events.len()
    );
    assert_eq!(store.unread_count(&["applicant-1".to_owned()]).await.unwrap(), 1);
    // The events and the operator's action are in the ledger.
    assert_eq!(
        store.ledger_head().await.unwrap().0,
        size_before + moved.events.len() as u64 + 1
    );

    // The same year again: refused, nothing written.
    assert_eq!(
        store.import_calendar_year(&import(2)).await.unwrap(),
        store::Imported::YearExists
    );
    assert_eq!(store.load_case(&case_id(CASE_A)).await.unwrap().unwrap().version, 2);
}

// ------------------------------------------------------------------ 可用不可见

async fn a_check_is_answered_once_per_case_and_task(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    let asked = |check: &str, answer: bool| store::AskedCheck {
        case_id: CASE_A.into(),
        item: "GG00101001".into(),
        check: check.into(),
        answer,
        asked_at: at(12, 2, 0),
        asked_by: "staff-wj".into(),
    };
    let access = SubjectAccess {
        entry: AccessEntry {
            at: at(12, 2, 0),
            actor: "staff-wj".into(),
            role: Role::Staff,
            department: Some("WJ".into()),
            action: "shared_question".into(),
            case_id: Some(CASE_A.into()),
            elements: "birth_date".into(),
            purpose: "卫生健康委员会核验：申请人是否年满18周岁 → 是".into(),
        },
        subject: Some("applicant-1".into()),
        legal_basis: "测试".into(),
    };
    let (size, _) = store.ledger_head().await.unwrap();
    assert!(
        store
            .record_check(&asked("applicant_adult", true), &access)
            .await
            .unwrap()
    );
    assert_eq!(store.ledger_head().await.unwrap().0, size + 1);
    // The same check again, even with another answer: refused, nothing written.
    assert!(
        !store
            .record_check(&asked("applicant_adult", false), &access)
            .await
            .unwrap()
    );
    assert_eq!(store.ledger_head().await.unwrap().0, size + 1);
    assert!(
        store
            .record_check(&asked("applicant_married", false), &access)
            .await
            .unwrap()
    );
    let checks = store.checks_of_case(CASE_A).await.unwrap();
    assert_eq!(
        checks.iter().map(|c| (c.check.as_str(), c.answer)).collect::<Vec<_>>(),
        [("applicant_adult", true), ("applicant_married", false)]
    );
    assert_eq!(checks[0], asked("applicant_adult", true));
    assert!(store.checks_of_case(CASE_B).await.unwrap().is_empty());
}

// ------------------------------------------------------------------ state commitments

/// The latest state commitment of every object, from the ledger rows.
async fn commitments(store: &dyn Store) -> std::collections::BTreeMap<String, String> {
    let (size, _) = store.ledger_head().await.unwrap();
    store
        .ledger_rows(0, size)
        .await
        .unwrap()
        .iter()
        .filter_map(|row| store::state::parse(&LedgerEntry::from_canonical_bytes(&row.entry).unwrap().detail))
        .collect()
}

async fn every_stored_case_and_rating_is_committed_in_the_ledger(fixture: &Fixture) {
    let store = fixture.store();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    let accepted = accept(&created.case, at(12, 2, 0));
    assert_eq!(
        store.update_case(&accepted.case, 1, &accepted.events).await.unwrap(),
        Updated::Written(2)
    );
    let rating = store::Rating {
        case_id: CASE_A.into(),
        account: "applicant-1".into(),
        level: 2,
        comment: "太慢".into(),
        on_behalf: false,
        rated_at: at(13, 9, 0),
    };
    assert!(
        store
            .put_rating_submission(&store::RatingSubmission {
                rating,
                indicators: Vec::new(),
                departments: Vec::new(),
                rectifications: Vec::new(),
                notices: Vec::new(),
            })
            .await
            .unwrap()
    );
    let stored: std::collections::BTreeMap<String, String> = store.state_digests().await.unwrap().into_iter().collect();
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert_eq!(
        commitments(&*store).await,
        stored,
        "every object as its latest entry committed it"
    );
    assert!(stored[&store::state::case_key(CASE_A)].starts_with("v2 sha256:"));

    // Edited behind the store's back: the digest no longer matches the commitment.
    fixture
        .execute(&format!(
            "UPDATE cases SET doc = replace(doc, '\"accepted\"', '\"approved\"') WHERE id = '{CASE_A}'"
        ))
        .await;
    fixture
        .execute(&format!("UPDATE ratings SET level = 5 WHERE case_id = '{CASE_A}'"))
        .await;
    let after: std::collections::BTreeMap<String, String> = store.state_digests().await.unwrap().into_iter().collect();
    let committed = commitments(&*store).await;
    assert_ne!(
        after[&store::state::case_key(CASE_A)],
        committed[&store::state::case_key(CASE_A)]
    );
    assert_ne!(
        after[&store::state::rating_key(CASE_A)],
        committed[&store::state::rating_key(CASE_A)]
    );
}

// ------------------------------------------------------------------ dashboard totals

/// Staff act on a task if the engine allows it now.
fn try_act(case: &Case, index: usize, action: Action, now: DateTime<Utc>) -> Option<Outcome> {
    let task = &case.tasks[index];
    WORLD.with(|world| {
        let staff = Actor::Staff {
            account: "s".into(),
            department: task.department.clone(),
        };
        case.act(&world.catalog, &world.calendar, &staff, &task.item, action, now)
            .ok()
    })
}

fn outputs_of(case: &Case, index: usize) -> std::collections::BTreeMap<String, String> {
    WORLD.with(|world| {
        world.catalog.items[&case.tasks[index].item]
            .outputs
            .elements
            .iter()
            .map(|element| {
                (
                    element.clone(),
                    testkit::sample_value(&world.catalog.elements[element].element_type),
                )
            })
            .collect()
    })
}

/// The dashboard the store's totals give, and the one `metrics::compute` gives over
/// every stored case, on `today`.
async fn both_dashboards(store: &dyn Store, today: chrono::NaiveDate) -> (metrics::Dashboard, metrics::Dashboard) {
    let totals = store.dashboard_totals().await.unwrap();
    let documents = store.case_documents(i64::MAX).await.unwrap();
    let (ratings, department_ratings) = store.all_ratings().await.unwrap();
    let ratings: Vec<metrics::RatingRecord> = ratings
        .iter()
        .map(|r| (r.case_id.clone(), None, r.level))
        .chain(
            department_ratings
                .iter()
                .map(|r| (r.case_id.clone(), Some(r.department.clone()), r.level)),
        )
        .map(|(rated, department, level)| metrics::RatingRecord {
            case_id: case_id(&rated),
            department,
            level: u8::try_from(level).unwrap(),
        })
        .collect();
    let rectifications: Vec<metrics::RectificationRecord> = store
        .rectifications(None)
        .await
        .unwrap()
        .iter()
        .map(|r| metrics::RectificationRecord {
            case_id: case_id(&r.case_id),
            department: r.department.clone(),
            opened_on: cases::china_date(r.opened_at),
            deadline: r.deadline,
            closed_on: r.closed_at.map(cases::china_date),
        })
        .collect();
    assert!(
        !ratings.is_empty() && !rectifications.is_empty(),
        "the history rates cases"
    );
    WORLD.with(|world| {
        let counted = metrics::counts::from_counts(&metrics::counts::Totals {
            catalog: &world.catalog,
            calendar: &world.calendar,
            today,
            due_soon_percent: 40,
            counts: &totals.counts,
            feedback: &totals.feedback,
        })
        .unwrap();
        let computed = metrics::compute(&metrics::Input {
            catalog: &world.catalog,
            calendar: &world.calendar,
            today,
            due_soon_percent: 40,
            cases: &documents,
            ratings: &ratings,
            rectifications: &rectifications,
        });
        (counted, computed)
    })
}

/// After a random history of submissions, acceptances, supplement requests,
/// approvals and rejections, the totals kept with the writes give the dashboard
/// computed over every case; a write under another calendar leaves them to be
/// counted again, and counting again gives the same.
async fn dashboard_totals_follow_every_case_write(fixture: &Fixture) {
    use rand::{Rng, SeedableRng};
    let store = fixture.store();
    let counter = Arc::new(WORLD.with(|world| metrics::counts::CaseCounter::new(Arc::new(world.calendar.clone()))));
    // A new database counts on first use: nothing to count yet.
    assert_eq!(store.dashboard_totals().await.unwrap().basis, None);
    store.recount_dashboard(counter.clone()).await.unwrap();
    assert_eq!(
        store.dashboard_totals().await.unwrap().basis.as_deref(),
        Some(counter.basis())
    );

    let seed: u64 = rand::random();
    eprintln!("dashboard history seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut ids: Vec<CaseId> = Vec::new();
    let mut now = at(2, 9, 0);
    for step in 0..200 {
        now += Duration::hours(rng.gen_range(1..12));
        if ids.is_empty() || rng.gen_ratio(1, 6) {
            let id = format!("YJS202602{:02}{:06}", 1 + step % 27, step);
            let created = new_case(&id, "applicant-1", now);
            store.insert_case(&created.case, &created.events, None).await.unwrap();
            ids.push(created.case.id.clone());
            continue;
        }
        let id = &ids[rng.gen_range(0..ids.len())];
        let read = store.load_case(id).await.unwrap().unwrap();
        if rng.gen_ratio(1, 5) {
            // 好差评, with a department's rating; a bad one opens a rectification.
            let level = rng.gen_range(1..=5);
            let department = read.case.tasks[rng.gen_range(0..read.case.tasks.len())]
                .department
                .clone();
            let rectifications = if level <= 2 {
                vec![store::Rectification {
                    id: format!("R{step}"),
                    case_id: id.to_string(),
                    department: department.clone(),
                    level,
                    complaint: "慢".into(),
                    opened_at: now,
                    deadline: cases::china_date(now) + Duration::days(rng.gen_range(1..20)),
                    follow_up: None,
                    result: None,
                    closed_at: None,
                    closed_by: None,
                }]
            } else {
                Vec::new()
            };
            let submission = store::RatingSubmission {
                rating: store::Rating {
                    case_id: id.to_string(),
                    account: "applicant-1".into(),
                    level,
                    comment: String::new(),
                    on_behalf: false,
                    rated_at: now,
                },
                indicators: Vec::new(),
                departments: vec![store::DepartmentRating {
                    case_id: id.to_string(),
                    department,
                    level: rng.gen_range(1..=5),
                    comment: String::new(),
                    rated_at: now,
                }],
                rectifications,
                notices: Vec::new(),
            };
            // 一次一评: a second rating of the case is refused and counts nothing.
            store.put_rating_submission(&submission).await.unwrap();
            continue;
        }
        let running: Vec<usize> = (0..read.case.tasks.len())
            .filter(|i| matches!(read.case.tasks[*i].state, TaskState::Dispatched | TaskState::Accepted))
            .collect();
        if running.is_empty() {
            continue;
        }
        let index = running[rng.gen_range(0..running.len())];
        let action = match rng.gen_range(0..10) {
            0..=3 => Action::Accept,
            4 => Action::RequestSupplement {
                reasons: vec!["请补正".into()],
                materials: Vec::new(),
            },
            5 => Action::Reject {
                reason: "材料不全".into(),
            },
            _ => Action::Approve {
                outputs: outputs_of(&read.case, index),
            },
        };
        if let Some(outcome) = try_act(&read.case, index, action, now) {
            let written = store
                .update_case(&outcome.case, read.version, &outcome.events)
                .await
                .unwrap();
            assert_eq!(written, Updated::Written(read.version + 1));
        }
    }
    let states: std::collections::BTreeSet<&str> = store
        .case_documents(i64::MAX)
        .await
        .unwrap()
        .iter()
        .map(|case| case.state().as_str())
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    assert!(states.len() >= 2, "the history reaches several states: {states:?}");
    for today in [cases::china_date(now), cases::china_date(now) + Duration::days(20)] {
        let (counted, computed) = both_dashboards(&*store, today).await;
        assert_eq!(counted, computed);
    }

    // A node on another calendar writes: the totals are no longer trusted.
    let official_only = Arc::new(metrics::counts::CaseCounter::new(Arc::new(
        Calendar::official_only().unwrap(),
    )));
    store.count_cases_with(official_only);
    let created = new_case("YJS20260228999999", "applicant-2", now);
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    assert_eq!(store.dashboard_totals().await.unwrap().basis, None);
    store.recount_dashboard(counter.clone()).await.unwrap();
    assert_eq!(
        store.dashboard_totals().await.unwrap().basis.as_deref(),
        Some(counter.basis())
    );
    let (counted, computed) = both_dashboards(&*store, cases::china_date(now)).await;
    assert_eq!(counted, computed);
    assert_eq!(counted.overall.cases, ids.len() as u64 + 1);
}

// ------------------------------------------------------------------ group commit

/// Twelve submissions at once, every third of which fails half-way (its case number
/// is taken, after its Idempotency-Key was claimed): those fail alone, with nothing
/// of theirs stored, and the others are stored whole. On SQLite the writes are held
/// until all twelve are queued, so that they share one group commit.
async fn a_failed_write_among_concurrent_ones_fails_alone(fixture: &Fixture) {
    let store = fixture.store();
    let taken = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&taken.case, &taken.events, None).await.unwrap();
    let events_before = fixture.count("case_events").await;
    let (ledger_before, _) = store.ledger_head().await.unwrap();

    let writers = 12usize;
    let fails = |i: usize| i.is_multiple_of(3);
    let key = |i: usize| IdempotencyKey {
        account: format!("applicant-{i}"),
        key: format!("key-{i}"),
        request_hash: format!("hash-{i}"),
    };
    let sqlite = match fixture.handle() {
        Handle::Sqlite(sqlite) => Some(sqlite),
        Handle::Postgres(_) => None,
    };
    let groups_before = sqlite.as_ref().map(|sqlite| sqlite.group_commits());
    let paused = match &sqlite {
        Some(sqlite) => Some(sqlite.pause_writes().await),
        None => None,
    };
    let tasks: Vec<_> = (0..writers)
        .map(|i| {
            let store = store.clone();
            let id = if fails(i) {
                CASE_A.to_owned()
            } else {
                format!("YJS2026021210{i:04}")
            };
            let outcome = new_case(&id, &format!("applicant-{i}"), at(12, 3, i as u32));
            let key = key(i);
            tokio::spawn(async move { store.insert_case(&outcome.case, &outcome.events, Some(&key)).await })
        })
        .collect();
    if let Some(sqlite) = &sqlite {
        let mut waited = 0;
        while sqlite.queued_writes() < writers {
            assert!(waited < 10_000, "the writers never queued");
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            waited += 1;
        }
    }
    drop(paused);
    let mut created = 0;
    for (i, task) in tasks.into_iter().enumerate() {
        let result = task.await.unwrap();
        if fails(i) {
            assert!(refused_by_constraint(result), "writer {i}");
        } else {
            assert_eq!(result.unwrap(), Inserted::Created, "writer {i}");
            created += 1;
        }
    }

    let good = (0..writers).filter(|i| !fails(*i)).count();
    assert_eq!(created, good);
    assert_eq!(fixture.count("cases").await, 1 + good as i64);
    assert_eq!(
        fixture.count("idempotency_keys").await,
        good as i64,
        "the failed writers' keys are not claimed"
    );
    assert_eq!(
        fixture.count("case_events").await,
        events_before + (good * taken.events.len()) as i64
    );
    let (ledger_after, _) = store.ledger_head().await.unwrap();
    assert_eq!(
        fixture.ledger_entries().await,
        ledger_after as i64,
        "the ledger has no gap"
    );
    assert!(ledger_after > ledger_before);
    let stored: std::collections::BTreeMap<String, String> = store.state_digests().await.unwrap().into_iter().collect();
    assert_eq!(stored.len(), 1 + good);
    assert_eq!(
        commitments(&*store).await,
        stored,
        "every stored case is committed in the ledger"
    );
    if let (Some(sqlite), Some((groups, writes))) = (&sqlite, groups_before) {
        let (groups_after, writes_after) = sqlite.group_commits();
        assert_eq!(
            writes_after - writes,
            good as u64,
            "every successful write joined a group"
        );
        assert_eq!(groups_after - groups, 1, "the queued writes shared one commit");
    }

    // A failed writer's key is free: its retry with a free case number is stored.
    let retry = new_case("YJS20260212200000", "applicant-0", at(12, 4, 0));
    assert_eq!(
        store
            .insert_case(&retry.case, &retry.events, Some(&key(0)))
            .await
            .unwrap(),
        Inserted::Created
    );
}

// ------------------------------------------------------------------ the outbox

fn subscription(id: &str, department: &str, event_types: &[&str]) -> store::Subscription {
    store::Subscription {
        id: id.into(),
        department: department.into(),
        event_types: event_types.iter().map(|t| t.to_string()).collect(),
        kind: "webhook".into(),
        url: "http://127.0.0.1:9/hook".into(),
        scheme: "v1".into(),
        public_key: None,
        enabled: true,
        disabled_reason: None,
        created_at: at(12, 0, 0),
        created_by: "admin-1".into(),
    }
}

fn claim<'a>(token: &'a str, now: DateTime<Utc>) -> store::Claim<'a> {
    store::Claim {
        token,
        now,
        lease_until: now + Duration::seconds(60),
        limit: 100,
        kinds: &["webhook"],
    }
}

async fn outbox_events_exist_iff_their_change_committed(fixture: &Fixture) {
    let store = fixture.store();
    let admin = subject_access(at(12, 0, 0), "webhook_subscription_create", "admin-1");
    assert!(
        store
            .create_subscription(&subscription("sub-wj", "WJ", &[]), b"secret", Some(&admin))
            .await
            .unwrap()
    );
    assert!(
        !store
            .create_subscription(&subscription("sub-wj", "GA", &[]), b"other", None)
            .await
            .unwrap(),
        "an id is used once"
    );
    assert!(
        store
            .create_subscription(&subscription("sub-ga", "GA", &["case.completed"]), b"s", None)
            .await
            .unwrap()
    );

    // The insert of a case writes the dispatch of its first task, for its department.
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    let events = store.outbox_events(0, 100).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].event_type, "task.dispatched");
    assert_eq!(events[0].department.as_deref(), Some("WJ"));
    assert_eq!(events[0].case_id.as_deref(), Some(CASE_A));
    let payload: serde_json::Value = serde_json::from_str(&events[0].payload).unwrap();
    assert_eq!(payload["type"], "task.dispatched");
    assert_eq!(payload["data"]["case_id"], CASE_A);
    assert_eq!(payload["data"]["item"], "GG00101001");
    assert_eq!(payload["data"]["task_state"], "dispatched");
    // Nothing about the applicant: no name, no ID number, no account.
    let form_values: Vec<String> = created
        .case
        .form
        .values()
        .map(|value| value.value.clone())
        .filter(|value| value.chars().count() > 1 && !value.chars().all(|c| c.is_ascii_digit() && value.len() < 6))
        .collect();
    for value in &form_values {
        assert!(
            !events[0].payload.contains(value.as_str()),
            "{value} leaked into {}",
            events[0].payload
        );
    }
    assert!(!events[0].payload.contains("applicant-1"));
    // One delivery, to the department's subscription only (GA takes another type).
    assert_eq!(fixture.count("webhook_deliveries").await, 1);

    // A lost race writes no event; an acceptance is no event for subscribers.
    let accepted = accept(&created.case, at(12, 2, 0));
    let approved = approve(&accepted.case, "GG00101001", "WJ", at(12, 3, 0));
    assert_eq!(
        store.update_case(&approved.case, 7, &approved.events).await.unwrap(),
        Updated::Conflict
    );
    assert_eq!(
        store.update_case(&accepted.case, 1, &accepted.events).await.unwrap(),
        Updated::Written(2)
    );
    assert_eq!(fixture.count("outbox").await, 1);
    // A write that fails after its events were written leaves none of them: two files
    // with one id fail the insert of case B at its uploads.
    let other = new_case(CASE_B, "applicant-2", at(12, 1, 31));
    let failed = store
        .insert_case_with_uploads(
            &other.case,
            &other.events,
            None,
            &[
                upload("U9", CASE_B, "child_photo", b"a"),
                upload("U9", CASE_B, "child_photo", b"b"),
            ],
            &[],
        )
        .await;
    assert!(refused_by_constraint(failed), "the duplicate file id is refused");
    assert_eq!(fixture.count("outbox").await, 1, "no event of the failed write");
    assert_eq!(fixture.count("webhook_deliveries").await, 1);
    assert!(store.load_case(&case_id(CASE_B)).await.unwrap().is_none());

    // The committed approval writes the dispatches it causes.
    assert_eq!(
        store.update_case(&approved.case, 2, &approved.events).await.unwrap(),
        Updated::Written(3)
    );
    let dispatched: Vec<_> = approved
        .events
        .iter()
        .filter(|event| event.transition == Transition::Dispatch)
        .collect();
    assert!(!dispatched.is_empty());
    let events = store.outbox_events(events[0].seq, 100).await.unwrap();
    assert_eq!(events.len(), dispatched.len());
    for (stored, event) in events.iter().zip(&dispatched) {
        assert_eq!(stored.event_type, "task.dispatched");
        assert_eq!(stored.department, event.department);
    }

    // A certificate revocation and a calendar import write theirs too.
    let calendar_before = fixture.count("outbox").await;
    let rating = store::RatingSubmission {
        rating: store::Rating {
            case_id: CASE_A.into(),
            account: "applicant-1".into(),
            level: 1,
            comment: "太慢".into(),
            on_behalf: false,
            rated_at: at(13, 9, 0),
        },
        indicators: Vec::new(),
        departments: vec![store::DepartmentRating {
            case_id: CASE_A.into(),
            department: "WJ".into(),
            level: 1,
            comment: "太慢".into(),
            rated_at: at(13, 9, 0),
        }],
        rectifications: vec![store::Rectification {
            id: "R1".into(),
            case_id: CASE_A.into(),
            department: "WJ".into(),
            level: 1,
            complaint: "太慢".into(),
            opened_at: at(13, 9, 0),
            deadline: chrono::NaiveDate::from_ymd_opt(2026, 2, 27).unwrap(),
            follow_up: None,
            result: None,
            closed_at: None,
            closed_by: None,
        }],
        notices: Vec::new(),
    };
    assert!(store.put_rating_submission(&rating).await.unwrap());
    let types: Vec<String> = store
        .outbox_events(0, 100)
        .await
        .unwrap()
        .into_iter()
        .skip(calendar_before as usize)
        .map(|event| event.event_type)
        .collect();
    assert_eq!(types, ["rating.submitted", "rectification.opened"]);
    let closing = subject_access(at(14, 9, 0), "close_rectification", "applicant-1");
    assert!(
        store
            .update_rectification("R1", "已改进", Some("已整改"), Some(at(14, 9, 0)), "s", &closing, &[])
            .await
            .unwrap()
    );
    let last = store.outbox_events(0, 100).await.unwrap().pop().unwrap();
    assert_eq!(last.event_type, "rectification.closed");
    assert_eq!(last.department.as_deref(), Some("WJ"));
    // Closed once: the second close writes nothing, no event either.
    let before = fixture.count("outbox").await;
    assert!(
        !store
            .update_rectification("R1", "再次", Some("x"), Some(at(14, 10, 0)), "s", &closing, &[])
            .await
            .unwrap()
    );
    assert_eq!(fixture.count("outbox").await, before);
}

async fn deliveries_go_in_case_order_retry_dead_letter_and_replay(fixture: &Fixture) {
    let store = fixture.store();
    store
        .create_subscription(&subscription("sub-all", "*", &[]), b"secret", None)
        .await
        .unwrap();
    let created = new_case(CASE_A, "applicant-1", at(12, 1, 30));
    store.insert_case(&created.case, &created.events, None).await.unwrap();
    let accepted = accept(&created.case, at(12, 2, 0));
    store.update_case(&accepted.case, 1, &accepted.events).await.unwrap();
    let approved = approve(&accepted.case, "GG00101001", "WJ", at(12, 3, 0));
    store.update_case(&approved.case, 2, &approved.events).await.unwrap();
    let seqs: Vec<i64> = store
        .outbox_events(0, 100)
        .await
        .unwrap()
        .iter()
        .map(|event| event.seq)
        .collect();
    assert!(seqs.len() >= 2, "the approval dispatched more tasks");

    // Only the first event of the case is claimable, however many are due.
    let now = at(12, 4, 0);
    let first = store.claim_deliveries(&claim("t1", now)).await.unwrap();
    assert_eq!(first.iter().map(|d| d.outbox_seq).collect::<Vec<_>>(), [seqs[0]]);
    assert_eq!(first[0].secret, b"secret");
    assert_eq!(first[0].message_id(), format!("msg_{}", seqs[0]));
    assert!(
        store.claim_deliveries(&claim("t2", now)).await.unwrap().is_empty(),
        "claimed, and blocks the rest"
    );
    // A retry keeps the next events waiting until it succeeds.
    let retry_at = now + Duration::seconds(5);
    assert!(
        store
            .finish_delivery(
                &first[0],
                "t1",
                &store::DeliveryOutcome::Retry(retry_at),
                now,
                Some(500),
                12,
                None
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .finish_delivery(
                &first[0],
                "t1",
                &store::DeliveryOutcome::Delivered,
                now,
                Some(200),
                1,
                None
            )
            .await
            .unwrap(),
        "a finished claim is no longer the token's"
    );
    assert!(store.claim_deliveries(&claim("t3", now)).await.unwrap().is_empty());
    let again = store.claim_deliveries(&claim("t4", retry_at)).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].outbox_seq, again[0].attempts), (seqs[0], 1));
    store
        .finish_delivery(
            &again[0],
            "t4",
            &store::DeliveryOutcome::Delivered,
            retry_at,
            Some(204),
            3,
            None,
        )
        .await
        .unwrap();
    // Then the second; exhausted, it goes to the dead letters and the third follows.
    let second = store.claim_deliveries(&claim("t5", retry_at)).await.unwrap();
    assert_eq!(second.iter().map(|d| d.outbox_seq).collect::<Vec<_>>(), [seqs[1]]);
    store
        .finish_delivery(
            &second[0],
            "t5",
            &store::DeliveryOutcome::Dead,
            retry_at,
            None,
            30,
            Some("connection refused"),
        )
        .await
        .unwrap();
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].outbox_seq, dead[0].last_error.as_deref()),
        (seqs[1], Some("connection refused"))
    );
    if seqs.len() > 2 {
        let third = store.claim_deliveries(&claim("t6", retry_at)).await.unwrap();
        assert_eq!(third[0].outbox_seq, seqs[2], "a dead letter does not block the case");
        store
            .finish_delivery(
                &third[0],
                "t6",
                &store::DeliveryOutcome::Delivered,
                retry_at,
                Some(200),
                1,
                None,
            )
            .await
            .unwrap();
    }
    // A replay sends it again, starting the schedule afresh; the log keeps every attempt.
    let admin = subject_access(at(12, 5, 0), "webhook_replay", "admin-1");
    assert!(
        store
            .replay_dead_letter("sub-all", seqs[1], at(12, 5, 0), Some(&admin))
            .await
            .unwrap()
    );
    assert!(
        !store
            .replay_dead_letter("sub-all", seqs[1], at(12, 5, 0), None)
            .await
            .unwrap()
    );
    assert!(store.dead_letters(10).await.unwrap().is_empty());
    let replayed = store.claim_deliveries(&claim("t7", at(12, 5, 0))).await.unwrap();
    let replayed: Vec<_> = replayed.into_iter().filter(|d| d.outbox_seq == seqs[1]).collect();
    assert_eq!(replayed.len(), 1);
    assert_eq!((replayed[0].attempts, replayed[0].attempts_this_round), (1, 0));
    // 410 Gone disables the subscription: nothing more is claimed for it.
    store
        .finish_delivery(
            &replayed[0],
            "t7",
            &store::DeliveryOutcome::Gone,
            at(12, 5, 0),
            Some(410),
            2,
            None,
        )
        .await
        .unwrap();
    let disabled = store.subscription("sub-all").await.unwrap().unwrap();
    assert!(!disabled.enabled);
    assert_eq!(disabled.disabled_reason.as_deref(), Some("410 Gone"));
    assert!(
        store
            .claim_deliveries(&claim("t8", at(13, 0, 0)))
            .await
            .unwrap()
            .is_empty()
    );
    let log = store.delivery_attempts("sub-all", 100).await.unwrap();
    assert_eq!(log.len(), 4 + usize::from(seqs.len() > 2));
    assert_eq!(
        log.iter().filter(|a| a.outbox_seq == seqs[1]).map(|a| a.attempt).max(),
        Some(2)
    );
    assert!(log.iter().any(|a| a.status == Some(500) && a.latency_ms == 12));
    // Enabled again by an administrator, it sends what waited from where it stood;
    // enabling it twice, or an unknown one, changes nothing.
    let admin = subject_access(at(13, 0, 0), "webhook_subscription_enable", "admin-1");
    assert!(store.enable_subscription("sub-all", Some(&admin)).await.unwrap());
    assert!(!store.enable_subscription("sub-all", None).await.unwrap());
    assert!(!store.enable_subscription("sub-none", None).await.unwrap());
    let enabled = store.subscription("sub-all").await.unwrap().unwrap();
    assert!(enabled.enabled);
    assert_eq!(enabled.disabled_reason, None);
    let resumed = store.claim_deliveries(&claim("t9", at(13, 0, 0))).await.unwrap();
    let resumed: Vec<_> = resumed.into_iter().filter(|d| d.outbox_seq == seqs[1]).collect();
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].attempts, 2);
    // Retention: once old enough, an event whose every delivery was made goes with its
    // delivery and its log; one still to be delivered stays, with its log.
    assert_eq!(
        store.prune_outbox(at(12, 0, 0), 100).await.unwrap(),
        0,
        "nothing that old"
    );
    let pruned = store.prune_outbox(at(20, 0, 0), 100).await.unwrap();
    assert_eq!(pruned as usize, 1 + usize::from(seqs.len() > 2), "the delivered events");
    let left: Vec<i64> = store
        .outbox_events(0, 100)
        .await
        .unwrap()
        .iter()
        .map(|event| event.seq)
        .collect();
    assert!(!left.contains(&seqs[0]) && left.contains(&seqs[1]), "{left:?}");
    assert_eq!(left.len(), seqs.len() - pruned as usize);
    let log = store.delivery_attempts("sub-all", 100).await.unwrap();
    assert!(log.iter().all(|a| a.outbox_seq != seqs[0]));
    assert!(log.iter().any(|a| a.outbox_seq == seqs[1]));
    assert_eq!(store.prune_outbox(at(20, 0, 0), 100).await.unwrap(), 0, "pruning twice");
}

async fn concurrent_dispatchers_never_claim_the_same_delivery(fixture: &Fixture) {
    let store = fixture.store();
    store
        .create_subscription(&subscription("sub-wj", "WJ", &[]), b"k", None)
        .await
        .unwrap();
    let cases: Vec<String> = (0..30).map(|n| format!("YJS20260212{:06}", 100 + n)).collect();
    for id in &cases {
        let created = new_case(id, "applicant-1", at(12, 1, 30));
        store.insert_case(&created.case, &created.events, None).await.unwrap();
    }
    let nodes = [fixture.store(), fixture.another_node().await];
    let now = at(12, 4, 0);
    let dispatchers: Vec<_> = (0..4)
        .map(|n| {
            let node = nodes[n % 2].clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                for round in 0.. {
                    let token = format!("node{n}-{round}");
                    let claim = store::Claim {
                        limit: 3,
                        ..claim(&token, now)
                    };
                    let claimed = node.claim_deliveries(&claim).await.unwrap();
                    if claimed.is_empty() {
                        break;
                    }
                    for delivery in claimed {
                        assert!(
                            node.finish_delivery(
                                &delivery,
                                &token,
                                &store::DeliveryOutcome::Delivered,
                                now,
                                Some(200),
                                1,
                                None
                            )
                            .await
                            .unwrap()
                        );
                        mine.push(delivery.outbox_seq);
                    }
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for dispatcher in dispatchers {
        all.extend(dispatcher.await.unwrap());
    }
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "a delivery was claimed twice");
    assert_eq!(all.len(), cases.len(), "every delivery was sent");
    assert_eq!(
        fixture.scalar("SELECT COUNT(*) FROM webhook_attempts").await,
        cases.len() as i64
    );
}

// ------------------------------------------------------------------ benefit findings

fn finding(id: &str, period: &str, subject: &str, amount_fen: i64) -> store::Finding {
    store::Finding {
        id: id.into(),
        policy: "childcare_subsidy".into(),
        period: period.into(),
        subject: subject.into(),
        subject_name: "王小宝".into(),
        recipient: format!("person:M{subject}"),
        amount_fen,
        reasons: "[]".into(),
        state: "granted".into(),
        state_reason: None,
        found_at: at(12, 0, 0),
        updated_at: at(12, 0, 0),
        change_note: None,
    }
}

fn query(period: Option<&str>, limit: i64) -> store::FindingQuery {
    store::FindingQuery {
        policy: "childcare_subsidy".into(),
        period: period.map(str::to_owned),
        limit,
        ..store::FindingQuery::default()
    }
}

async fn state_of(store: &dyn Store, id: &str) -> String {
    store.finding(id).await.unwrap().unwrap().state
}

/// A run's findings announce themselves to the policy's department only; the list
/// pages by keyset with its totals from SQL; a batch confirmation is all or nothing,
/// one ledger entry per finding, and harmless to repeat; a re-run does not touch a
/// confirmed finding.
async fn benefit_findings_route_page_and_confirm(fixture: &Fixture) {
    let store = fixture.store();
    for (id, department) in [("sub-wj", "WJ"), ("sub-rs", "RS")] {
        assert!(
            store
                .create_subscription(&subscription(id, department, &[]), b"k", None)
                .await
                .unwrap()
        );
    }
    // Ids in an order unlike the subjects': the list runs by period, then id.
    let first = [
        finding("BF0000000000000003", "2026", "S1", 300_000),
        finding("BF0000000000000001", "2026", "S2", 200_000),
        finding("BF0000000000000002", "2026", "S3", 100_000),
    ];
    store.put_findings("WJ", &first, &[], &[], &[]).await.unwrap();
    let events = store.outbox_events(0, 100).await.unwrap();
    assert_eq!(events.len(), 3);
    for event in &events {
        assert_eq!(event.event_type, "benefit.found");
        assert_eq!(event.department.as_deref(), Some("WJ"));
        let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap();
        assert_eq!(payload["data"]["department"], "WJ");
        assert!(!event.payload.contains("S1") && !event.payload.contains("王小宝"));
    }
    assert_eq!(
        fixture
            .scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE subscription_id = 'sub-wj'")
            .await,
        3
    );
    assert_eq!(
        fixture
            .scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE subscription_id = 'sub-rs'")
            .await,
        0,
        "another department's subscription receives nothing"
    );

    let second = [
        finding("BF0000000000000005", "2025", "S1", 50_000),
        finding("BF0000000000000004", "2025", "S4", 60_000),
        finding("BF000000000000000A", "2026", "S5", 70_000),
        finding("BF0000000000000006", "2026", "S6", 80_000),
    ];
    store.put_findings("WJ", &second, &[], &[], &[]).await.unwrap();
    let person = subject_access(at(12, 5, 0), "benefit_declined", "person:MS2");
    assert!(
        store
            .change_finding_state(
                "BF0000000000000001",
                "granted",
                "declined",
                Some("不需要"),
                at(12, 5, 0),
                &person
            )
            .await
            .unwrap()
    );
    let person = subject_access(at(12, 6, 0), "benefit_objected", "person:MS6");
    assert!(
        store
            .change_finding_state(
                "BF0000000000000006",
                "granted",
                "objected",
                Some("金额不对"),
                at(12, 6, 0),
                &person
            )
            .await
            .unwrap()
    );

    // Pages of two, walked by keyset: every finding once, in order.
    let mut walked = Vec::new();
    let mut page = query(None, 2);
    loop {
        let rows = store.findings_page(&page).await.unwrap();
        walked.extend(rows.iter().map(|f| f.id.clone()));
        match rows.last() {
            Some(last) if rows.len() == 2 => page.after = Some((last.period.clone(), last.id.clone())),
            _ => break,
        }
    }
    assert_eq!(
        walked,
        [
            "BF0000000000000001",
            "BF0000000000000002",
            "BF0000000000000003",
            "BF0000000000000006",
            "BF000000000000000A",
            "BF0000000000000004",
            "BF0000000000000005",
        ]
    );
    // Totals by SQL: all 7; the declined one's amount not counted.
    let totals = store.findings_totals(&query(None, 2)).await.unwrap();
    assert_eq!(
        totals,
        store::FindingTotals {
            count: 7,
            amount_fen: 300_000 + 100_000 + 50_000 + 60_000 + 70_000 + 80_000,
            declined: 1,
            objected: 1,
            confirmed: 0,
        }
    );
    let in_2025 = store.findings_totals(&query(Some("2025"), 2)).await.unwrap();
    assert_eq!((in_2025.count, in_2025.amount_fen), (2, 110_000));
    let granted_2026 = store::FindingQuery {
        state: Some("granted".into()),
        ..query(Some("2026"), 50)
    };
    let ids: Vec<String> = store
        .findings_page(&granted_2026)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(ids, ["BF0000000000000002", "BF0000000000000003", "BF000000000000000A"]);
    // A search by ID number finds the subject's and the recipient's findings.
    let by_subject = store::FindingQuery {
        subject: Some("S1".into()),
        ..query(None, 50)
    };
    assert_eq!(store.findings_page(&by_subject).await.unwrap().len(), 2);
    let by_recipient = store::FindingQuery {
        subject: Some("MS4".into()),
        ..query(None, 50)
    };
    let found = store.findings_page(&by_recipient).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, "BF0000000000000004");
    let by_id = store::FindingQuery {
        id: Some("BF0000000000000004".into()),
        ..query(None, 50)
    };
    assert_eq!(store.findings_totals(&by_id).await.unwrap().count, 1);
    let other_policy = store::FindingQuery {
        policy: "elderly_allowance".into(),
        ..query(None, 50)
    };
    assert!(store.findings_page(&other_policy).await.unwrap().is_empty());

    // A batch with a declined and an objected finding is refused whole.
    let confirmation = |id: &str| store::FindingConfirmation {
        id: id.into(),
        record: subject_access(at(13, 9, 0), "benefit_confirmed", "person:M"),
    };
    let entries = fixture.ledger_entries().await;
    let refused = store
        .confirm_findings(
            "WJ",
            "childcare_subsidy",
            &[
                confirmation("BF0000000000000002"),
                confirmation("BF0000000000000001"),
                confirmation("BF0000000000000006"),
            ],
            "已确认发放",
            at(13, 9, 0),
        )
        .await
        .unwrap();
    assert_eq!(
        refused,
        store::Confirmed::Refused {
            blocked: vec![
                ("BF0000000000000001".into(), "declined".into()),
                ("BF0000000000000006".into(), "objected".into())
            ],
            missing: vec![],
        }
    );
    assert_eq!(
        state_of(&*store, "BF0000000000000002").await,
        "granted",
        "nothing changed"
    );
    assert_eq!(fixture.ledger_entries().await, entries);
    // Another policy's finding is not this policy's to confirm.
    let missing = store
        .confirm_findings(
            "MZ",
            "elderly_allowance",
            &[confirmation("BF0000000000000002")],
            "x",
            at(13, 9, 0),
        )
        .await
        .unwrap();
    assert_eq!(
        missing,
        store::Confirmed::Refused {
            blocked: vec![],
            missing: vec!["BF0000000000000002".into()],
        }
    );

    // Granted ones are confirmed, each with its entry; a retry changes nothing.
    let batch = [confirmation("BF0000000000000002"), confirmation("BF0000000000000003")];
    let done = store
        .confirm_findings("WJ", "childcare_subsidy", &batch, "已确认发放", at(13, 9, 0))
        .await
        .unwrap();
    assert_eq!(
        done,
        store::Confirmed::Done {
            confirmed: vec!["BF0000000000000002".into(), "BF0000000000000003".into()],
            already: vec![],
        }
    );
    assert_eq!(fixture.ledger_entries().await, entries + 2);
    // One benefit.confirmed for 卫健 with both ids and the period, nobody's name.
    let confirmed_events: Vec<_> = store
        .outbox_events(0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|event| event.event_type == "benefit.confirmed")
        .collect();
    assert_eq!(confirmed_events.len(), 1);
    assert_eq!(confirmed_events[0].department.as_deref(), Some("WJ"));
    let payload: serde_json::Value = serde_json::from_str(&confirmed_events[0].payload).unwrap();
    assert_eq!(
        payload["data"]["finding_ids"],
        serde_json::json!(["BF0000000000000002", "BF0000000000000003"])
    );
    assert_eq!(payload["data"]["period"], "2026");
    assert!(!confirmed_events[0].payload.contains("S2") && !confirmed_events[0].payload.contains("王小宝"));
    assert_eq!(
        fixture
            .scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE subscription_id = 'sub-rs'")
            .await,
        0,
        "another department's subscription receives nothing"
    );
    let stored = store.finding("BF0000000000000002").await.unwrap().unwrap();
    assert_eq!(
        (stored.state.as_str(), stored.state_reason.as_deref()),
        ("confirmed", Some("已确认发放"))
    );
    let again = store
        .confirm_findings("WJ", "childcare_subsidy", &batch, "已确认发放", at(13, 9, 1))
        .await
        .unwrap();
    assert_eq!(
        again,
        store::Confirmed::Done {
            confirmed: vec![],
            already: vec!["BF0000000000000002".into(), "BF0000000000000003".into()],
        }
    );
    assert_eq!(fixture.ledger_entries().await, entries + 2);
    assert_eq!(store.findings_totals(&query(None, 2)).await.unwrap().confirmed, 2);

    // A re-run with other amounts updates a granted finding, never a confirmed one,
    // and announces nothing already known.
    let rerun = [
        finding("BF00000000000000F2", "2026", "S3", 999),
        store::Finding {
            change_note: Some("金额由 700.00 元变为 7.77 元".into()),
            ..finding("BF00000000000000FA", "2026", "S5", 777)
        },
    ];
    store.put_findings("WJ", &rerun, &[], &[], &[]).await.unwrap();
    assert_eq!(
        store.finding("BF0000000000000002").await.unwrap().unwrap().amount_fen,
        100_000
    );
    let changed = store.finding("BF000000000000000A").await.unwrap().unwrap();
    assert_eq!(
        (changed.amount_fen, changed.change_note.as_deref()),
        (777, Some("金额由 700.00 元变为 7.77 元"))
    );
    assert_eq!(fixture.count("outbox").await, 8);
}

fn job(id: &str, node: &str, lease_until: DateTime<Utc>) -> store::ConfirmJob {
    store::ConfirmJob {
        id: id.into(),
        policy: "childcare_subsidy".into(),
        period: "2026".into(),
        state: "running".into(),
        started_by: "staff-wj".into(),
        started_by_name: "卫健".into(),
        started_at: at(14, 0, 0),
        finished_at: None,
        total: 3,
        confirmed: 0,
        amount_fen: 0,
        reason: "已确认发放".into(),
        error: None,
        lease_owner: Some(node.into()),
        lease_until,
    }
}

/// A period's confirmation job: one running per policy and period; each batch under
/// the job's lease confirms what is still granted with one entry each, one
/// benefit.confirmed for the department and the progress, in one transaction; a node
/// that lost the lease writes nothing; a stalled job is taken over once. An objection
/// notes the state it interrupted, and its answer moves the finding on with the reply
/// and the message in one transaction.
async fn confirmation_jobs_and_objections(fixture: &Fixture) {
    let store = fixture.store();
    assert!(
        store
            .create_subscription(&subscription("sub-wj", "WJ", &[]), b"k", None)
            .await
            .unwrap()
    );
    let findings = [
        finding("BF0000000000000001", "2026", "S1", 100_000),
        finding("BF0000000000000002", "2026", "S2", 200_000),
        finding("BF0000000000000003", "2026", "S3", 300_000),
    ];
    store.put_findings("WJ", &findings, &[], &[], &[]).await.unwrap();
    let entries = fixture.ledger_entries().await;
    let start = subject_access(at(14, 0, 0), "benefit_confirm_job_started", "person:M");
    assert_eq!(
        store
            .start_confirm_job(&job("CJ1", "node-a", at(14, 2, 0)), &start)
            .await
            .unwrap(),
        None
    );
    assert_eq!(fixture.ledger_entries().await, entries + 1);
    // A second job for the same period: refused, the running one named.
    let running = store
        .start_confirm_job(&job("CJ2", "node-b", at(14, 2, 0)), &start)
        .await
        .unwrap()
        .expect("one job per policy and period");
    assert_eq!(running.id, "CJ1");
    assert!(store.confirm_job("CJ2").await.unwrap().is_none());
    assert_eq!(fixture.ledger_entries().await, entries + 1);

    // The person objects to one before the batch: it is left out, and the objection
    // remembers it was granted.
    let person = subject_access(at(14, 0, 30), "benefit_objected", "person:MS2");
    assert!(
        store
            .change_finding_state(
                "BF0000000000000002",
                "granted",
                "objected",
                Some("金额不对"),
                at(14, 0, 30),
                &person
            )
            .await
            .unwrap()
    );
    let objection = store.open_objection("BF0000000000000002").await.unwrap().unwrap();
    assert_eq!(
        (objection.objected_from.as_str(), objection.reason.as_str()),
        ("granted", "金额不对")
    );
    let confirmations: Vec<store::FindingConfirmation> = findings
        .iter()
        .map(|f| store::FindingConfirmation {
            id: f.id.clone(),
            record: subject_access(at(14, 1, 0), "benefit_confirmed", &f.recipient),
        })
        .collect();
    let batch = |node: &'static str| store::ConfirmBatch {
        job: "CJ1",
        node,
        department: "WJ",
        policy: "childcare_subsidy",
        period: "2026",
        findings: &confirmations,
        reason: "已确认发放",
        at: at(14, 1, 0),
        lease_until: at(14, 3, 0),
    };
    let before = fixture.ledger_entries().await;
    assert_eq!(
        store.confirm_job_batch(&batch("node-b")).await.unwrap(),
        None,
        "a node without the lease writes nothing"
    );
    assert_eq!(state_of(&*store, "BF0000000000000001").await, "granted");
    let done = store.confirm_job_batch(&batch("node-a")).await.unwrap().unwrap();
    assert_eq!(
        done,
        store::BatchConfirmed {
            confirmed: vec!["BF0000000000000001".into(), "BF0000000000000003".into()],
            amount_fen: 400_000,
        }
    );
    assert_eq!(fixture.ledger_entries().await, before + 2);
    let progress = store.confirm_job("CJ1").await.unwrap().unwrap();
    assert_eq!((progress.confirmed, progress.amount_fen), (2, 400_000));
    assert_eq!(progress.lease_until, at(14, 3, 0));
    let events: Vec<_> = store
        .outbox_events(0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "benefit.confirmed")
        .collect();
    assert_eq!(events.len(), 1);
    let payload: serde_json::Value = serde_json::from_str(&events[0].payload).unwrap();
    assert_eq!(payload["data"]["confirm_job"], "CJ1");
    assert_eq!(payload["data"]["department"], "WJ");
    assert!(!events[0].payload.contains("MS1"));
    // Again: nothing is confirmed twice.
    let again = store.confirm_job_batch(&batch("node-a")).await.unwrap().unwrap();
    assert!(again.confirmed.is_empty());
    assert_eq!(fixture.ledger_entries().await, before + 2);

    // Stalled (its lease ran out): taken over once.
    assert!(store.stalled_confirm_jobs(at(14, 2, 0)).await.unwrap().is_empty());
    let stalled = store.stalled_confirm_jobs(at(14, 4, 0)).await.unwrap();
    assert_eq!(stalled.len(), 1);
    assert!(
        store
            .claim_confirm_job("CJ1", "node-b", at(14, 4, 0), at(14, 6, 0))
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_confirm_job("CJ1", "node-c", at(14, 4, 0), at(14, 6, 0))
            .await
            .unwrap()
    );
    let finish = subject_access(at(14, 5, 0), "benefit_confirm_job_finished", "person:M");
    assert!(
        !store
            .finish_confirm_job("CJ1", "node-a", "succeeded", None, at(14, 5, 0), &finish)
            .await
            .unwrap(),
        "the node that lost it cannot finish it"
    );
    assert!(
        store
            .finish_confirm_job("CJ1", "node-b", "succeeded", None, at(14, 5, 0), &finish)
            .await
            .unwrap()
    );
    let finished = store.confirm_job("CJ1").await.unwrap().unwrap();
    assert_eq!(
        (finished.state.as_str(), finished.finished_at),
        ("succeeded", Some(at(14, 5, 0)))
    );
    // Finished: a new job for the period may start.
    assert_eq!(
        store
            .start_confirm_job(&job("CJ3", "node-a", at(14, 8, 0)), &start)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.confirm_jobs("childcare_subsidy", 10).await.unwrap().len(), 2);

    // The objection answered (更正 with a new amount): granted again, with the reply.
    let answer = store::ObjectionAnswer {
        finding: "BF0000000000000002".into(),
        to: "granted".into(),
        decision: "corrected".into(),
        reply: "已按实际月数更正".into(),
        state_reason: "部门复核（更正）：已按实际月数更正".into(),
        amount_fen: Some(150_000),
        resolved_by: "staff-wj".into(),
        at: at(14, 9, 0),
        record: subject_access(at(14, 9, 0), "benefit_objection_answered", "person:MS2"),
        notice: store::NewNotification {
            recipient: "person:MS2".into(),
            kind: "benefit_objection_answered".into(),
            case_id: None,
            item: None,
            title: "异议已答复".into(),
            body: "已按实际月数更正".into(),
            created_at: at(14, 9, 0),
        },
    };
    let before = fixture.ledger_entries().await;
    assert!(store.answer_objection(&answer).await.unwrap());
    assert!(!store.answer_objection(&answer).await.unwrap(), "answered once");
    assert_eq!(fixture.ledger_entries().await, before + 1);
    let corrected = store.finding("BF0000000000000002").await.unwrap().unwrap();
    assert_eq!((corrected.state.as_str(), corrected.amount_fen), ("granted", 150_000));
    assert!(store.open_objection("BF0000000000000002").await.unwrap().is_none());
    assert_eq!(
        store
            .notifications_for(&["person:MS2".to_owned()], 10)
            .await
            .unwrap()
            .len(),
        1
    );
}
