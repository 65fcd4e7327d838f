//! Domain model of Guidang: the vocabulary every other crate speaks.
//!
//! This crate knows nothing of SQLite, files or Tauri. It holds the code
//! domains of the standards (item types, retention, case kinds…), the case
//! metadata as collected, its validation with field-level Chinese messages,
//! the digest algorithms of the two crypto suites, archiving deadlines,
//! operating-system errors in Chinese, and the progress/cancel plumbing that
//! long jobs use.

pub mod codes;
pub mod deadline;
pub mod digest;
pub mod fsutil;
pub mod ids;
pub mod layout;
pub mod medium;
pub mod model;
pub mod oserror;
pub mod pool;
pub mod progress;
pub mod sniff;
pub mod validate;

pub use codes::*;
pub use digest::{DigestAlgo, Hasher};
pub use model::*;
pub use progress::{CancelFlag, NoProgress, Progress};
pub use validate::{FieldError, ValidationErrors};
