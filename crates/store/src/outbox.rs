//! The transactional outbox and its deliveries: the [`OutboxStore`] half of the store,
//! implemented for both backends by [`impl_outbox_store!`].
//!
//! Every write that changes something a department system may care about writes its
//! events (`webhooks::OutboxEvent`) to `outbox` with `write_outbox`, inside the
//! write's own transaction, and in the same statement group one delivery per matching
//! enabled subscription. A failing write rolls all of it back: an event exists iff its
//! change committed.
//!
//! Dispatchers claim due deliveries with a lease (`claimed_by`, `claimed_until`): on
//! PostgreSQL with `FOR UPDATE … SKIP LOCKED`, so several nodes never claim the same
//! delivery while its lease runs; on SQLite the single writer does the same. A delivery
//! is claimed only when no earlier delivery of the same case to the same subscription
//! is pending, so each subscriber sees a case's events in order (at least once: a
//! lease that runs out, after a crash, lets another dispatcher send it again).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Result, SubjectAccess};

/// An endpoint that receives events: a department's webhook, or this deployment's
/// NATS publisher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub id: String,
    /// The department whose events it receives; `*` for every department (NATS).
    pub department: String,
    /// The event types it receives (`webhooks::EventType` names); empty for all.
    pub event_types: Vec<String>,
    /// `webhook` or `nats`.
    pub kind: String,
    /// The endpoint (`https://…`) or, for NATS, the stream.
    pub url: String,
    /// `v1` (HMAC-SHA256 with a `whsec_` secret) or `v1a` (Ed25519).
    pub scheme: String,
    /// For `v1a`, the key receivers verify with (`whpk_…`).
    pub public_key: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// A delivery a dispatcher claimed, with what it needs to send it.
#[derive(Clone, Debug)]
pub struct ClaimedDelivery {
    pub subscription_id: String,
    pub outbox_seq: i64,
    /// Attempts made before this one (ever).
    pub attempts: i64,
    /// Attempts made before this one since the last replay (what the schedule counts).
    pub attempts_this_round: i64,
    pub event_type: String,
    pub department: Option<String>,
    pub case_id: Option<String>,
    /// The JSON body (`webhooks::Payload`).
    pub payload: String,
    pub created_at: DateTime<Utc>,
    pub kind: String,
    pub url: String,
    pub scheme: String,
    /// The stored secret (sealed when the deployment has a master key).
    pub secret: Vec<u8>,
}

impl ClaimedDelivery {
    /// The Standard Webhooks message id: the same on every attempt and replay.
    pub fn message_id(&self) -> String {
        format!("msg_{}", self.outbox_seq)
    }
}

/// What became of an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// A 2xx answer: done.
    Delivered,
    /// Failed; try again at this time.
    Retry(DateTime<Utc>),
    /// Failed for the last time: to the dead letters.
    Dead,
    /// The endpoint answered 410 Gone: the subscription is disabled, the delivery
    /// stays pending.
    Gone,
}

/// One attempt, for the delivery log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeliveryAttempt {
    pub subscription_id: String,
    pub outbox_seq: i64,
    /// 1 for the first attempt ever, counting on across replays.
    pub attempt: i64,
    pub at: DateTime<Utc>,
    /// The HTTP status; `None` when there was no answer.
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
}

/// A delivery given up after the last attempt, until replayed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    pub subscription_id: String,
    pub outbox_seq: i64,
    pub event_type: String,
    pub case_id: Option<String>,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// An event as stored in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredOutboxEvent {
    pub seq: i64,
    pub event_type: String,
    pub department: Option<String>,
    pub case_id: Option<String>,
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

