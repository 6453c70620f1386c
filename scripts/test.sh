#!/usr/bin/env bash
# Runs every test of the project. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# The CLI tests must never touch the developer's real OS keyring.
export TECHO_KEYSTORE=file

log="$(mktemp)"
swift_log="$(mktemp)"
swift_chroot_job=""
# Functions only; the server's storage suite runs against a throwaway cluster it starts.
source scripts/postgres.sh
# A failed lint must not leave debootstrap running behind us (it would race the next run), nor a
# failed test the PostgreSQL cluster.
# Every command here must succeed: under `set -e` a failing one would turn a green run red.
trap 'if [ -n "$swift_chroot_job" ]; then kill "$swift_chroot_job" 2>/dev/null || true; wait || true; fi; stop_test_postgres; rm -f "$log" "$swift_log"' EXIT

echo "== tools for the binding and shell tests"
# kotlinc, JNA and JUnit for Kotlin; a Debian trixie chroot with Swift 6; PostgreSQL. Idempotent. The chroot
# (minutes on a fresh machine, mostly downloads) is made while cargo compiles.
source scripts/binding-tools.sh
install_kotlin_tools
apt_install_missing debootstrap
install_postgres
install_swift_chroot >"$swift_log" 2>&1 &
swift_chroot_job=$!

echo "== format and lints"
cargo fmt --all -- --check
# The shells cannot be compiled here: no rounding, date arithmetic or text comparisons in them.
python3 scripts/check-shell-logic.py
# The README's commands reuse this run's build only while the hack crate is current.
python3 scripts/workspace-hack.py --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked --no-run

if ! wait "$swift_chroot_job"; then
    swift_chroot_job=""
    cat "$swift_log"
    echo "could not set up the Swift chroot" >&2
    exit 1
fi
swift_chroot_job=""
echo "Swift chroot ready: $SWIFT_CHROOT"

echo "== tests"
start_test_postgres
cargo test --workspace --locked 2>&1 | tee "$log"
echo "== the end-to-end sync suites again, the server on PostgreSQL"
# Real clients against a real server whose store is a database of its own on the test cluster:
# two phones converging, photos, the fault proxy, the server process killed under pushes
# (tests/src/harness.rs, `Backend`); and the server's HTTP suites whose subject does not depend on
# the store (card issuance, pharmacy submissions, the attacker probes). server/README.md says why
# the rest stay on SQLite.
TECHO_TEST_SERVER_BACKEND=postgres cargo test -p techo-tests --locked --test sync_e2e --test sync_photos \
    --test sync_faults --test sync_kill 2>&1 | tee -a "$log"
TECHO_TEST_SERVER_BACKEND=postgres cargo test -p techo-server --locked --test accounts --test pharmacy \
    --test attacker 2>&1 | tee -a "$log"
echo "== and again, two server instances over that database behind a round-robin front"
# Same key, same limits; each request goes to the other instance than the last, so every sync
# run crosses instances (`Backend::TwoPostgres`; about 40 s on 2 cores). The workspace run above
# has already had tests/tests/multi_instance.rs ask each instance directly.
TECHO_TEST_SERVER_BACKEND=postgres2 cargo test -p techo-tests --locked --test sync_e2e --test sync_photos \
    --test sync_faults 2>&1 | tee -a "$log"
echo "== soak at CI size: server kills, PostgreSQL restarts and a flaky network under load"
# Both backends, this cluster (restarted under the server once or twice); "0 lost, 0 duplicated, converged".
TECHO_PG_DIR="$TECHO_PG_DIR" TECHO_PG_USER="$TECHO_PG_USER" ./scripts/soak.sh --size ci 2>&1 | tee -a "$log"
stop_test_postgres

echo "== size of the phone library"
./scripts/ffi-size.sh

echo "== fuzz targets: the JAHIS parser, assembler and QR decoding, the photo pipeline (10 s each)"
# Builds every target (libFuzzer with rustc's coverage instrumentation) and runs it briefly from its seeds: a crash
# fails the run. The long runs are `scripts/fuzz.sh --seconds 600`.
./scripts/fuzz.sh --seconds 10

# cargo prints one result line per test binary, the last often for doc-tests with 0 tests;
# close with the total so the outcome is clear at a glance.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     END { printf "%d passed, %d failed\n", p, f; exit (f > 0) }' "$log"
