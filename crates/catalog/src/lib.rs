//! The catalog: departments, data elements (数据元), certificate types, materials,
//! items (事项) and one-things (一件事), loaded from text and checked as a whole,
//! plus the plan (一次告知) computed from a one-thing and an applicant's answers.
//!
//! This crate does no IO. Callers hand it file names and texts
//! ([`Catalog::load`]) and a start date ([`plan::compute_plan`]); everything it
//! returns is plain data that the HTTP and storage edges can serialize.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod condition;
pub mod example;
pub mod group;
pub mod lexicon;
mod load;
pub mod model;
pub mod plan;
pub mod policy;
pub mod problem;
pub mod value;

pub use condition::Condition;
pub use group::{GroupPlan, group_plan};
pub use load::{SourceFile, claimed_days};
pub use model::*;
pub use plan::{Answers, Holdings, Plan, PlanError, SharedConsent, compute_plan};
pub use policy::{Policy, PolicyMode, PolicyTarget};
pub use problem::{Problem, Problems};
pub use value::FieldError;
