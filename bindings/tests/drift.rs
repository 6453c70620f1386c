//! The shells compile committed copies of the generated bindings. This fails when the exported
//! API changed without them being regenerated (scripts/regenerate-bindings.sh), and when the
//! library's metadata differs from what was committed (a `cfg`-dependent export, P-F2).

mod support;

use support::{artifacts, workspace_root};

#[test]
fn committed_bindings_match_the_library() {
    let generated = &artifacts().generated;
    let pairs = [
        ("jp/kenkotecho/core/techo.kt", "android/core/src/main/kotlin/jp/kenkotecho/core/techo.kt"),
        ("TechoKit.swift", "ios/Sources/TechoKit/TechoKit.swift"),
        ("TechoKitFFI.h", "ios/Sources/TechoKitFFI/TechoKitFFI.h"),
    ];
    let stale: Vec<&str> = pairs
        .iter()
        .filter(|(fresh, committed)| {
            let fresh = std::fs::read_to_string(generated.join(fresh)).expect("generated file");
            std::fs::read_to_string(workspace_root().join(committed)).ok().as_deref() != Some(fresh.as_str())
        })
        .map(|(_, committed)| *committed)
        .collect();
    assert!(
        stale.is_empty(),
        "the exported API changed but these committed bindings were not regenerated: {stale:?}\n\
         run ./scripts/regenerate-bindings.sh and commit the result"
    );
}
