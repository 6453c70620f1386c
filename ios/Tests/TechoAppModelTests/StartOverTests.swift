// Starting over when the store cannot be opened for good, and not when retrying can help.
import Foundation
import TechoAppModel
import TechoKit
import XCTest

private final class LockedKeys: DeviceKeyStore, @unchecked Sendable {
    func load(name: String) throws -> Data? { throw ApiError.KeyStore(reason: "device locked") }
    func save(name: String, secret: Data) throws { throw ApiError.KeyStore(reason: "device locked") }
}

@MainActor
final class StartOverTests: XCTestCase {
    func testALostKeyOffersStartingOverWhichOpensAFreshNotebook() async throws {
        let directory = try temporaryDirectory(self)
        do {
            let first = try await readyApp(self, directory: directory)
            _ = try await record(first, .weight, at: jstDate(2025, 11, 20, 7)) { $0.weight = "61.2" }
        }

        // The key store lost the key (say, restored onto another phone).
        let lost = MemoryKeyStore()
        let app = AppModel(wording: ja, clock: pinnedClock)
        await app.open(dataDirectory: directory, serverURL: offlineServerURL, keyStore: lost)
        guard case .cannotOpen(let message) = app.phase else { return XCTFail("\(app.phase)") }
        XCTAssertTrue(message.contains(ja(.errorKeyLost)), message)
        XCTAssertTrue(app.canStartOver)

        await app.startOver(dataDirectory: directory, serverURL: offlineServerURL, keyStore: lost)
        XCTAssertEqual(app.phase, .firstRun, "nothing could be read without the key")
        XCTAssertEqual(app.startOverNotice, ja(.startOverDone))
        XCTAssertFalse(app.canStartOver)
        app.dismissStartOverNotice()
        XCTAssertNil(app.startOverNotice)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertTrue(files.contains { $0.hasPrefix("techo.db.set-aside-") }, "the old file is kept: \(files)")
    }

    func testALockedKeyStoreOnlyOffersRetrying() async throws {
        let app = AppModel(wording: ja, clock: pinnedClock)
        let directory = try temporaryDirectory(self)
        await app.open(dataDirectory: directory, serverURL: offlineServerURL, keyStore: LockedKeys())
        guard case .cannotOpen = app.phase else { return XCTFail("\(app.phase)") }
        XCTAssertFalse(app.canStartOver, "unlocking the phone fixes this; starting over would not")
        await app.startOver(dataDirectory: directory, serverURL: offlineServerURL, keyStore: LockedKeys())
        guard case .cannotOpen = app.phase else { return XCTFail("refused: \(app.phase)") }
    }
}
