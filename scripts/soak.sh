#!/usr/bin/env bash
# Soak and fault runs (issue 14, quality.md S2/S3/V3/V4): simulated phones of every family against
# the server binary through the fault proxy while the server is SIGKILLed and restarted, PostgreSQL
# is restarted under the running server, and the proxy drops, delays and cuts requests; then
# "0 lost, 0 duplicated, converged" with counts, on SQLite and on PostgreSQL (tests/src/bin/soak.rs).
#
#   scripts/soak.sh [--size ci|long] [--seed N]
#
# ci: about a minute for both backends on 2 cores once built (scripts/test.sh runs it, debug build).
# long: 200 devices, 20 server kills, 10 PostgreSQL restarts and 5 flaky phases per backend, in a
# release build: about 35 minutes in all.
# Uses the PostgreSQL cluster of the caller when TECHO_TEST_POSTGRES_URL and TECHO_PG_DIR name one
# (scripts/test.sh), else starts a throwaway one (scripts/postgres.sh) and removes it after.
set -euo pipefail
cd "$(dirname "$0")/.."

size=ci
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --size) size="${2:?--size needs ci or long}"; shift 2 ;;
        --seed) extra+=(--seed "${2:?--seed needs a number}"); shift 2 ;;
        *) echo "usage: scripts/soak.sh [--size ci|long] [--seed N]" >&2; exit 2 ;;
    esac
done
case "$size" in
    ci) profile=() ;;
    long) profile=(--release) ;;
    *) echo "--size is ci or long" >&2; exit 2 ;;
esac

export TECHO_KEYSTORE=file
# The soak binary starts the server binary that sits beside it.
cargo build "${profile[@]}" --locked -p techo-tests --bin soak --bin server_under_test

source scripts/postgres.sh
if [ -z "${TECHO_TEST_POSTGRES_URL:-}" ] || [ -z "${TECHO_PG_DIR:-}" ]; then
    install_postgres
    start_test_postgres
    trap stop_test_postgres EXIT
fi
# `pg_ctl restart` reuses the options the cluster was started with (postmaster.opts).
pg_restart="$(printf '%q ' "$(postgres_bin_dir)/pg_ctl" -D "$TECHO_PG_DIR/data" -l "$TECHO_PG_DIR/server.log" \
    -m fast -w -t 60 restart)"
if [ -n "${TECHO_PG_USER:-}" ]; then
    pg_restart="runuser -u $(printf '%q' "$TECHO_PG_USER") -- $pg_restart"
fi

for backend in sqlite postgres; do
    echo "== soak, $size size, $backend"
    cargo run "${profile[@]}" --locked -q -p techo-tests --bin soak -- \
        --backend "$backend" --size "$size" --pg-restart "$pg_restart" "${extra[@]}"
done
