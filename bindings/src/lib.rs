//! `techo-ffi`: the only crate with UniFFI exports. The iOS and Android shells, and the Kotlin,
//! Swift and Python binding tests, all use bindings generated from this one library.
//!
//! One file per feature, each with its records and its `#[uniffi::export] impl TechoCore` block;
//! README.md maps them. Records are immutable on the foreign side (`generate_immutable_records`);
//! ids are UUID text. Types that hold patient data derive no `Debug`, so no log line or panic
//! message can print them.

mod auto_sync;
mod chart;
mod checkups;
mod emergency_sheet;
mod error;
mod facade;
mod home;
mod ids;
mod keystore;
mod medications;
mod observer;
mod photos;
mod profiles;
mod runtime;
mod sync;
mod time;
mod validation;
mod vitals;

pub use auto_sync::SyncTaskHandle;
pub use checkups::*;
pub use emergency_sheet::*;
pub use error::{ApiError, ConflictKind, ImportProblem};
pub use facade::{CoreConfig, StartOverReport, TechoCore, start_over};
pub use home::HomeScreen;
pub use keystore::DeviceKeyStore;
pub use medications::*;
pub use observer::SyncObserver;
pub use profiles::*;
pub use sync::*;
pub use techo_core::PhotoProblem;
pub use time::{
    CalendarDay, PhoneZone, PickedDateTime, ReadingTime, calendar_day_add, calendar_day_at, picked_date_time,
    reading_time,
};
pub use validation::*;
pub use vitals::*;

uniffi::setup_scaffolding!("techo");

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every `.rs` file under `dir`, so a new feature file is checked without being listed here.
    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("the crate's src/") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                out.push((path.display().to_string(), text));
            }
        }
    }

    /// P-F3: every async export must hand its work to the bindings' runtime, whatever executor
    /// the foreign side polls it on.
    #[test]
    fn every_async_export_runs_on_the_bindings_runtime() {
        let mut files = Vec::new();
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        // Split so that this file's own source does not contain the pattern it looks for.
        let pattern = concat!("pub async", " fn ");
        let mut checked = 0;
        for (file, source) in &files {
            for body in source.split(pattern).skip(1) {
                // A method ends at its closing brace at impl indentation, a free function at
                // column 0; whichever comes first bounds the body.
                let end =
                    ["\n    }\n", "\n}\n"].iter().filter_map(|close| body.find(close)).min().unwrap_or(body.len());
                let name = body.split('(').next().unwrap_or_default();
                assert!(body[..end].contains("on_runtime("), "async export `{name}` in {file} does not use on_runtime");
                checked += 1;
            }
        }
        assert!(checked >= 4, "found only {checked} async exports; are the sources still under src/?");
    }
}
