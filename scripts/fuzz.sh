#!/usr/bin/env bash
# Builds and runs the fuzz targets (quality.md I1): the JAHIS parser, assembler and QR decoding
# (jahis/fuzz) and the photo pipeline (photo/fuzz).
#   scripts/fuzz.sh --build-only        build every target
#   scripts/fuzz.sh --seconds N [T...]  run each target (or the named ones) N seconds
# Built with cargo and rustc's own coverage instrumentation (stable -C flags, the ones libFuzzer
# needs), so nothing else has to be installed; `cargo fuzz run <target>` in jahis/fuzz or
# photo/fuzz works too where cargo-fuzz is installed. Crashes land in <crate>/fuzz/artifacts/<target>/;
# add each as a regression test before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

mode=""
seconds=0
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --build-only) mode=build; shift ;;
        --seconds) mode=run; seconds="${2:?--seconds needs a number}"; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
[ -n "$mode" ] || { echo "usage: $0 --build-only | --seconds N [target...]" >&2; exit 2; }

# Every target, the crate whose fuzz/ holds it, and what one input may cost: JAHIS text is
# parsed in microseconds; a photo may rightly declare 50 MP (decoded under a 200 MiB cap).
declare -A crate_of=([parse]=jahis [assemble]=jahis [qr]=jahis [qr_grid]=jahis [photo]=photo)
declare -A timeout_of=([photo]=10)
declare -A rss_of=([photo]=1024)
[ ${#targets[@]} -gt 0 ] || targets=(parse assemble qr qr_grid photo)
for t in "${targets[@]}"; do
    [ -n "${crate_of[$t]:-}" ] || { echo "fuzz: no target named $t" >&2; exit 2; }
done

# Their own target directory: instrumented builds share nothing with the workspace's.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$root/target/fuzz}"
host="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="$CARGO_TARGET_DIR/$host/release"
for crate in jahis photo; do
    bins=()
    for t in "${targets[@]}"; do [ "${crate_of[$t]}" = "$crate" ] && bins+=(--bin "$t"); done
    [ ${#bins[@]} -gt 0 ] || continue
    # An explicit --target keeps the instrumentation out of build scripts and proc-macros.
    RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
        cargo build --locked --release --manifest-path "$crate/fuzz/Cargo.toml" --target "$host" "${bins[@]}"
done

# Seeds: the test vectors as a producer writes them (CP932, CRLF), once; for qr_grid the encoded
# symbols in seeds/qr_grid (written by the ignored test write_fuzz_seeds in tests/qr_grid.rs), for
# photo the images in photo/fuzz/seeds/photo (the ignored test write_fuzz_seeds in photo).
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

[ "$mode" = build ] && exit 0
for t in "${targets[@]}"; do
    cd "$root/${crate_of[$t]}/fuzz"
    seed "$t"
    mkdir -p "artifacts/$t"
    "$bin_dir/$t" "corpus/$t" -artifact_prefix="artifacts/$t/" -max_total_time="$seconds" \
        -timeout="${timeout_of[$t]:-1}" -rss_limit_mb="${rss_of[$t]:-256}"
done