/// A dispatcher's claim.
#[derive(Clone, Debug)]
pub struct Claim<'a> {
    /// Unique per claim (drawn at random by the caller): only its holder finishes a delivery.
    pub token: &'a str,
    pub now: DateTime<Utc>,
    /// Until when the claimed deliveries are this dispatcher's.
    pub lease_until: DateTime<Utc>,
    pub limit: i64,
    /// The subscription kinds this dispatcher sends (`webhook`, `nats`).
    pub kinds: &'a [&'a str],
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Stores a subscription with its secret and the administrator's entry (and so
    /// ledger entry), in one transaction; `false` (nothing written) if the id exists.
    async fn create_subscription(
        &self,
        subscription: &Subscription,
        secret: &[u8],
        record: Option<&SubjectAccess>,
    ) -> Result<bool>;
    async fn subscriptions(&self) -> Result<Vec<Subscription>>;
    async fn subscription(&self, id: &str) -> Result<Option<Subscription>>;
    /// Disables a subscription with a reason and the entry that records who did it;
    /// `false` (nothing written) when it is unknown or already disabled.
    async fn disable_subscription(&self, id: &str, reason: &str, record: Option<&SubjectAccess>) -> Result<bool>;
    /// Enables a disabled subscription again (after a `410 Gone` or an administrator's
    /// stop) with the entry that records who did it: its pending deliveries are sent
    /// again; events written while it was disabled have none. `false` (nothing
    /// written) when it is unknown or already enabled.
    async fn enable_subscription(&self, id: &str, record: Option<&SubjectAccess>) -> Result<bool>;
    /// Claims up to `claim.limit` due deliveries ([`Claim`]), each the earliest
    /// pending one of its case for its subscription.
    async fn claim_deliveries(&self, claim: &Claim<'_>) -> Result<Vec<ClaimedDelivery>>;
    /// Records an attempt of a claimed delivery and what follows from it; `false`
    /// (nothing written) when the claim is no longer `token`'s (its lease ran out and
    /// another dispatcher took it).
    #[allow(clippy::too_many_arguments)]
    async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        token: &str,
        outcome: &DeliveryOutcome,
        at: DateTime<Utc>,
        status: Option<i64>,
        latency_ms: i64,
        error: Option<&str>,
    ) -> Result<bool>;
    /// The newest attempts to a subscription, newest first.
    async fn delivery_attempts(&self, subscription_id: &str, limit: i64) -> Result<Vec<DeliveryAttempt>>;
    /// The dead letters, newest first.
    async fn dead_letters(&self, limit: i64) -> Result<Vec<DeadLetter>>;
    /// Puts a dead letter back to be sent now, starting the schedule again, with the
    /// entry that records who did it; `false` (nothing written) when it is not dead.
    async fn replay_dead_letter(
        &self,
        subscription_id: &str,
        outbox_seq: i64,
        now: DateTime<Utc>,
        record: Option<&SubjectAccess>,
    ) -> Result<bool>;
    /// Outbox events after `after_seq`, oldest first.
    async fn outbox_events(&self, after_seq: i64, limit: i64) -> Result<Vec<StoredOutboxEvent>>;
    /// Removes up to `limit` events written before `before` whose every delivery was
    /// made, with those deliveries and their attempts, in one transaction; returns how
    /// many events went. Events with a delivery still pending or dead (a dead letter
    /// waits for its replay) stay, and so do their logs.
    async fn prune_outbox(&self, before: DateTime<Utc>, limit: i64) -> Result<u64>;
    /// How many deliveries are in each state (`pending`, `delivered`, `dead`).
    async fn delivery_counts(&self) -> Result<Vec<(String, i64)>>;
}

/// What a revocation event says about the certificate: its type, issuer, case and item.
pub(crate) const CERTIFICATE_ABOUT: &str =
    "SELECT type_code, issuer_code, case_id, item FROM certificates WHERE id = $1";

/// Which of the given findings were inserted by this write (a re-run keeps the stored id).
pub(crate) fn findings_present(ids: usize) -> String {
    let placeholders: Vec<String> = (1..=ids).map(|n| format!("${n}")).collect();
    format!(
        "SELECT id FROM benefit_findings WHERE id IN ({})",
        placeholders.join(", ")
    )
}

pub(crate) const OUTBOX_INSERT: &str = "INSERT INTO outbox (event_type, department, case_id, payload, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING seq";

