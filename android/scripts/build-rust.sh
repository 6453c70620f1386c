#!/usr/bin/env bash
# Builds the Rust core (techo-ffi) for the Android ABIs into android/core/src/main/jniLibs with
# cargo-ndk, linked for 16 KB pages (P-F9: Play requires it for Android 15+ targets) and with its
# relative relocations packed, then checks every PT_LOAD segment's alignment with llvm-readelf
# when one is found.
#
# Needs: cargo install cargo-ndk
#        rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
#        an NDK (ANDROID_NDK_HOME, or ANDROID_HOME/ndk/<version>; r28+ aligns to 16 KB by itself)
# TECHO_RUST_PROFILE=debug builds unoptimised libraries (faster to build, much larger).
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="$repo/android/core/src/main/jniLibs"
abis=(arm64-v8a armeabi-v7a x86_64)
# `mobile` (Cargo.toml): fat LTO, one codegen unit, size-optimised, stripped; `dev` for debugging.
profile="${TECHO_RUST_PROFILE:-mobile}"

if ! cargo ndk --version >/dev/null 2>&1; then
    echo "build-rust: cargo-ndk is missing (cargo install cargo-ndk)" >&2
    exit 1
fi
if [ -z "${ANDROID_NDK_HOME:-}" ] && [ -n "${ANDROID_HOME:-}" ] && [ -d "$ANDROID_HOME/ndk" ]; then
    ANDROID_NDK_HOME="$(find "$ANDROID_HOME/ndk" -mindepth 1 -maxdepth 1 -type d | sort | tail -n1)"
    export ANDROID_NDK_HOME
fi

# With --target (cargo-ndk passes one per ABI) RUSTFLAGS reaches the target library only, not
# host build scripts. Packed relocations (Android's own format, read by the loader from API 23;
# recent NDK clang passes it by default, older ones only RELR from API 28) save ~360 KB per ABI:
# scripts/ffi-size.sh measures the library with its host equivalent.
export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-Wl,-z,max-page-size=16384 -C link-arg=-Wl,--pack-dyn-relocs=android"

targets=()
for abi in "${abis[@]}"; do targets+=(-t "$abi"); done

cd "$repo"
cargo ndk "${targets[@]}" --platform 26 -o "$out" build --locked -p techo-ffi --profile "$profile"

readelf="$(command -v llvm-readelf || true)"
if [ -z "$readelf" ] && [ -n "${ANDROID_NDK_HOME:-}" ]; then
    readelf="$(find "$ANDROID_NDK_HOME/toolchains/llvm/prebuilt" -name llvm-readelf -type f 2>/dev/null | head -n1)"
fi
if [ -z "$readelf" ]; then
    echo "build-rust: warning: llvm-readelf not found, 16 KB alignment not checked" >&2
    exit 0
fi

status=0
for abi in "${abis[@]}"; do
    so="$out/$abi/libtecho_ffi.so"
    [ -f "$so" ] || { echo "build-rust: $so was not built" >&2; status=1; continue; }
    # The last column of `readelf -lW` is the alignment (hex), whatever the flags column holds.
    while read -r align; do
        if (( align < 16384 )); then
            echo "build-rust: $so has a PT_LOAD segment aligned to $align, below 16 KB" >&2
            status=1
        fi
    done < <("$readelf" -lW "$so" | awk '$1 == "LOAD" { print $NF }')
done
[ "$status" -eq 0 ] && echo "build-rust: ${abis[*]} built, PT_LOAD segments 16 KB-aligned"
exit "$status"
