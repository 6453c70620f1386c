//! `techo-ffi`: the only crate with UniFFI exports. The iOS and Android shells, and the Kotlin,
//! Swift and Python binding tests, all use bindings generated from this one library.

mod error;
mod facade;
mod keystore;
mod observer;
mod records;
mod runtime;

pub use error::ApiError;
pub use facade::{CoreConfig, SyncTaskHandle, TechoCore, calendar_day_add, calendar_day_at};
pub use keystore::DeviceKeyStore;
pub use observer::SyncObserver;
pub use records::*;

uniffi::setup_scaffolding!("techo");
