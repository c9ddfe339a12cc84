//! Events for department systems: the administrator's webhook subscriptions (create,
//! list, disable, enable again), the delivery log, the dead letters and their replay, and the
//! dispatcher that sends due deliveries — signed webhooks (Standard Webhooks) and,
//! when configured, NATS JetStream messages.
//!
//! The events themselves are written by the store in the transaction of the change
//! they report (the outbox, `store::outbox`); this module only moves them on. Every
//! administrator's action is an access entry (and so a ledger entry) in the
//! transaction of the change.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::{Account, Role};
use rand::Rng as _;
use store::{ClaimedDelivery, DeadLetter, DeliveryAttempt, DeliveryOutcome, StoreError, SubjectAccess, Subscription};
use webhooks::{Ed25519Signer, EventType, Secret};

/// What the front doors render (the store stays behind this crate).
pub use store::{DeadLetter as DeadLetterView, DeliveryAttempt as AttemptView, Subscription as SubscriptionView};

use crate::error::ApiError;
use crate::{AppError, AppState};

/// How long a dispatcher holds a claimed delivery, and how long a department's
/// endpoint has to answer.
///
/// The lease is at least twice the request timeout, so that an attempt is recorded
/// while its claim still holds and no other dispatcher sends the delivery meanwhile.
/// After a crash the lease is what a delivery in flight waits before another node, or
/// the same one restarted, sends it again (with the same `webhook-id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryTiming {
    lease: Duration,
    request_timeout: Duration,
}

impl DeliveryTiming {
    /// A minute's lease; ten seconds to answer.
    pub const DEFAULT: Self = Self {
        lease: Duration::from_secs(60),
        request_timeout: Duration::from_secs(10),
    };

    /// `None` unless the timeout is at least a second and the lease at least twice it.
    pub fn new(lease: Duration, request_timeout: Duration) -> Option<Self> {
        (request_timeout >= Duration::from_secs(1) && lease >= request_timeout * 2)
            .then_some(Self { lease, request_timeout })
    }

    pub fn lease(&self) -> Duration {
        self.lease
    }

    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }
}

impl Default for DeliveryTiming {
    fn default() -> Self {
        Self::DEFAULT
    }
}
/// Deliveries claimed at once (each the earliest pending of its case).
const CLAIM_BATCH: i64 = 32;
/// What a log entry keeps of an error.
const ERROR_CHARS: usize = 300;
/// The NATS publisher's subscription row.
pub const NATS_SUBSCRIPTION: &str = "nats";

/// A subscription an administrator asks for.
#[derive(Clone, Debug)]
pub struct NewSubscription {
    pub department: String,
    /// Event type names; empty for every type.
    pub event_types: Vec<String>,
    pub url: String,
    /// `v1` (HMAC-SHA256, a shared secret) or `v1a` (Ed25519, a public key).
    pub scheme: String,
}

/// A stored subscription and what the receiver needs, shown this once.
#[derive(Clone, Debug)]
pub struct Created {
    pub subscription: Subscription,
    /// For `v1`: the `whsec_…` secret. Never shown again.
    pub secret: Option<String>,
}

fn admin_only(caller: &Account) -> Result<(), ApiError> {
    if caller.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("只有管理员可以管理事件推送"))
    }
}

fn record(state: &AppState, caller: &Account, action: &str, purpose: String) -> SubjectAccess {
    SubjectAccess {
        entry: crate::access_entry(state, Some(caller), action, None, String::new(), purpose),
        subject: None,
        legal_basis: store::legal_basis(caller.role).to_owned(),
    }
}

fn key_id(subscription_id: &str) -> String {
    format!("webhook:{subscription_id}")
}

