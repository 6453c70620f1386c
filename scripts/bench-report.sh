#!/usr/bin/env bash
# Every benchmark of the workspace, one after the other, and one table of their figures: ours,
# the baseline measured in the same run, the ratio, the target, met or not (bench-report/).
# Installs what the baselines need (Kotlin and JNA for the FFI bench, Pillow for the photo bench)
# and runs the server benches against a throwaway PostgreSQL cluster as well. Takes about
# 15 minutes on 2 cores; `--only NAME` runs the benches whose name contains NAME.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/binding-tools.sh
source scripts/postgres.sh
install_kotlin_tools
install_postgres
if ! python3 -c 'import PIL' 2>/dev/null; then
    python3 -m pip install --quiet Pillow || pip3 install --quiet --break-system-packages Pillow
fi
# fsync and synchronous commits on, as on a server: the figures are durable commits.
TECHO_PG_DURABLE=1 start_test_postgres
trap stop_test_postgres EXIT
cargo run --release --locked -p techo-bench-report --bin bench_report -- "$@"
