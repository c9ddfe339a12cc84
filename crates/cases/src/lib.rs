//! The case engine (办件): one application for one one-thing, split into one task
//! (子件) per applicable item, routed to departments in parallel along the
//! dependency graph.
//!
//! Pure: no IO, no clock. Every operation takes `now` and returns the events it
//! caused; the store writes the new case and its events in one transaction.
//! Every transition is named ([`Transition`]); an illegal one is a typed error and
//! leaves the case unchanged (operations work on a copy and commit it only when
//! everything succeeded).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod deadline;
mod engine;
mod model;
mod reschedule;

pub use deadline::{DeadlineStatus, task_status};
pub use engine::*;
pub use model::*;
pub use reschedule::{DateChange, Rescheduled};