/// Creates a subscription: checks the department, the event types, the URL and the
/// scheme (every problem named, nothing stored), draws its secret or key, stores it
/// sealed with the administrator's entry.
pub async fn create(state: &AppState, caller: &Account, input: NewSubscription) -> Result<Created, AppError> {
    admin_only(caller)?;
    let department = input.department.trim().to_owned();
    if !state.catalog.departments.contains_key(&department) {
        return Err(
            ApiError::new("E_DEPARTMENT_NOT_FOUND", format!("没有部门“{department}”"))
                .field("department")
                .into(),
        );
    }
    let mut event_types = Vec::new();
    for name in &input.event_types {
        let Some(event_type) = EventType::parse(name.trim()) else {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            return Err(ApiError::new(
                "E_WEBHOOK_EVENT_UNKNOWN",
                format!("没有事件类型“{name}”；可选：{}", known.join("、")),
            )
            .field("event_types")
            .into());
        };
        if !event_types.contains(&event_type.as_str().to_owned()) {
            event_types.push(event_type.as_str().to_owned());
        }
    }
    let url = input.url.trim();
    let valid_url = reqwest::Url::parse(url)
        .ok()
        .filter(|parsed| matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some());
    if valid_url.is_none() || url.len() > 2000 {
        return Err(ApiError::new(
            "E_WEBHOOK_URL_INVALID",
            "推送地址必须是以 http:// 或 https:// 开头的完整网址",
        )
        .field("url")
        .into());
    }
    let id = format!("WH{}", hex::encode_upper(rand::thread_rng().r#gen::<[u8; 8]>()));
    let (stored_secret, shown_secret, public_key) = match input.scheme.trim() {
        "v1" => {
            let secret = Secret::from_bytes(rand::thread_rng().r#gen::<[u8; 32]>().to_vec());
            (secret.as_bytes().to_vec(), Some(secret.to_text()), None)
        }
        "v1a" => {
            let seed: [u8; 32] = rand::thread_rng().r#gen();
            let signer = Ed25519Signer::from_seed(seed);
            (seed.to_vec(), None, Some(signer.public_key_text()))
        }
        _ => {
            return Err(ApiError::new(
                "E_WEBHOOK_SCHEME_INVALID",
                "签名方式只能是 v1（HMAC-SHA256 共享密钥）或 v1a（Ed25519 公钥验签）",
            )
            .field("scheme")
            .into());
        }
    };
    let sealed = match &state.key_wrap {
        Some(wrap) => wrap.seal(&key_id(&id), &department, &stored_secret),
        None => stored_secret,
    };
    let subscription = Subscription {
        id: id.clone(),
        department: department.clone(),
        event_types,
        kind: "webhook".to_owned(),
        url: url.to_owned(),
        scheme: input.scheme.trim().to_owned(),
        public_key,
        enabled: true,
        disabled_reason: None,
        created_at: state.now(),
        created_by: caller.id.clone(),
    };
    let entry = record(
        state,
        caller,
        "webhook_subscription_create",
        format!("创建事件推送订阅 {id}（{department} → {url}）"),
    );
    if !state
        .store
        .create_subscription(&subscription, &sealed, Some(&entry))
        .await?
    {
        return Err(ApiError::internal(format!("subscription id {id} drawn twice")).into());
    }
    Ok(Created {
        subscription,
        secret: shown_secret,
    })
}

pub async fn list(state: &AppState, caller: &Account) -> Result<Vec<Subscription>, AppError> {
    admin_only(caller)?;
    Ok(state.store.subscriptions().await?)
}

async fn existing(state: &AppState, id: &str) -> Result<Subscription, AppError> {
    state
        .store
        .subscription(id)
        .await?
        .ok_or_else(|| ApiError::new("E_WEBHOOK_NOT_FOUND", format!("没有订阅“{id}”")).into())
}

/// Stops a subscription: no new deliveries, none of its pending ones sent.
pub async fn disable(state: &AppState, caller: &Account, id: &str) -> Result<Subscription, AppError> {
    admin_only(caller)?;
    existing(state, id).await?;
    let entry = record(
        state,
        caller,
        "webhook_subscription_disable",
        format!("停用事件推送订阅 {id}"),
    );
    let reason = format!("管理员 {} 停用", caller.username);
    if !state.store.disable_subscription(id, &reason, Some(&entry)).await? {
        return Err(ApiError::new("E_WEBHOOK_DISABLED", "该订阅已经停用").into());
    }
    existing(state, id).await
}

/// Starts a disabled subscription again (stopped by an administrator or by a `410
/// Gone`): its pending deliveries are sent again, from where they stood. Events
/// written while it was disabled were not queued for it and are not sent.
pub async fn enable(state: &AppState, caller: &Account, id: &str) -> Result<Subscription, AppError> {
    admin_only(caller)?;
    existing(state, id).await?;
    let entry = record(
        state,
        caller,
        "webhook_subscription_enable",
        format!("重新启用事件推送订阅 {id}"),
    );
    if !state.store.enable_subscription(id, Some(&entry)).await? {
        return Err(ApiError::new("E_WEBHOOK_ENABLED", "该订阅正在启用，无需重新启用").into());
    }
    existing(state, id).await
}

/// The newest attempts to a subscription: status, latency, response code.
pub async fn attempts(state: &AppState, caller: &Account, id: &str) -> Result<Vec<DeliveryAttempt>, AppError> {
    admin_only(caller)?;
    existing(state, id).await?;
    Ok(state.store.delivery_attempts(id, 200).await?)
}

pub async fn dead_letters(state: &AppState, caller: &Account) -> Result<Vec<DeadLetter>, AppError> {
    admin_only(caller)?;
    Ok(state.store.dead_letters(200).await?)
}

/// Sends a dead letter again, from the first step of the schedule.
pub async fn replay(state: &AppState, caller: &Account, subscription_id: &str, seq: i64) -> Result<(), AppError> {
    admin_only(caller)?;
    let entry = record(
        state,
        caller,
        "webhook_replay",
        format!("重新推送订阅 {subscription_id} 的消息 msg_{seq}"),
    );
    if !state
        .store
        .replay_dead_letter(subscription_id, seq, state.now(), Some(&entry))
        .await?
    {
        return Err(ApiError::new("E_DEAD_LETTER_NOT_FOUND", "没有这条待重新推送的消息").into());
    }
    Ok(())
}

// ------------------------------------------------------------------ NATS

/// Publishes outbox events to NATS JetStream subjects `<prefix>.<department>.<type>`
/// (`all` for events of every department), in a stream it creates if missing.
#[derive(Clone)]
pub struct Nats {
    jetstream: async_nats::jetstream::Context,
    prefix: String,
}

impl Nats {
    /// Connects and makes sure the stream exists.
    pub async fn connect(url: &str, stream: &str, prefix: &str) -> Result<Self, String> {
        let client = async_nats::connect(url)
            .await
            .map_err(|error| format!("NATS {url}: {error}"))?;
        let jetstream = async_nats::jetstream::new(client);
        jetstream
            .get_or_create_stream(async_nats::jetstream::stream::Config {
                name: stream.to_owned(),
                subjects: vec![format!("{prefix}.>")],
                ..Default::default()
            })
            .await
            .map_err(|error| format!("NATS stream {stream}: {error}"))?;
        Ok(Self {
            jetstream,
            prefix: prefix.to_owned(),
        })
    }

    /// The subject of an event.
    pub fn subject(&self, department: Option<&str>, event_type: &str) -> String {
        format!("{}.{}.{event_type}", self.prefix, department.unwrap_or("all"))
    }

    /// Publishes and waits for the stream's acknowledgement. The message id header
    /// lets JetStream drop a duplicate of a redelivery.
    async fn publish(&self, delivery: &ClaimedDelivery) -> Result<(), String> {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", delivery.message_id().as_str());
        let subject = self.subject(delivery.department.as_deref(), &delivery.event_type);
        let ack = self
            .jetstream
            .publish_with_headers(subject, headers, delivery.payload.clone().into())
            .await
            .map_err(|error| error.to_string())?;
        ack.await.map_err(|error| error.to_string())?;
        Ok(())
    }
}

/// Makes sure the NATS publisher has its subscription (every department, every type).
pub async fn ensure_nats_subscription(state: &AppState, stream: &str) -> Result<(), StoreError> {
    let subscription = Subscription {
        id: NATS_SUBSCRIPTION.to_owned(),
        department: "*".to_owned(),
        event_types: Vec::new(),
        kind: "nats".to_owned(),
        url: stream.to_owned(),
        scheme: "v1".to_owned(),
        public_key: None,
        enabled: true,
        disabled_reason: None,
        created_at: state.now(),
        created_by: "system".to_owned(),
    };
    state.store.create_subscription(&subscription, &[], None).await?;
    Ok(())
}

// ------------------------------------------------------------------ dispatcher

/// What one attempt gave.
struct Attempt {
    status: Option<i64>,
    error: Option<String>,
    latency_ms: i64,
}

fn short(error: impl std::fmt::Display) -> String {
    error.to_string().chars().take(ERROR_CHARS).collect()
}

fn secret_of(state: &AppState, delivery: &ClaimedDelivery, department: &str) -> Result<Vec<u8>, String> {
    match &state.key_wrap {
        Some(wrap) if crate::keywrap::is_sealed(&delivery.secret) => wrap
            .open(&key_id(&delivery.subscription_id), department, &delivery.secret)
            .map_err(short),
        _ => Ok(delivery.secret.clone()),
    }
}

/// POSTs a delivery with the Standard Webhooks headers.
async fn post(state: &AppState, delivery: &ClaimedDelivery, department: &str) -> Attempt {
    let started = Instant::now();
    let elapsed = |started: Instant| i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let secret = match secret_of(state, delivery, department) {
        Ok(secret) => secret,
        Err(error) => {
            return Attempt {
                status: None,
                error: Some(error),
                latency_ms: 0,
            };
        }
    };
    let id = delivery.message_id();
    let timestamp = state.now().timestamp();
    let body = delivery.payload.as_bytes();
    let signature = match delivery.scheme.as_str() {
        "v1a" => match <[u8; 32]>::try_from(secret.as_slice()) {
            Ok(seed) => Ed25519Signer::from_seed(seed).sign(&id, timestamp, body),
            Err(_) => {
                return Attempt {
                    status: None,
                    error: Some("stored Ed25519 seed is not 32 bytes".to_owned()),
                    latency_ms: 0,
                };
            }
        },
        _ => Secret::from_bytes(secret).sign(&id, timestamp, body),
    };
    let sent = state
        .http
        .post(&delivery.url)
        .timeout(state.delivery_timing.request_timeout())
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(delivery.payload.clone())
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status();
            Attempt {
                status: Some(i64::from(status.as_u16())),
                error: (!status.is_success()).then(|| format!("HTTP {status}")),
                latency_ms: elapsed(started),
            }
        }
        Err(error) => Attempt {
            status: None,
            error: Some(short(error)),
            latency_ms: elapsed(started),
        },
    }
}

/// What follows from an attempt, by the schedule (`webhooks::schedule`).
fn outcome(delivery: &ClaimedDelivery, attempt: &Attempt, now: DateTime<Utc>, jitter: f64) -> DeliveryOutcome {
    match attempt.status {
        Some(status) if (200..300).contains(&status) => DeliveryOutcome::Delivered,
        Some(410) if delivery.kind == "webhook" => DeliveryOutcome::Gone,
        _ => {
            let this_attempt = u32::try_from(delivery.attempts_this_round + 1).unwrap_or(u32::MAX);
            match webhooks::next_attempt(this_attempt, now, jitter) {
                Some(next) => DeliveryOutcome::Retry(next),
                None => DeliveryOutcome::Dead,
            }
        }
    }
}

async fn deliver(state: Arc<AppState>, nats: Option<Nats>, delivery: ClaimedDelivery, token: String) {
    let attempt = if delivery.kind == "nats" {
        let started = Instant::now();
        let published = match &nats {
            Some(nats) => nats.publish(&delivery).await,
            None => Err("NATS is not configured on this node".to_owned()),
        };
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        match published {
            Ok(()) => Attempt {
                status: Some(200),
                error: None,
                latency_ms,
            },
            Err(error) => Attempt {
                status: None,
                error: Some(short(error)),
                latency_ms,
            },
        }
    } else {
        let department = match state.store.subscription(&delivery.subscription_id).await {
            Ok(Some(subscription)) => subscription.department,
            _ => String::new(),
        };
        post(&state, &delivery, &department).await
    };
    let now = state.now();
    let jitter = rand::thread_rng().gen_range(-1.0..=1.0);
    let outcome = outcome(&delivery, &attempt, now, jitter);
    let finished = state
        .store
        .finish_delivery(
            &delivery,
            &token,
            &outcome,
            now,
            attempt.status,
            attempt.latency_ms,
            attempt.error.as_deref(),
        )
        .await;
    match finished {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            subscription = %delivery.subscription_id,
            seq = delivery.outbox_seq,
            "delivery lease ran out before the attempt was recorded: it will be sent again"
        ),
        Err(error) => tracing::error!(error = %error, "recording a delivery attempt failed"),
    }
}

