#!/usr/bin/env bash
# Runs every test of the project. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# The CLI tests must never touch the developer's real OS keyring.
export TECHO_KEYSTORE=file

echo "== tools for the binding and shell tests"
# kotlinc, JNA and JUnit for Kotlin; a Debian trixie chroot with Swift 6. Idempotent.
source scripts/binding-tools.sh
install_kotlin_tools
install_swift_chroot

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"

# cargo prints one result line per test binary, the last often for doc-tests with 0 tests;
# close with the total so the outcome is clear at a glance.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     END { printf "%d passed, %d failed\n", p, f; exit (f > 0) }' "$log"
