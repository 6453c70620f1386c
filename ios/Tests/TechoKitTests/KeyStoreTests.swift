// The Swift key store seen from the core: its errors arrive as ApiError, and a lost key is
// reported instead of a new empty database being made over the old one.
import Foundation
import TechoKit
import XCTest

final class KeyStoreTests: XCTestCase {
    func testAKeyStoreThatThrowsStopsTheOpen() throws {
        let dir = try temporaryDirectory(self)
        assertApiError(try TechoCore.open(config: CoreConfig(dataDir: dir, serverUrl: offlineServerURL),
                                          keystore: LockedKeyStore())) {
            if case .KeyStore = $0 { return true } else { return false }
        }
    }

    func testReopeningWithoutTheKeyIsKeyUnavailable() throws {
        let dir = try temporaryDirectory(self)
        let keys = InMemoryKeyStore()
        do {
            let core = try TechoCore.open(config: CoreConfig(dataDir: dir, serverUrl: offlineServerURL), keystore: keys)
            _ = try core.addProfile(hmCode: "34001234", displayName: "山田 花子", relationship: .myself)
        }
        // The same key store opens the same data again.
        do {
            let core = try TechoCore.open(config: CoreConfig(dataDir: dir, serverUrl: offlineServerURL), keystore: keys)
            XCTAssertEqual(try core.profiles().count, 1)
        }
        assertApiError(try TechoCore.open(config: CoreConfig(dataDir: dir, serverUrl: offlineServerURL),
                                          keystore: InMemoryKeyStore())) {
            $0 == .KeyUnavailable
        }
    }

    func testStartingOverKeepsWhatCanStillBeRead() throws {
        let dir = try temporaryDirectory(self)
        let config = CoreConfig(dataDir: dir, serverUrl: offlineServerURL)
        let keys = InMemoryKeyStore()
        do {
            let core = try TechoCore.open(config: config, keystore: keys)
            let profile = try core.addProfile(hmCode: "34001234", displayName: "山田 花子", relationship: .myself)
            _ = try core.recordVital(profileId: profile.id, entry: entry(.steps(count: "100"), at: Date().addingTimeInterval(-60)))
        }
        let kept = try startOver(config: config, keystore: keys)
        XCTAssertEqual([kept.salvagedChanges, kept.salvagedProfiles, kept.salvagedReadings], [1, 1, 1])
        XCTAssertTrue(FileManager.default.fileExists(atPath: kept.setAsideFile))
        do {
            let core = try TechoCore.open(config: config, keystore: keys)
            XCTAssertEqual(try core.syncStatus().pending, 1)
        }

        let lost = InMemoryKeyStore()
        let empty = try startOver(config: config, keystore: lost)
        XCTAssertEqual(empty.salvagedChanges, 0)
        do {
            let core = try TechoCore.open(config: config, keystore: lost)
            XCTAssertEqual(try core.profiles(), [])
        }
    }
}
