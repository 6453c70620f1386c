// swift-tools-version: 6.0
// Kenko Techo iOS: everything except the SwiftUI views. Builds and tests on Linux (see
// scripts/test-linux.sh) as well as with Xcode; App/ (project.yml) depends on its products.
import Foundation
import PackageDescription

// Swift 6 language mode already implies complete strict concurrency; the explicit flag keeps it
// complete if a target is ever moved back to Swift 5 mode (P-F10: the generated bindings must
// pass it before a UniFFI bump lands).
let strictConcurrency: [SwiftSetting] = [.enableExperimentalFeature("StrictConcurrency")]

// With Xcode, the Rust core comes as an XCFramework made by scripts/build-xcframework.sh.
// Everywhere else (Linux, or a Mac that has not built it yet) the FFI module is a system
// library: the header plus module.modulemap, linked against libtecho_ffi found via -L.
let xcframework = Context.packageDirectory + "/TechoKitFFI.xcframework"
let ffiTarget: Target =
    FileManager.default.fileExists(atPath: xcframework)
    ? .binaryTarget(name: "TechoKitFFI", path: "TechoKitFFI.xcframework")
    : .systemLibrary(name: "TechoKitFFI", path: "Sources/TechoKitFFI")

let package = Package(
    name: "TechoKit",
    defaultLocalization: "ja",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [
        .library(name: "TechoKit", targets: ["TechoKit"]),
        .library(name: "TechoAppModel", targets: ["TechoAppModel"]),
    ],
    targets: [
        ffiTarget,
        .target(
            name: "TechoKit",
            dependencies: ["TechoKitFFI"],
            path: "Sources/TechoKit",
            swiftSettings: strictConcurrency
        ),
        .target(
            name: "TechoAppModel",
            dependencies: ["TechoKit"],
            path: "Sources/TechoAppModel",
            resources: [.process("Resources")],
            swiftSettings: strictConcurrency
        ),
        .testTarget(
            name: "TechoKitTests",
            dependencies: ["TechoKit"],
            path: "Tests/TechoKitTests",
            swiftSettings: strictConcurrency
        ),
        .testTarget(
            name: "TechoAppModelTests",
            dependencies: ["TechoAppModel", "TechoKit"],
            path: "Tests/TechoAppModelTests",
            swiftSettings: strictConcurrency
        ),
    ],
    swiftLanguageModes: [.v6]
)
