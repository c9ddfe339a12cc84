//! Events for department systems and subscribers, pure: no IO, no clock, no
//! randomness (time and jitter are arguments).
//!
//! - [`events`]: the event types, their payload (ids and what changed, never a name
//!   or an ID number) and how the case engine's events become outbox events.
//! - [`signature`]: the Standard Webhooks headers — `v1` (HMAC-SHA256 with a
//!   `whsec_` secret) and `v1a` (Ed25519, for receivers that hold no secret).
//! - [`schedule`]: when a failed delivery is tried again, and when it is given up.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod events;
pub mod schedule;
pub mod signature;

pub use events::{EventData, EventType, OutboxEvent, Payload};
pub use schedule::{MAX_ATTEMPTS, next_attempt};
pub use signature::{Ed25519Signer, Secret, SignatureError};
