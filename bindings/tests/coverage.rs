//! Every function the facade exports is called by the Kotlin and the Swift binding tests. The
//! list comes from the committed generated Kotlin (kept equal to the library by `drift.rs`).

mod support;

use support::workspace_root;

/// `name` from lines such as ``    suspend fun `syncNow`(`` or ``    @Throws(..) fun `open`(``.
fn function_name(line: &str) -> Option<&str> {
    let rest = line.split_once("fun `")?.1;
    Some(rest.split_once('`')?.0)
}

fn exported_functions() -> Vec<String> {
    let kotlin =
        std::fs::read_to_string(workspace_root().join("android/core/src/main/kotlin/jp/kenkotecho/core/techo.kt"))
            .expect("committed Kotlin bindings");
    let mut names = Vec::new();
    let mut in_interface = false;
    for line in kotlin.lines() {
        // Every object's methods (`public interface XInterface`); the foreign traits the shells
        // implement (`DeviceKeyStore`, `SyncObserver`) are called by the core, not by tests.
        if line.starts_with("public interface ") && line.contains("Interface {") && !line.contains("FfiConverter") {
            in_interface = true;
        } else if in_interface && line.starts_with('}') {
            in_interface = false;
        } else if in_interface || line.trim_start().starts_with("@Throws(ApiException::class) fun `") {
            // Interface methods, the `open` constructor and the top-level functions.
            if let Some(name) = function_name(line) {
                names.push(name.to_owned());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

fn sources(dir: &str, extension: &str) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(workspace_root().join(dir)).expect("test sources") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == extension) {
            all += &std::fs::read_to_string(&path).expect("test source");
        }
    }
    all
}

/// `name(` as a whole word: `openCore(` does not count as a call of `open`.
fn calls(tests: &str, name: &str) -> bool {
    let call = format!("{name}(");
    tests
        .match_indices(&call)
        .any(|(at, _)| !tests[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_'))
}

fn uncalled(names: &[String], tests: &str) -> Vec<String> {
    names.iter().filter(|n| !calls(tests, n)).cloned().collect()
}

#[test]
fn every_export_is_called_from_kotlin_and_swift() {
    let names = exported_functions();
    assert!(
        names.len() > 25 && names.contains(&"syncNow".to_owned()) && names.contains(&"open".to_owned()),
        "{names:?}"
    );
    let kotlin = uncalled(&names, &sources("bindings/tests/kotlin", "kt"));
    assert!(kotlin.is_empty(), "not called by the Kotlin binding tests: {kotlin:?}");
    let swift = uncalled(&names, &sources("ios/Tests/TechoKitTests", "swift"));
    assert!(swift.is_empty(), "not called by the Swift binding tests: {swift:?}");
}
