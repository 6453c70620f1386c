//! The shells' testable layers on Linux, against the real library and a real server:
//! the iOS Swift package (generated Swift in Swift 6 mode with complete strict concurrency, the
//! binding XCTests and the app-model tests) in the Debian trixie chroot, and the Android
//! app-model module with kotlinc and JUnit 4. Both suites live with their shells; these tests
//! give them the library, a server and the tools.

mod support;

use std::process::Command;
use support::{ServerFixture, artifacts, run_suite, tool_env, workspace_root};

#[test]
fn ios_package_on_linux() {
    let a = artifacts();
    let fixture = ServerFixture::start(3);
    let mut swift = Command::new("bash");
    swift
        .arg(workspace_root().join("ios/scripts/test-linux.sh"))
        .env("SWIFT_CHROOT", tool_env("SWIFT_CHROOT"))
        .env("TECHO_FFI_LIB_DIR", &a.lib_dir);
    fixture.apply(&mut swift);
    run_suite("ios", &mut swift);
}

#[test]
fn android_app_model_on_the_jvm() {
    let a = artifacts();
    let fixture = ServerFixture::start(4);
    let mut kotlin = Command::new("bash");
    kotlin
        .arg(workspace_root().join("android/scripts/test-jvm.sh"))
        .env("TECHO_FFI_LIB_DIR", &a.lib_dir)
        .env("TECHO_BUILD_DIR", a.scratch.join("android"));
    for tool in ["KOTLIN_HOME", "JNA_JAR", "JUNIT_JAR", "HAMCREST_JAR"] {
        kotlin.env(tool, tool_env(tool));
    }
    fixture.apply(&mut kotlin);
    run_suite("android", &mut kotlin);
}
