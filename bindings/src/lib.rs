//! `techo-ffi`: the only crate with UniFFI exports. The iOS and Android shells, and the Kotlin,
//! Swift and Python binding tests, all use bindings generated from this one library.

mod error;
mod facade;
mod keystore;
mod observer;
mod records;
mod runtime;

pub use error::{ApiError, ConflictKind};
pub use facade::{CoreConfig, SyncTaskHandle, TechoCore, calendar_day_add, calendar_day_at};
pub use keystore::DeviceKeyStore;
pub use observer::SyncObserver;
pub use records::*;

uniffi::setup_scaffolding!("techo");

#[cfg(test)]
mod tests {
    /// P-F3: every async export must hand its work to the bindings' runtime, whatever executor
    /// the foreign side polls it on.
    #[test]
    fn every_async_export_runs_on_the_bindings_runtime() {
        let sources = [include_str!("facade.rs")];
        let mut checked = 0;
        for source in sources {
            for body in source.split("pub async fn ").skip(1) {
                let end = body.find("\n    pub ").unwrap_or(body.len());
                let name = body.split('(').next().unwrap_or_default();
                assert!(body[..end].contains("on_runtime("), "async export `{name}` does not use on_runtime");
                checked += 1;
            }
        }
        assert!(checked >= 4, "found only {checked} async exports; did the facade move?");
    }
}
