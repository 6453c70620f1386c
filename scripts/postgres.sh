# Sourced by scripts/test.sh (or by hand): a private, throwaway PostgreSQL cluster for the server's
# storage tests (server/tests/storage_backends.rs runs every backend test against it too).
#
#   install_postgres      Debian's `postgresql`, unless an initdb is found (PATH, /usr/lib/postgresql/*/bin)
#   start_test_postgres   a cluster in a temporary directory, reachable only through a Unix socket in
#                         that directory, run by an unprivileged user (initdb refuses root); exports
#                         TECHO_TEST_POSTGRES_URL
#   stop_test_postgres    stops it and removes the directory; the caller arms it, e.g.
#                         `trap stop_test_postgres EXIT` (scripts/test.sh has a trap of its own)
#
# The cluster trades durability for speed (no fsync): nothing in it outlives the run.

_pg_as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The directory of initdb and pg_ctl: Debian keeps them out of PATH, per major version.
postgres_bin_dir() {
    local found
    found="$(command -v initdb 2>/dev/null || true)"
    if [ -n "$found" ]; then
        dirname "$(readlink -f "$found")"
        return 0
    fi
    found="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$found" ] || return 1
    dirname "$found"
}

install_postgres() {
    postgres_bin_dir >/dev/null && return 0
    if declare -F apt_install_missing >/dev/null; then
        # scripts/binding-tools.sh's: one `apt-get update` for every package a run installs.
        apt_install_missing postgresql
    else
        _pg_as_root apt-get update
        _pg_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
    fi
    postgres_bin_dir >/dev/null || { echo "postgres: initdb not found after installing postgresql" >&2; return 1; }
}

TECHO_PG_DIR=""
TECHO_PG_USER=""

# Runs a PostgreSQL program as the cluster's owner.
_pg_run() {
    if [ -n "$TECHO_PG_USER" ]; then
        runuser -u "$TECHO_PG_USER" -- "$@"
    else
        "$@"
    fi
}

start_test_postgres() {
    local bin
    bin="$(postgres_bin_dir)" || { echo "postgres: no initdb; run install_postgres first" >&2; return 1; }
    # Short: the socket's path must fit in 107 bytes.
    TECHO_PG_DIR="$(mktemp -d /tmp/techo-pg.XXXXXX)"
    TECHO_PG_USER=""
    if [ "$(id -u)" -eq 0 ]; then
        # The package's own account when there is one, else nobody: never root.
        if id postgres >/dev/null 2>&1; then TECHO_PG_USER=postgres; else TECHO_PG_USER=nobody; fi
        chown "$TECHO_PG_USER" "$TECHO_PG_DIR"
    fi
    chmod 700 "$TECHO_PG_DIR"
    _pg_run "$bin/initdb" -D "$TECHO_PG_DIR/data" -U techo --auth=trust --encoding=UTF8 --locale=C --no-sync \
        >"$TECHO_PG_DIR/initdb.log" 2>&1 || { cat "$TECHO_PG_DIR/initdb.log" >&2; stop_test_postgres; return 1; }
    # No TCP at all (listen_addresses empty): only the socket in the private directory. Tests
    # need no durability (the cluster is thrown away) and run faster without it; measurements
    # (TECHO_PG_DURABLE=1, scripts/bench-report.sh) keep PostgreSQL's defaults, as a server would.
    local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if [ "${TECHO_PG_DURABLE:-}" = 1 ]; then durability=""; fi
    _pg_run "$bin/pg_ctl" -D "$TECHO_PG_DIR/data" -l "$TECHO_PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $TECHO_PG_DIR $durability -c max_connections=300" \
        start >/dev/null || { cat "$TECHO_PG_DIR/server.log" >&2; stop_test_postgres; return 1; }
    _pg_run "$bin/createdb" -h "$TECHO_PG_DIR" -U techo techo
    # The socket directory as the URL's host, percent-encoded.
    TECHO_TEST_POSTGRES_URL="postgresql://techo@${TECHO_PG_DIR//\//%2F}/techo"
    export TECHO_TEST_POSTGRES_URL
    echo "PostgreSQL test cluster ($("$bin/postgres" --version)) at $TECHO_PG_DIR"
}

# Safe to call twice, or after a failed start; never fails (it runs from EXIT traps under set -e).
stop_test_postgres() {
    [ -n "$TECHO_PG_DIR" ] || return 0
    local bin
    if bin="$(postgres_bin_dir)" && [ -f "$TECHO_PG_DIR/data/postmaster.pid" ]; then
        _pg_run "$bin/pg_ctl" -D "$TECHO_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf --one-file-system "$TECHO_PG_DIR" || true
    TECHO_PG_DIR=""
    unset TECHO_TEST_POSTGRES_URL
    return 0
}