/// The deliveries of the outbox events `seq IN (…)`: one per enabled subscription of
/// their department (or of every department) that takes their type.
pub(crate) fn fan_out(events: usize) -> String {
    let placeholders: Vec<String> = (1..=events).map(|n| format!("${n}")).collect();
    format!(
        "INSERT INTO webhook_deliveries (subscription_id, outbox_seq, ordering_key, state, attempts, next_at, updated_at) \
         SELECT s.id, o.seq, o.case_id, 'pending', 0, o.created_at, o.created_at \
         FROM outbox o JOIN webhook_subscriptions s ON s.enabled = 1 \
         AND (s.department = '*' OR o.department IS NULL OR s.department = o.department) \
         AND (s.event_types = '*' OR s.event_types LIKE '%,' || o.event_type || ',%') \
         WHERE o.seq IN ({})",
        placeholders.join(", ")
    )
}

const DUE: &str = "SELECT d.subscription_id, d.outbox_seq FROM webhook_deliveries d \
     JOIN webhook_subscriptions s ON s.id = d.subscription_id \
     WHERE d.state = 'pending' AND d.next_at <= $3 AND (d.claimed_until IS NULL OR d.claimed_until < $3) \
     AND s.enabled = 1 AND (s.kind = $4 OR s.kind = $5) \
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.subscription_id = d.subscription_id \
       AND e.ordering_key = d.ordering_key AND e.state = 'pending' AND e.outbox_seq < d.outbox_seq) \
     ORDER BY d.next_at, d.outbox_seq LIMIT $6";

/// Whether any delivery may be due: read first, so that an idle dispatcher (twice a
/// second on every node) does not take the writer for a claim that finds nothing.
pub(crate) const ANY_DUE: &str = "SELECT EXISTS (SELECT 1 FROM webhook_deliveries \
     WHERE state = 'pending' AND next_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1)) AS due";

/// The oldest events written before `$1` with no delivery left to make (none pending,
/// none dead), at most `$2`.
pub(crate) const PRUNABLE: &str = "SELECT seq FROM outbox o WHERE o.created_at < $1 \
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.outbox_seq = o.seq AND d.state <> 'delivered') \
     ORDER BY o.seq LIMIT $2";

