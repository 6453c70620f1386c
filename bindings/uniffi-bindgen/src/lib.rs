//! The one way the bindings are generated — the committed copies the shells compile, the binding
//! tests, the drift check and the benches: UniFFI's generator in library mode, then our Kotlin
//! call path (`kotlin_call_path.rs`) over the Kotlin it wrote.

mod kotlin_call_path;

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Kotlin,
    Swift,
    Python,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Kotlin, Language::Swift, Language::Python];

    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|language| language.name() == name)
    }

    fn name(self) -> &'static str {
        match self {
            Language::Kotlin => "kotlin",
            Language::Swift => "swift",
            Language::Python => "python",
        }
    }

    fn target(self) -> uniffi::TargetLanguage {
        match self {
            Language::Kotlin => uniffi::TargetLanguage::Kotlin,
            Language::Swift => uniffi::TargetLanguage::Swift,
            Language::Python => uniffi::TargetLanguage::Python,
        }
    }
}

#[derive(Debug)]
pub enum Error {
    /// UniFFI's generator failed (its message).
    Uniffi(String),
    NotUtf8(PathBuf),
    Io(PathBuf, std::io::Error),
    /// UniFFI's Kotlin no longer has the text the call path replaces: a UniFFI upgrade changed
    /// its template, and `kotlin_call_path.rs` must be read against the new one.
    KotlinTemplateChanged {
        file: PathBuf,
        expected: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Uniffi(message) => write!(f, "UniFFI's generator failed: {message}"),
            Error::NotUtf8(path) => write!(f, "{} is not a UTF-8 path", path.display()),
            Error::Io(path, e) => write!(f, "{}: {e}", path.display()),
            Error::KotlinTemplateChanged { file, expected } => write!(
                f,
                "{}: UniFFI's Kotlin no longer contains `{expected}`; update bindings/uniffi-bindgen/src/kotlin_call_path.rs",
                file.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

/// How the generated Kotlin crosses into the library.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KotlinCalls {
    /// Each thread's call statuses kept as native blocks (`kotlin_call_path.rs`): what ships.
    PerThreadStatus,
    /// UniFFI's own path, a new JNA Structure per call: only for the FFI bench, which measures
    /// what the shipped path saves against it in the same run.
    AsUniffiWritesIt,
}

/// Generates `languages` from the built `library` into `out_dir`, as the shells use them.
pub fn generate(library: &Path, out_dir: &Path, languages: &[Language]) -> Result<(), Error> {
    generate_with(library, out_dir, languages, KotlinCalls::PerThreadStatus)
}

pub fn generate_with(library: &Path, out_dir: &Path, languages: &[Language], kotlin: KotlinCalls) -> Result<(), Error> {
    let utf8 = |p: &Path| camino::Utf8PathBuf::from_path_buf(p.to_path_buf()).map_err(Error::NotUtf8);
    uniffi::generate(uniffi::GenerateOptions {
        languages: languages.iter().map(|language| language.target()).collect(),
        source: utf8(library)?,
        out_dir: utf8(out_dir)?,
        config_override: None,
        format: false,
        crate_filter: None,
        metadata_no_deps: false,
    })
    .map_err(|e| Error::Uniffi(format!("{e:#}")))?;
    if languages.contains(&Language::Kotlin) && kotlin == KotlinCalls::PerThreadStatus {
        for file in uniffi_kotlin_files(out_dir)? {
            let io = |e| Error::Io(file.clone(), e);
            let text = std::fs::read_to_string(&file).map_err(io)?;
            let rewritten = kotlin_call_path::rewrite(&text)
                .map_err(|expected| Error::KotlinTemplateChanged { file: file.clone(), expected })?;
            std::fs::write(&file, rewritten).map_err(io)?;
        }
    }
    Ok(())
}

/// The `.kt` files under `dir` that UniFFI wrote (its header line), wherever the package put them.
fn uniffi_kotlin_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::Io(dir.clone(), e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::Io(dir.clone(), e))?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "kt") {
                let text = std::fs::read_to_string(&path).map_err(|e| Error::Io(path.clone(), e))?;
                if kotlin_call_path::written_by_uniffi(&text) {
                    found.push(path);
                }
            }
        }
    }
    Ok(found)
}
