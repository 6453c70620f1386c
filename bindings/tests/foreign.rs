//! The generated Kotlin and Python bindings, run against the real library and a real server.
//! Swift and the shells' app models are driven from `shells.rs`.

mod support;

use std::path::Path;
use std::process::Command;
use support::{ServerFixture, artifacts, run_ok, run_suite, tool_env, workspace_root};

fn classpath(parts: &[&Path]) -> String {
    parts.iter().map(|p| p.to_string_lossy().into_owned()).collect::<Vec<_>>().join(":")
}

/// Every `class …Test` in the Kotlin source, so a new test class cannot be left out of the run.
fn test_classes(source: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(source).expect("Kotlin test source");
    let package = text
        .lines()
        .find_map(|l| l.strip_prefix("package "))
        .expect("the Kotlin tests declare a package")
        .trim()
        .to_owned();
    let classes: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("class "))
        .filter_map(|rest| rest.split(|c: char| !c.is_alphanumeric()).next())
        .filter(|name| name.ends_with("Test"))
        .map(|name| format!("{package}.{name}"))
        .collect();
    assert!(classes.len() >= 3, "found only {classes:?}");
    classes
}

#[test]
fn kotlin_bindings_on_the_jvm() {
    let a = artifacts();
    let kotlin_home = tool_env("KOTLIN_HOME");
    let kotlinc = Path::new(&kotlin_home).join("bin/kotlinc");
    let coroutines = Path::new(&kotlin_home).join("lib/kotlinx-coroutines-core-jvm.jar");
    let (jna, junit, hamcrest) = (tool_env("JNA_JAR"), tool_env("JUNIT_JAR"), tool_env("HAMCREST_JAR"));
    let (jna, junit, hamcrest) = (Path::new(&jna), Path::new(&junit), Path::new(&hamcrest));
    let out = a.scratch.join("kotlin");
    std::fs::create_dir_all(&out).expect("kotlin scratch");
    let bindings_jar = out.join("bindings.jar");
    let tests_jar = out.join("tests.jar");

    // -Werror on the generated code: a UniFFI bump that emits warnings fails here first.
    run_ok(
        Command::new(&kotlinc)
            .args(["-Werror", "-nowarn"])
            .arg("-d")
            .arg(&bindings_jar)
            .arg("-classpath")
            .arg(classpath(&[jna, &coroutines]))
            .arg(a.generated.join("jp/kenkotecho/core/techo.kt")),
    );
    let test_source = workspace_root().join("bindings/tests/kotlin/BindingsTest.kt");
    run_ok(
        Command::new(&kotlinc)
            .arg("-Werror")
            .arg("-d")
            .arg(&tests_jar)
            .arg("-classpath")
            .arg(classpath(&[jna, &coroutines, junit, &bindings_jar]))
            .arg(&test_source),
    );

    let fixture = ServerFixture::start(1);
    let runtime = Path::new(&kotlin_home).join("lib/kotlin-stdlib.jar");
    let mut java = Command::new("java");
    java.arg("-ea")
        .arg(format!("-Djna.library.path={}", a.lib_dir.display()))
        .arg("-cp")
        .arg(classpath(&[jna, &coroutines, junit, hamcrest, &runtime, &bindings_jar, &tests_jar]))
        .arg("org.junit.runner.JUnitCore")
        .args(test_classes(&test_source));
    fixture.apply(&mut java);
    run_suite("kotlin", &mut java);
}

#[test]
fn python_bindings() {
    let a = artifacts();
    let dir = a.scratch.join("python");
    std::fs::create_dir_all(&dir).expect("python scratch");
    // The generated module loads the library from its own directory.
    std::fs::copy(a.generated.join("techo.py"), dir.join("techo.py")).expect("copy module");
    std::fs::copy(&a.library, dir.join("libtecho_ffi.so")).expect("copy library");
    let fixture = ServerFixture::start(2);
    let mut python = Command::new("python3");
    // Leaves without CPython's finalization once the results are out: while finalizing, CPython
    // ends any thread that asks for the GIL with pthread_exit, and a runtime thread of the library
    // letting go of a Python object just then (a store's key store, a loop's observer) unwinds
    // through Rust and aborts the process after every test passed (seen once in ten runs, under
    // load).
    python
        .arg("-c")
        .arg(
            "import os, sys, unittest\n\
             run = unittest.main(module='test_bindings', exit=False, verbosity=2)\n\
             sys.stdout.flush(); sys.stderr.flush()\n\
             os._exit(0 if run.result.wasSuccessful() and run.result.testsRun > 0 else 1)",
        )
        .current_dir(workspace_root().join("bindings/tests/python"))
        .env("PYTHONPATH", &dir)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    fixture.apply(&mut python);
    run_suite("python", &mut python);
}
