#!/usr/bin/env bash
# Regenerates the Kotlin and Swift bindings the shells compile, from the built library (library
# mode), into the committed copies. Run it after changing an export in bindings/; the drift test
# (bindings/tests/drift.rs) fails until the committed copies match the library again.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
# The library the binding tests build (`cargo test` makes the cdylib too, in target/debug/deps),
# so this script and the tests never overwrite each other's libtecho_ffi.so with another build.
cargo test --locked -p techo-ffi --no-run
cargo build --locked -p uniffi-bindgen --bin uniffi-bindgen
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$target_dir/debug/uniffi-bindgen" generate --no-format --library "$target_dir/debug/deps/libtecho_ffi.so" \
    --language kotlin --language swift --out-dir "$out" >/dev/null

install -D -m 0644 "$out/jp/kenkotecho/core/techo.kt" android/core/src/main/kotlin/jp/kenkotecho/core/techo.kt
install -D -m 0644 "$out/TechoKit.swift" ios/Sources/TechoKit/TechoKit.swift
install -D -m 0644 "$out/TechoKitFFI.h" ios/Sources/TechoKitFFI/TechoKitFFI.h
echo "bindings regenerated: android/core, ios/Sources/TechoKit, ios/Sources/TechoKitFFI"
