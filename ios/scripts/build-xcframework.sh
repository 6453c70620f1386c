#!/usr/bin/env bash
# Builds ios/TechoKitFFI.xcframework from the Rust core, on a Mac with Xcode and rustup.
# Package.swift switches to it (a binaryTarget) as soon as it exists.
#
# It regenerates nothing: the Swift bindings and the C header are the committed copies from
# scripts/regenerate-bindings.sh. They must come from the same source as this library, or the
# bindings stop the app at launch with "UniFFI API checksum mismatch" — rebuild after pulling.
set -euo pipefail
cd "$(dirname "$0")/../.."

device=aarch64-apple-ios
simulators=(aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "$device" "${simulators[@]}"
for target in "$device" "${simulators[@]}"; do
    cargo build --profile mobile --locked -p techo-ffi --target "$target"
done

target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/headers" "$stage/simulator"

# Inside an XCFramework the static library is linked by SwiftPM itself, so this module map has
# no `link` line (the one in Sources/TechoKitFFI has, for the system-library target).
cp ios/Sources/TechoKitFFI/TechoKitFFI.h "$stage/headers/"
cat > "$stage/headers/module.modulemap" <<'MAP'
module TechoKitFFI {
    header "TechoKitFFI.h"
    export *
}
MAP

# One library per platform: the two simulator architectures become one fat file.
lipo -create \
    "$target_dir/aarch64-apple-ios-sim/mobile/libtecho_ffi.a" \
    "$target_dir/x86_64-apple-ios/mobile/libtecho_ffi.a" \
    -output "$stage/simulator/libtecho_ffi.a"

rm -rf ios/TechoKitFFI.xcframework
xcodebuild -create-xcframework \
    -library "$target_dir/$device/mobile/libtecho_ffi.a" -headers "$stage/headers" \
    -library "$stage/simulator/libtecho_ffi.a" -headers "$stage/headers" \
    -output ios/TechoKitFFI.xcframework
echo "built ios/TechoKitFFI.xcframework"
