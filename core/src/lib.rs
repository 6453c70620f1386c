//! Kenko Techo core: the domain rules, the encrypted local store and its outbox.
//!
//! Everything the apps and the CLI do goes through here; the shells only draw it.

pub mod clock;
pub mod domain;
mod error;
pub mod keys;
pub mod local_time;
pub mod medication_scan;
pub mod photo;
pub mod receipt_photo;
pub mod store;
pub mod sync;

pub use error::{AuthProblem, Error, KeyStoreError, PhotoProblem, Result, SqliteError, ValidationReason};
pub use store::Store;
