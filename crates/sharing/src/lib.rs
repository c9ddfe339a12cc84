#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Shared data (共享数据): the registry of shared data sources (`catalog/sources.toml`),
//! the declarative mapping of a department's own HTTP service onto a source, the roles
//! a form's data elements refer to and the prefill they allow, usable-but-not-visible
//! predicates (可用不可见), and a deterministic synthetic population for the demo and
//! load tests.
//!
//! The library is pure: no clock, no network, no file access. Callers pass file text,
//! today's date, parsed JSON and writers.

mod mapping;
mod predicate;
mod prefill;
mod registry;
mod synth;

pub use mapping::{FieldMap, Format, HttpMapping, MappingError, SUBJECT_PLACEHOLDER, StatusCheck};
pub use predicate::{MAX_PREDICATE_CHARS, Predicate, PredicateError, full_years, predicate_variables};
pub use prefill::{
    ACCOUNT_SOURCE, Fetch, PrefillPlan, Prefilled, Role, SPOUSE_ATTRIBUTE, binding, parents, plan_prefill,
    prefill_values,
};
pub use registry::{AGE, LoadError, Registry, Source, SubjectKind};
pub use synth::{
    DATA_AS_OF, DEMO_ENTERPRISE_USCC, DEMO_LISI_ID, DEMO_LIUQIANG_ID, DEMO_MARRIAGE_CERT_NO, DEMO_WANGFANG_ID,
    DEMO_ZHANGSAN_ID, Generator, Record, demo_people, sources, write_jsonl,
};