/// Deleting `count` prunable events (bound as `$1…`): their attempts, their (made)
/// deliveries, then the events themselves.
pub(crate) fn prune_statements(count: usize) -> [String; 3] {
    let list = (1..=count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
    [
        format!("DELETE FROM webhook_attempts WHERE outbox_seq IN ({list})"),
        format!("DELETE FROM webhook_deliveries WHERE outbox_seq IN ({list}) AND state = 'delivered'"),
        format!(
            "DELETE FROM outbox WHERE seq IN ({list}) \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.outbox_seq = outbox.seq)"
        ),
    ]
}

/// PostgreSQL: rows another dispatcher is claiming are skipped, not waited for.
pub(crate) fn claim_postgres() -> String {
    format!(
        "UPDATE webhook_deliveries SET claimed_by = $1, claimed_until = $2 \
         WHERE (subscription_id, outbox_seq) IN ({DUE} FOR UPDATE OF d SKIP LOCKED)"
    )
}

/// SQLite: the single writer serializes claims.
pub(crate) fn claim_sqlite() -> String {
    format!(
        "UPDATE webhook_deliveries SET claimed_by = $1, claimed_until = $2 \
         WHERE (subscription_id, outbox_seq) IN ({DUE})"
    )
}

pub(crate) const CLAIMED_SELECT: &str = "SELECT d.subscription_id, d.outbox_seq, d.attempts, d.round_start, \
     o.event_type, o.department, o.case_id, o.payload, o.created_at, s.kind, s.url, s.scheme, s.secret \
     FROM webhook_deliveries d JOIN outbox o ON o.seq = d.outbox_seq \
     JOIN webhook_subscriptions s ON s.id = d.subscription_id \
     WHERE d.claimed_by = $1 AND d.state = 'pending' ORDER BY d.outbox_seq";

pub(crate) const DELIVERY_FINISH: &str = "UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1, \
     next_at = $4, claimed_by = NULL, claimed_until = NULL, last_status = $5, last_error = $6, updated_at = $7 \
     WHERE subscription_id = $1 AND outbox_seq = $2 AND claimed_by = $8";

pub(crate) const ATTEMPT_INSERT: &str = "INSERT INTO webhook_attempts \
     (subscription_id, outbox_seq, attempt, at, status, latency_ms, error) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(crate) const SUBSCRIPTION_COLUMNS: &str = "id, department, event_types, kind, url, scheme, public_key, enabled, \
     disabled_reason, created_at, created_by";

/// `event_types` as stored: `*`, or `,a,b,` so that `LIKE '%,a,%'` finds one.
pub(crate) fn event_types_text(types: &[String]) -> String {
    if types.is_empty() {
        "*".to_owned()
    } else {
        format!(",{},", types.join(","))
    }
}

pub(crate) fn subscription_from_row(row: &impl crate::common::ReadRow) -> Result<Subscription> {
    let types = row.text("event_types")?;
    Ok(Subscription {
        id: row.text("id")?,
        department: row.text("department")?,
        event_types: types
            .split(',')
            .filter(|t| !t.is_empty() && *t != "*")
            .map(str::to_owned)
            .collect(),
        kind: row.text("kind")?,
        url: row.text("url")?,
        scheme: row.text("scheme")?,
        public_key: row.optional_text("public_key")?,
        enabled: row.int("enabled")? == 1,
        disabled_reason: row.optional_text("disabled_reason")?,
        created_at: crate::common::time_from_millis(row.int("created_at")?, "subscription time")?,
        created_by: row.text("created_by")?,
    })
}

pub(crate) fn claimed_from_row(row: &impl crate::common::ReadRow) -> Result<ClaimedDelivery> {
    let attempts = row.int("attempts")?;
    Ok(ClaimedDelivery {
        subscription_id: row.text("subscription_id")?,
        outbox_seq: row.int("outbox_seq")?,
        attempts,
        attempts_this_round: attempts - row.int("round_start")?,
        event_type: row.text("event_type")?,
        department: row.optional_text("department")?,
        case_id: row.optional_text("case_id")?,
        payload: row.text("payload")?,
        created_at: crate::common::time_from_millis(row.int("created_at")?, "outbox time")?,
        kind: row.text("kind")?,
        url: row.text("url")?,
        scheme: row.text("scheme")?,
        secret: row.bytes("secret")?,
    })
}

pub(crate) fn encode_payload(event: &webhooks::OutboxEvent) -> Result<String> {
    serde_json::to_string(&event.payload())
        .map_err(|error| crate::StoreError::Corrupt(format!("outbox payload cannot be serialized: {error}")))
}

/// Implements [`OutboxStore`] for a store type, and `write_outbox`, which every write
/// path calls inside its transaction.
macro_rules! impl_outbox_store {
    ($store:ty, $conn:ty, $claim:expr) => {
        const _: () = {
            use chrono::{DateTime, Utc};

            use $crate::common::{ReadRow as _, millis};
            use $crate::outbox::{self as outbox, ClaimedDelivery, DeliveryOutcome, Subscription};
            use $crate::{Result, SubjectAccess, sql};

            impl $store {
                /// Writes `events` to the outbox with their deliveries, inside the
                /// caller's write transaction.
                pub(crate) async fn write_outbox(
                    &self,
                    conn: &mut $conn,
                    events: &[webhooks::OutboxEvent],
                ) -> Result<()> {
                    for chunk in events.chunks(sql::ROWS_PER_INSERT) {
                        let statement = self.sql_rows(outbox::OUTBOX_INSERT, chunk.len());
                        let mut query = sqlx::query(&statement);
                        for event in chunk {
                            query = query
                                .bind(event.event_type.as_str())
                                .bind(event.department.as_deref())
                                .bind(event.case_id.as_deref())
                                .bind(outbox::encode_payload(event)?)
                                .bind(millis(event.at));
                        }
                        let rows = query.fetch_all(&mut *conn).await?;
                        let statement = self.sql_owned(outbox::fan_out(rows.len()));
                        let mut query = sqlx::query(&statement);
                        for row in &rows {
                            query = query.bind(row.int("seq")?);
                        }
                        query.execute(&mut *conn).await?;
                    }
                    Ok(())
                }

                async fn record_admin(&self, conn: &mut $conn, record: Option<&SubjectAccess>) -> Result<()> {
                    match record {
                        Some(record) => self.write_accesses(conn, std::slice::from_ref(record)).await,
                        None => Ok(()),
                    }
                }
            }

            #[async_trait::async_trait]
            impl $crate::OutboxStore for $store {
                async fn create_subscription(
                    &self,
                    subscription: &Subscription,
                    secret: &[u8],
                    record: Option<&SubjectAccess>,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let statement = self.sql_owned(format!(
                            "INSERT INTO webhook_subscriptions ({}, secret) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING",
                            outbox::SUBSCRIPTION_COLUMNS
                        ));
                        let inserted = sqlx::query(&statement)
                            .bind(&subscription.id)
                            .bind(&subscription.department)
                            .bind(outbox::event_types_text(&subscription.event_types))
                            .bind(&subscription.kind)
                            .bind(&subscription.url)
                            .bind(&subscription.scheme)
                            .bind(subscription.public_key.as_deref())
                            .bind(i64::from(subscription.enabled))
                            .bind(subscription.disabled_reason.as_deref())
                            .bind(millis(subscription.created_at))
                            .bind(&subscription.created_by)
                            .bind(secret)
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected();
                        if inserted == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        self.record_admin(&mut writer.tx, record).await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn subscriptions(&self) -> Result<Vec<Subscription>> {
                    let statement = self.sql_owned(format!(
                        "SELECT {} FROM webhook_subscriptions ORDER BY department, created_at, id",
                        outbox::SUBSCRIPTION_COLUMNS
                    ));
                    sqlx::query(&statement)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(outbox::subscription_from_row)
                        .collect()
                }

                async fn subscription(&self, id: &str) -> Result<Option<Subscription>> {
                    let statement = self.sql_owned(format!(
                        "SELECT {} FROM webhook_subscriptions WHERE id = $1",
                        outbox::SUBSCRIPTION_COLUMNS
                    ));
                    sqlx::query(&statement)
                        .bind(id)
                        .fetch_optional(self.pool())
                        .await?
                        .as_ref()
                        .map(outbox::subscription_from_row)
                        .transpose()
                }

                async fn disable_subscription(
                    &self,
                    id: &str,
                    reason: &str,
                    record: Option<&SubjectAccess>,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let changed = sqlx::query(&self.sql(
                            "UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = $2 \
                             WHERE id = $1 AND enabled = 1",
                        ))
                        .bind(id)
                        .bind(reason)
                        .execute(&mut *writer.tx)
                        .await?
                        .rows_affected();
                        if changed == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        self.record_admin(&mut writer.tx, record).await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn enable_subscription(&self, id: &str, record: Option<&SubjectAccess>) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let changed = sqlx::query(&self.sql(
                            "UPDATE webhook_subscriptions SET enabled = 1, disabled_reason = NULL \
                             WHERE id = $1 AND enabled = 0",
                        ))
                        .bind(id)
                        .execute(&mut *writer.tx)
                        .await?
                        .rows_affected();
                        if changed == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        self.record_admin(&mut writer.tx, record).await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn claim_deliveries(&self, claim: &outbox::Claim<'_>) -> Result<Vec<ClaimedDelivery>> {
                    let kind = |at: usize| claim.kinds.get(at).copied().unwrap_or("");
                    let due = sqlx::query(&self.sql(outbox::ANY_DUE))
                        .bind(millis(claim.now))
                        .fetch_one(self.pool())
                        .await?;
                    if !sqlx::Row::try_get::<bool, _>(&due, "due")? {
                        return Ok(Vec::new());
                    }
                    let claimed = self
                        .grouped(async {
                            let mut writer = self.begin_write().await?;
                            let statement = self.sql_owned($claim);
                            let claimed = sqlx::query(&statement)
                                .bind(claim.token)
                                .bind(millis(claim.lease_until))
                                .bind(millis(claim.now))
                                .bind(kind(0))
                                .bind(kind(1))
                                .bind(claim.limit)
                                .execute(&mut *writer.tx)
                                .await?
                                .rows_affected();
                            writer.commit().await?;
                            Ok(claimed)
                        })
                        .await?;
                    if claimed == 0 {
                        return Ok(Vec::new());
                    }
                    sqlx::query(&self.sql(outbox::CLAIMED_SELECT))
                        .bind(claim.token)
                        .fetch_all(self.pool())
                        .await?
                        .iter()
                        .map(outbox::claimed_from_row)
                        .collect()
                }

                async fn finish_delivery(
                    &self,
                    delivery: &ClaimedDelivery,
                    token: &str,
                    outcome: &DeliveryOutcome,
                    at: DateTime<Utc>,
                    status: Option<i64>,
                    latency_ms: i64,
                    error: Option<&str>,
                ) -> Result<bool> {
                    let (state, next_at) = match outcome {
                        DeliveryOutcome::Delivered => ("delivered", at),
                        DeliveryOutcome::Retry(next) => ("pending", *next),
                        DeliveryOutcome::Dead => ("dead", at),
                        DeliveryOutcome::Gone => ("pending", at),
                    };
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let finished = sqlx::query(&self.sql(outbox::DELIVERY_FINISH))
                            .bind(&delivery.subscription_id)
                            .bind(delivery.outbox_seq)
                            .bind(state)
                            .bind(millis(next_at))
                            .bind(status)
                            .bind(error)
                            .bind(millis(at))
                            .bind(token)
                            .execute(&mut *writer.tx)
                            .await?
                            .rows_affected();
                        if finished == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        sqlx::query(&self.sql(outbox::ATTEMPT_INSERT))
                            .bind(&delivery.subscription_id)
                            .bind(delivery.outbox_seq)
                            .bind(delivery.attempts + 1)
                            .bind(millis(at))
                            .bind(status)
                            .bind(latency_ms)
                            .bind(error)
                            .execute(&mut *writer.tx)
                            .await?;
                        if *outcome == DeliveryOutcome::Gone {
                            sqlx::query(&self.sql(
                                "UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = $2 WHERE id = $1",
                            ))
                            .bind(&delivery.subscription_id)
                            .bind("410 Gone")
                            .execute(&mut *writer.tx)
                            .await?;
                        }
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn delivery_attempts(
                    &self,
                    subscription_id: &str,
                    limit: i64,
                ) -> Result<Vec<outbox::DeliveryAttempt>> {
                    let rows = sqlx::query(&self.sql(
                        "SELECT subscription_id, outbox_seq, attempt, at, status, latency_ms, error \
                         FROM webhook_attempts WHERE subscription_id = $1 \
                         ORDER BY at DESC, outbox_seq DESC, attempt DESC LIMIT $2",
                    ))
                    .bind(subscription_id)
                    .bind(limit)
                    .fetch_all(self.pool())
                    .await?;
                    rows.iter()
                        .map(|row| {
                            Ok(outbox::DeliveryAttempt {
                                subscription_id: row.text("subscription_id")?,
                                outbox_seq: row.int("outbox_seq")?,
                                attempt: row.int("attempt")?,
                                at: $crate::common::time_from_millis(row.int("at")?, "attempt time")?,
                                status: row.optional_int("status")?,
                                latency_ms: row.int("latency_ms")?,
                                error: row.optional_text("error")?,
                            })
                        })
                        .collect()
                }

                async fn dead_letters(&self, limit: i64) -> Result<Vec<outbox::DeadLetter>> {
                    let rows = sqlx::query(&self.sql(
                        "SELECT d.subscription_id, d.outbox_seq, o.event_type, o.case_id, d.attempts, \
                         d.last_status, d.last_error, d.updated_at \
                         FROM webhook_deliveries d JOIN outbox o ON o.seq = d.outbox_seq \
                         WHERE d.state = 'dead' ORDER BY d.updated_at DESC, d.outbox_seq DESC LIMIT $1",
                    ))
                    .bind(limit)
                    .fetch_all(self.pool())
                    .await?;
                    rows.iter()
                        .map(|row| {
                            Ok(outbox::DeadLetter {
                                subscription_id: row.text("subscription_id")?,
                                outbox_seq: row.int("outbox_seq")?,
                                event_type: row.text("event_type")?,
                                case_id: row.optional_text("case_id")?,
                                attempts: row.int("attempts")?,
                                last_status: row.optional_int("last_status")?,
                                last_error: row.optional_text("last_error")?,
                                updated_at: $crate::common::time_from_millis(
                                    row.int("updated_at")?,
                                    "delivery time",
                                )?,
                            })
                        })
                        .collect()
                }

                async fn replay_dead_letter(
                    &self,
                    subscription_id: &str,
                    outbox_seq: i64,
                    now: DateTime<Utc>,
                    record: Option<&SubjectAccess>,
                ) -> Result<bool> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let changed = sqlx::query(&self.sql(
                            "UPDATE webhook_deliveries SET state = 'pending', round_start = attempts, next_at = $3, \
                             claimed_by = NULL, claimed_until = NULL, updated_at = $3 \
                             WHERE subscription_id = $1 AND outbox_seq = $2 AND state = 'dead'",
                        ))
                        .bind(subscription_id)
                        .bind(outbox_seq)
                        .bind(millis(now))
                        .execute(&mut *writer.tx)
                        .await?
                        .rows_affected();
                        if changed == 0 {
                            writer.rollback().await?;
                            return Ok(false);
                        }
                        self.record_admin(&mut writer.tx, record).await?;
                        writer.commit().await?;
                        Ok(true)
                    })
                    .await
                }

                async fn prune_outbox(&self, before: DateTime<Utc>, limit: i64) -> Result<u64> {
                    self.grouped(async {
                        let mut writer = self.begin_write().await?;
                        let seqs: Vec<i64> = sqlx::query(&self.sql(outbox::PRUNABLE))
                            .bind(millis(before))
                            .bind(limit)
                            .fetch_all(&mut *writer.tx)
                            .await?
                            .iter()
                            .map(|row| row.int("seq"))
                            .collect::<Result<_>>()?;
                        if seqs.is_empty() {
                            writer.rollback().await?;
                            return Ok(0);
                        }
                        let mut pruned = 0;
                        for chunk in seqs.chunks(sql::ROWS_PER_INSERT) {
                            // Attempts, deliveries, then the events: the last
                            // statement's count is the events'.
                            let mut deleted = 0;
                            for statement in outbox::prune_statements(chunk.len()) {
                                let statement = self.sql_owned(statement);
                                let mut query = sqlx::query(&statement);
                                for seq in chunk {
                                    query = query.bind(*seq);
                                }
                                deleted = query.execute(&mut *writer.tx).await?.rows_affected();
                            }
                            pruned += deleted;
                        }
                        writer.commit().await?;
                        Ok(pruned)
                    })
                    .await
                }

                async fn outbox_events(&self, after_seq: i64, limit: i64) -> Result<Vec<outbox::StoredOutboxEvent>> {
                    let rows = sqlx::query(&self.sql(
                        "SELECT seq, event_type, department, case_id, payload, created_at FROM outbox \
                         WHERE seq > $1 ORDER BY seq LIMIT $2",
                    ))
                    .bind(after_seq)
                    .bind(limit)
                    .fetch_all(self.pool())
                    .await?;
                    rows.iter()
                        .map(|row| {
                            Ok(outbox::StoredOutboxEvent {
                                seq: row.int("seq")?,
                                event_type: row.text("event_type")?,
                                department: row.optional_text("department")?,
                                case_id: row.optional_text("case_id")?,
                                payload: row.text("payload")?,
                                created_at: $crate::common::time_from_millis(row.int("created_at")?, "outbox time")?,
                            })
                        })
                        .collect()
                }

                async fn delivery_counts(&self) -> Result<Vec<(String, i64)>> {
                    let rows = sqlx::query(&self.sql(
                        "SELECT state, COUNT(*) AS n FROM webhook_deliveries GROUP BY state ORDER BY state",
                    ))
                    .fetch_all(self.pool())
                    .await?;
                    rows.iter().map(|row| Ok((row.text("state")?, row.int("n")?))).collect()
                }
            }
        };
    };
}

pub(crate) use impl_outbox_store;
