//! Shared by the foreign-language test drivers: the built library and its generated bindings,
//! the tools the test command installed, and a real sync server with residents to sign in as.

#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use techo_tests::harness::TestServer;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("bindings/ is inside the workspace").to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"))
}

pub struct Artifacts {
    /// Holds `libtecho_ffi.so`.
    pub lib_dir: PathBuf,
    pub library: PathBuf,
    /// `kotlin/`, `swift/` and `python/` bindings generated from `library`.
    pub generated: PathBuf,
    /// Scratch space for compiled jars and copies, per test binary.
    pub scratch: PathBuf,
}

/// The cdylib cargo built for this test run (`cargo test` builds every crate type of the
/// library, into target/<profile>/deps beside the test binary), and every language generated
/// from that exact library (library mode) by the generator linked into the test (UniFFI's, with
/// our Kotlin call path: bindings/uniffi-bindgen). No cargo
/// runs inside the tests: a second build of techo-ffi would overwrite those unhashed files and
/// make the next test build redo them. Once per test binary.
pub fn artifacts() -> &'static Artifacts {
    static ONCE: OnceLock<Artifacts> = OnceLock::new();
    ONCE.get_or_init(|| {
        let lib_dir = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| target_dir().join("debug/deps"));
        let library = lib_dir.join("libtecho_ffi.so");
        assert!(library.exists(), "{} was not built with this test", library.display());
        let scratch = lib_dir.parent().unwrap_or(&lib_dir).join("techo-bindings").join(test_binary_name());
        let generated = scratch.join("generated");
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&generated).expect("scratch dir");
        techo_bindgen::generate(&library, &generated, &techo_bindgen::Language::ALL)
            .unwrap_or_else(|e| panic!("bindings generated from the library: {e}"));
        Artifacts { lib_dir, library, generated, scratch }
    })
}

fn test_binary_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "bindings".into())
}

/// A tool location exported by `scripts/test.sh`; tells how to get it when missing.
pub fn tool_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run ./scripts/test.sh, which installs the binding test tools and sets it")
    })
}

pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("could not start {cmd:?}: {e}"));
    if !out.status.success() {
        panic!(
            "{cmd:?} failed with {}\n--- stdout\n{}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// Runs a test suite, echoing its output so `cargo test -- --nocapture` shows it, and fails
/// with the full output when the suite fails.
pub fn run_suite(name: &str, cmd: &mut Command) {
    let started = std::time::Instant::now();
    let out = run_ok(cmd);
    println!(
        "{name}: passed in {:.1} s\n{}{}",
        started.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A real server on 127.0.0.1 with one activated resident and one waiting for activation.
pub struct ServerFixture {
    pub server: TestServer,
    pub hm_code: String,
    pub password: String,
    pub activation_hm_code: String,
    pub activation_code: String,
}

impl ServerFixture {
    pub fn start(tag: u32) -> Self {
        let server = TestServer::start();
        let hm_code = format!("FFI{tag:04}A");
        let password = format!("pass-{tag}-kenko");
        server.add_resident(&hm_code, &password);
        let activation_hm_code = format!("FFI{tag:04}B");
        let issued = techo_server::add_resident(
            server.storage.as_ref(),
            &activation_hm_code,
            "Binding Test",
            "1948-05-05",
            std::time::Duration::from_secs(3600),
        )
        .expect("add a resident awaiting activation");
        Self { server, hm_code, password, activation_hm_code, activation_code: issued.activation_code }
    }

    /// The variables every foreign test suite reads.
    pub fn apply(&self, cmd: &mut Command) {
        cmd.env("TECHO_SERVER_URL", &self.server.url)
            .env("TECHO_HM_CODE", &self.hm_code)
            .env("TECHO_PASSWORD", &self.password)
            .env("TECHO_ACTIVATION_HM_CODE", &self.activation_hm_code)
            .env("TECHO_ACTIVATION_CODE", &self.activation_code)
            // A pharmacy receipt in every form a shell hands over (see core's medication_scan tests).
            .env("TECHO_FIXTURES", workspace_root().join("bindings/tests/fixtures"));
    }
}
