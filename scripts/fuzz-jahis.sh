#!/usr/bin/env bash
# Builds and runs the techo-jahis fuzz targets (quality.md I1).
#   scripts/fuzz-jahis.sh --build-only        build every target
#   scripts/fuzz-jahis.sh --seconds N [T...]  run each target (or the named ones) N seconds
# Only stable Rust is installed: libFuzzer's sanitizer flags need RUSTC_BOOTSTRAP=1. Crashes land
# in jahis/fuzz/artifacts/<target>/; add each as a regression test before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=""
seconds=0
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --build-only) mode=build; shift ;;
        --seconds) mode=run; seconds="${2:?--seconds needs a number}"; shift 2 ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
[ -n "$mode" ] || { echo "usage: $0 --build-only | --seconds N [target...]" >&2; exit 2; }
[ ${#targets[@]} -gt 0 ] || targets=(parse assemble qr qr_grid)

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
# Its own target directory: sanitizer builds share nothing with the workspace's.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/jahis/fuzz/target}"
cd jahis/fuzz

# Seeds: the test vectors as a producer writes them (CP932, CRLF), once; for qr_grid the encoded
# symbols in seeds/qr_grid (written by the ignored test write_fuzz_seeds in tests/qr_grid.rs).
seed() {
    local dir="corpus/$1"
    mkdir -p "$dir"
    [ -n "$(ls -A "$dir")" ] && return 0
    if [ -d "seeds/$1" ]; then
        cp "seeds/$1"/* "$dir"/
        return 0
    fi
    python3 - "$dir" "$1" <<'PY'
import pathlib, sys
out, target = pathlib.Path(sys.argv[1]), sys.argv[2]
for src in sorted(pathlib.Path("../tests/vectors").glob("*.txt")):
    data = "".join(l + "\r\n" for l in src.read_text(encoding="utf-8").splitlines()).encode("cp932")
    if target == "assemble":
        # A scan session: each part as a whole payload (op 0), then as 2 Structured Append halves.
        chunks = [data[i:i + 255] for i in range(0, len(data), 255)]
        data = b"".join(bytes([0, len(c)]) + c for c in chunks)
    elif target == "qr":
        # Version 40 byte mode, no terminator: 0100 + 16-bit count, then the bytes.
        body = data[:2000]
        bits = "0100" + format(len(body), "016b") + "".join(format(b, "08b") for b in body) + "0000"
        bits += "0" * (-len(bits) % 8)
        data = bytes([40]) + int(bits, 2).to_bytes(len(bits) // 8, "big")
    (out / src.stem).write_bytes(data)
PY
}

for t in "${targets[@]}"; do
    if [ "$mode" = build ]; then
        cargo fuzz build --release "$t"
    else
        seed "$t"
        cargo fuzz run --release "$t" "corpus/$t" -- -max_total_time="$seconds" -timeout=1 -rss_limit_mb=256
    fi
done
