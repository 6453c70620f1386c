#!/usr/bin/env bash
# What one FFI crossing costs from Kotlin (JNA), and how much of it is JNA building a Structure
# for every call rather than the call itself (bindings/benches/ffi_crossings.kt; findings in
# docs/ffi-cost.md). Uses the optimised library ffi-bench.sh measures and the committed generated
# Kotlin, which the drift test keeps equal to that library's exports.
#
#   ./scripts/ffi-crossings.sh [ROUNDS]      (default 15; medians of the rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/binding-tools.sh
install_kotlin_tools

target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
# The bench build makes the cdylib with the bench profile, beside the bench in release/deps.
cargo bench --locked -p techo-ffi --bench ffi_cost --no-run
lib_dir="$target_dir/release/deps"
[ -f "$lib_dir/libtecho_ffi.so" ] || { echo "ffi-crossings: $lib_dir/libtecho_ffi.so was not built" >&2; exit 1; }

scratch="$target_dir/release/techo-bindings/ffi-crossings"
mkdir -p "$scratch"
cp="$JNA_JAR:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar"
"$KOTLIN_HOME/bin/kotlinc" -nowarn -include-runtime -d "$scratch/ffi_crossings.jar" -classpath "$cp" \
    android/core/src/main/kotlin/jp/kenkotecho/core/techo.kt bindings/benches/ffi_crossings.kt
bench_dir="${TECHO_BENCH_DIR:-/dev/shm}"
[ -d "$bench_dir" ] || bench_dir="${TMPDIR:-/tmp}"
TECHO_BENCH_DIR="$bench_dir" java "-Djna.library.path=$lib_dir" -cp "$cp:$scratch/ffi_crossings.jar" \
    jp.kenkotecho.core.Ffi_crossingsKt "${1:-15}"
