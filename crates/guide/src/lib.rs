//! Guidance over the catalog: what people type understood (search), their questions
//! answered from the catalog's own data (answers), and a description turned into a
//! proposed application that the applicant confirms (intake).
//!
//! Pure like the catalog: no IO and no clock. The catalog arrives loaded, today
//! arrives as a date, the calendar as a value; `app` holds one [`Guide`] per catalog
//! and is the only caller.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod answer;
pub mod dates;
pub mod eval;
pub mod intake;
pub mod search;
pub mod text;

pub use answer::{Reply, Topic, TopicAnswer};
pub use intake::{Proposal, ProposedAnswer, ProposedField};
pub use search::{ItemHit, OneThingHit, Reason, SearchIndex, SearchResult, Via};
pub use text::QueryError;