/// How long an event stays in the outbox once every delivery of it was made (its
/// delivery log goes with it); events still to deliver, dead letters included, stay.
pub const KEEP_DELIVERED_DAYS: i64 = 30;

/// Events removed per watch tick at most, so that pruning a backlog holds the writer
/// only briefly.
const PRUNE_BATCH: i64 = 10_000;

/// Removes the events delivered more than [`KEEP_DELIVERED_DAYS`] ago, with their
/// deliveries and attempts (run by the deadline watch); how many went.
pub async fn prune(state: &AppState, now: DateTime<Utc>) -> Result<u64, StoreError> {
    state
        .store
        .prune_outbox(now - chrono::Duration::days(KEEP_DELIVERED_DAYS), PRUNE_BATCH)
        .await
}

/// Claims the due deliveries once and sends them concurrently (each is the earliest
/// pending one of its case for its subscription, so order holds); how many.
pub async fn dispatch_once(state: &Arc<AppState>, nats: Option<&Nats>) -> Result<usize, StoreError> {
    let token = hex::encode(rand::thread_rng().r#gen::<[u8; 16]>());
    let now = state.now();
    let lease = chrono::Duration::from_std(state.delivery_timing.lease()).unwrap_or(chrono::Duration::MAX);
    let kinds: &[&str] = if nats.is_some() {
        &["webhook", "nats"]
    } else {
        &["webhook"]
    };
    let claimed = state
        .store
        .claim_deliveries(&store::Claim {
            token: &token,
            now,
            lease_until: now + lease,
            limit: CLAIM_BATCH,
            kinds,
        })
        .await?;
    let count = claimed.len();
    let mut sending = tokio::task::JoinSet::new();
    for delivery in claimed {
        sending.spawn(deliver(state.clone(), nats.cloned(), delivery, token.clone()));
    }
    while sending.join_next().await.is_some() {}
    Ok(count)
}

/// The dispatcher loop: sends what is due, and when nothing is, waits `idle`.
pub fn spawn_dispatcher(state: Arc<AppState>, nats: Option<Nats>, idle: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match dispatch_once(&state, nats.as_ref()).await {
                Ok(0) => tokio::time::sleep(idle).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(error = %error, "webhook dispatcher");
                    tokio::time::sleep(idle).await;
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(attempts: i64, round_start: i64, kind: &str) -> ClaimedDelivery {
        ClaimedDelivery {
            subscription_id: "WH1".into(),
            outbox_seq: 7,
            attempts,
            attempts_this_round: attempts - round_start,
            event_type: "task.dispatched".into(),
            department: Some("WJ".into()),
            case_id: None,
            payload: "{}".into(),
            created_at: DateTime::default(),
            kind: kind.into(),
            url: "http://127.0.0.1:9/".into(),
            scheme: "v1".into(),
            secret: Vec::new(),
        }
    }

    fn status(code: Option<i64>) -> Attempt {
        Attempt {
            status: code,
            error: None,
            latency_ms: 1,
        }
    }

    #[test]
    fn outcomes_follow_the_answer_and_the_schedule() {
        let now = DateTime::<Utc>::default();
        assert_eq!(
            outcome(&delivery(0, 0, "webhook"), &status(Some(204)), now, 0.0),
            DeliveryOutcome::Delivered
        );
        assert_eq!(
            outcome(&delivery(0, 0, "webhook"), &status(Some(410)), now, 0.0),
            DeliveryOutcome::Gone
        );
        assert_eq!(
            outcome(&delivery(0, 0, "webhook"), &status(Some(500)), now, 0.0),
            DeliveryOutcome::Retry(now + chrono::Duration::seconds(5))
        );
        assert_eq!(
            outcome(&delivery(1, 0, "webhook"), &status(None), now, 0.0),
            DeliveryOutcome::Retry(now + chrono::Duration::minutes(5))
        );
        assert_eq!(
            outcome(&delivery(9, 0, "webhook"), &status(Some(500)), now, 0.0),
            DeliveryOutcome::Dead
        );
        // After a replay the schedule starts again.
        assert_eq!(
            outcome(&delivery(10, 10, "webhook"), &status(Some(500)), now, 0.0),
            DeliveryOutcome::Retry(now + chrono::Duration::seconds(5))
        );
    }
}
