#!/usr/bin/env bash
# FFI cost per call from Rust, Kotlin (JNA) and Python (ctypes), one run, medians and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/binding-tools.sh
install_kotlin_tools
cargo bench --locked -p techo-ffi --bench ffi_cost
