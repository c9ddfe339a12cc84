//! The application layer: each use case written once, for both front doors (the
//! JSON API and the pages). A use case takes the caller and typed input, decides
//! access, validates, commits and notifies; the front doors only parse requests and
//! render what it returns.
//!
//! This is the first step of moving the use cases out of the handlers (issue 14):
//! submitting an application and answering a supplement live here; the others
//! still live in their handlers.

pub mod files;
pub mod submit;
pub mod supplement;

pub use submit::{Submission, SubmitError, Submitted, WalkIn};
