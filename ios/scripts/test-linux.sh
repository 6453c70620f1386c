#!/usr/bin/env bash
# Builds the Swift package (bindings + app model) and runs both XCTest targets on Linux, inside
# a Debian trixie chroot that has `swiftlang` (architecture.md §8.4). The SwiftUI app (App/) needs
# Xcode to compile; here its sources are only parsed (`swiftc -parse`), which catches syntax
# errors though not type errors.
#
# Inputs (environment):
#   SWIFT_CHROOT       chroot with swiftlang, /proc, /dev and /sys mounted
#   TECHO_FFI_LIB_DIR  directory holding libtecho_ffi.so (e.g. target/debug)
#   TECHO_SERVER_URL, TECHO_HM_CODE, TECHO_PASSWORD, TECHO_ACTIVATION_HM_CODE,
#   TECHO_FIXTURES     (optional) the receipt fixtures of bindings/tests/fixtures, copied in
#   TECHO_ACTIVATION_CODE   a running techo-server and its residents (the binding tests fail
#                           without them; the chroot shares the host's loopback network)
# Extra arguments go to `swift test` (e.g. --filter TechoKitTests.SyncTests).
set -euo pipefail

: "${SWIFT_CHROOT:?set SWIFT_CHROOT to the trixie chroot with swiftlang}"
: "${TECHO_FFI_LIB_DIR:?set TECHO_FFI_LIB_DIR to the directory with libtecho_ffi.so}"
[ -f "$TECHO_FFI_LIB_DIR/libtecho_ffi.so" ] || { echo "no libtecho_ffi.so in $TECHO_FFI_LIB_DIR" >&2; exit 2; }

# The chroot comes from scripts/binding-tools.sh (install_swift_chroot), with ca-certificates:
# the core's HTTP client loads the system roots when it starts, even for plain-http loopback.

ios_dir="$(cd "$(dirname "$0")/.." && pwd)"
# A stable place inside the chroot per checkout, so SwiftPM's .build cache survives between runs
# and two checkouts (a CI clone beside a working tree) can test at the same time.
checkout_id="$(printf '%s' "$ios_dir" | sha256sum | cut -c1-12)"
work="/var/cache/techo-ios-build/$checkout_id"
host_work="$SWIFT_CHROOT$work"
mkdir -p "$host_work/lib"

# A fresh copy of ios/ minus the Xcode-only parts; tar keeps modification times, so SwiftPM's
# cache (outside the copy) rebuilds only what changed.
rm -rf "$host_work/package"
mkdir -p "$host_work/package"
(cd "$ios_dir" && tar --exclude ./App --exclude ./.build --exclude './*.xcodeproj' \
    --exclude ./TechoKitFFI.xcframework -cf - .) | (cd "$host_work/package" && tar -xpf -)
cp -p "$TECHO_FFI_LIB_DIR/libtecho_ffi.so" "$host_work/lib/"
# The binding tests' receipt fixtures (TECHO_FIXTURES on the host), at a path the chroot sees.
rm -rf "$host_work/fixtures"
mkdir -p "$host_work/fixtures"
if [ -n "${TECHO_FIXTURES:-}" ]; then cp -p "$TECHO_FIXTURES"/* "$host_work/fixtures/"; fi
# The app's views, to parse.
rm -rf "$host_work/app-sources"
mkdir -p "$host_work/app-sources"
cp -p "$ios_dir"/App/Sources/*.swift "$host_work/app-sources/"
# The glossary and the parity scenario's expected texts, which both apps' tests read.
cp -p "$ios_dir/../wording/glossary.tsv" "$ios_dir/../wording/parity.tsv" "$host_work/fixtures/"

# Swift 6 language mode (Package.swift) already means complete strict concurrency; the flag is
# passed again so a target accidentally set back to Swift 5 mode still gets it.
test_args=""
[ $# -gt 0 ] && test_args="$(printf '%q ' "$@")"
# --allow-shlib-undefined: trixie's libswiftObservation.so (swiftlang 6.0.3) references
# swift::threading::fatal, which no library in the package exports; it is only called when a
# lock fails, and Apple's toolchain is not affected. Without it nothing using @Observable links.
swift_flags="-Xswiftc -strict-concurrency=complete -Xlinker -L$work/lib -Xlinker --allow-shlib-undefined"
chroot "$SWIFT_CHROOT" /usr/bin/env -i \
    HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
    LD_LIBRARY_PATH="$work/lib" \
    TECHO_SERVER_URL="${TECHO_SERVER_URL:-}" \
    TECHO_HM_CODE="${TECHO_HM_CODE:-}" \
    TECHO_PASSWORD="${TECHO_PASSWORD:-}" \
    TECHO_ACTIVATION_HM_CODE="${TECHO_ACTIVATION_HM_CODE:-}" \
    TECHO_ACTIVATION_CODE="${TECHO_ACTIVATION_CODE:-}" \
    TECHO_FIXTURES="$work/fixtures" \
    TECHO_GLOSSARY="$work/fixtures/glossary.tsv" \
    TECHO_PARITY="$work/fixtures/parity.tsv" \
    /bin/bash -c "
        set -euo pipefail
        swiftc -parse $work/app-sources/*.swift
        cd $work/package
        swift build --scratch-path $work/build --build-tests $swift_flags
        swift test --scratch-path $work/build --skip-build --disable-swift-testing $test_args
    "
