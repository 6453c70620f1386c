// Accounts and sync against a real techo-server (TECHO_* variables): sign-in errors, push and
// pull between two devices, activation, the background loop, refused changes and sign-out.
import Foundation
import TechoKit
import XCTest

final class SyncTests: XCTestCase {
    func testAWrongPasswordIsAnAuthErrorAndLeavesNoAccount() async throws {
        let server = try TestServer.fromEnvironment()
        let core = try TechoCore.open(config: CoreConfig(dataDir: try temporaryDirectory(self), serverUrl: server.url),
                                      keystore: InMemoryKeyStore())
        await assertApiErrorAsync({ try await core.login(hmCode: server.hmCode, password: "wrong-\(UUID().uuidString)") }) {
            if case .Auth(problem: .wrongCredentials, reason: _) = $0 { return true } else { return false }
        }
        XCTAssertNil(try core.account())
    }

    func testAnUnreachableServerIsANetworkError() async throws {
        let core = try TechoCore.open(
            config: CoreConfig(dataDir: try temporaryDirectory(self), serverUrl: offlineServerURL),
            keystore: InMemoryKeyStore())
        await assertApiErrorAsync({ try await core.login(hmCode: "34001234", password: "whatever") }) {
            if case .Network = $0 { return true } else { return false }
        }
    }

    func testReadingsTravelToASecondDevice() async throws {
        let server = try TestServer.fromEnvironment()
        let (phone, profile) = try await signedInDevice(self, server)
        let account = try XCTUnwrap(try phone.account())
        XCTAssertTrue(account.patients.contains(profile.hmCode), "the account may act for its own HM code")
        XCTAssertTrue(try phone.canSendChanges(profileId: profile.id), "so its changes can be sent before removing it")
        XCTAssertEqual(account.hmCode, profile.hmCode)

        var recorded = Set<String>()
        for minutesAgo in [90, 60, 30] {
            let vital = try phone.recordVital(profileId: profile.id, entry: entry(
                .bloodPressure(systolic: "128", diastolic: "82", pulse: "70", context: .other),
                at: Date().addingTimeInterval(-Double(minutesAgo) * 60))).vital
            recorded.insert(vital.id)
        }
        XCTAssertEqual(try phone.syncStatus().pending, 3)

        let observer = RecordingObserver()
        let report = try await phone.syncNow(observer: observer)
        XCTAssertEqual(report.outcome, .complete)
        XCTAssertGreaterThanOrEqual(report.pushed, 3)
        XCTAssertEqual(report.pending, 0)
        XCTAssertGreaterThanOrEqual(observer.progress.count, 1)
        XCTAssertEqual(observer.reports, [report], "one finished report per run")

        let status = try phone.syncStatus()
        XCTAssertEqual(status.pending, 0)
        XCTAssertEqual(status.wedged, 0)
        XCTAssertFalse(status.running)
        XCTAssertNotNil(status.lastSuccess)
        XCTAssertEqual(status.state, .upToDate(lastSuccess: status.lastSuccess))
        XCTAssertEqual(status.lastReport?.outcome, .complete)
        for id in recorded {
            XCTAssertTrue(try phone.getVital(vitalId: id).synced)
        }

        let (tablet, tabletProfile) = try await signedInDevice(self, server)
        XCTAssertNotEqual(tablet.deviceId(), phone.deviceId())
        let pulled = try await tablet.syncNow(observer: nil)
        XCTAssertEqual(pulled.outcome, .complete)
        let onTablet = try allReadingIds(tablet, profileId: tabletProfile.id)
        XCTAssertTrue(recorded.isSubset(of: onTablet))
        XCTAssertEqual(onTablet, try allReadingIds(phone, profileId: profile.id))
    }

    func testActivationSetsAPasswordThatSignsIn() async throws {
        let server = try TestServer.fromEnvironment()
        let core = try TechoCore.open(config: CoreConfig(dataDir: try temporaryDirectory(self), serverUrl: server.url),
                                      keystore: InMemoryKeyStore())
        let password = "kenko-\(UUID().uuidString.prefix(8))"
        // A password under 8 characters is refused before the code is spent.
        await assertApiErrorAsync({
            try await core.activate(hmCode: server.activationHmCode, activationCode: server.activationCode, password: "short")
        }) {
            if case .Auth(problem: .weakPassword, reason: _) = $0 { return true } else { return false }
        }
        try await core.activate(hmCode: server.activationHmCode, activationCode: server.activationCode, password: password)
        // The code is single-use: a second activation with it is refused as an invalid code.
        await assertApiErrorAsync({
            try await core.activate(hmCode: server.activationHmCode, activationCode: server.activationCode,
                                    password: "kenko-other-\(UUID().uuidString.prefix(8))")
        }) {
            if case .Auth(problem: .invalidActivationCode, reason: _) = $0 { return true } else { return false }
        }
        let account = try await core.login(hmCode: server.activationHmCode, password: password)
        // Signing in put the account's patients on the device, the holder as oneself.
        let profile = try XCTUnwrap(try core.profiles().first { $0.hmCode == account.hmCode })
        XCTAssertEqual(profile.relationship, .myself)
        XCTAssertEqual(account.hmCode, profile.hmCode)
        XCTAssertTrue(account.patients.contains(profile.hmCode))
        XCTAssertEqual(try core.account(), account)
    }

    func testAutoSyncRunsWakesAndStops() async throws {
        let server = try TestServer.fromEnvironment()
        let (core, profile) = try await signedInDevice(self, server)
        _ = try core.recordVital(profileId: profile.id, entry: entry(.steps(count: "4321"), at: Date().addingTimeInterval(-600)))

        let observer = RecordingObserver()
        let handle = core.startAutoSync(intervalSeconds: 3600, observer: observer)
        XCTAssertTrue(handle.isActive())
        let firstRun = await eventually(within: 30) { observer.reports.count >= 1 }
        XCTAssertTrue(firstRun, "the loop syncs at once")
        XCTAssertEqual(observer.reports.first?.outcome, .complete)
        XCTAssertEqual(try core.syncStatus().pending, 0)

        handle.wake()
        let woken = await eventually(within: 30) { observer.reports.count >= 2 }
        XCTAssertTrue(woken, "wake() syncs long before the hour is up")

        handle.cancel()
        XCTAssertFalse(handle.isActive())
        let runsAtCancel = observer.reports.count
        handle.wake()
        try await Task.sleep(nanoseconds: 1_500_000_000)
        XCTAssertEqual(observer.reports.count, runsAtCancel, "a cancelled loop stays stopped")
    }

    func testOneLoopPerCoreAndReleasingTheCoreStopsIt() throws {
        var phone: TechoCore? = try TechoCore.open(
            config: CoreConfig(dataDir: try temporaryDirectory(self), serverUrl: "http://127.0.0.1:9"),
            keystore: InMemoryKeyStore())
        let first = phone!.startAutoSync(intervalSeconds: 3600, observer: nil)
        let second = phone!.startAutoSync(intervalSeconds: 3600, observer: nil)
        XCTAssertFalse(first.isActive(), "a second loop replaces the first")
        XCTAssertTrue(second.isActive())
        phone = nil
        XCTAssertFalse(second.isActive(), "releasing the core stops its loop")
    }

    func testNothingRefusedAndRetryingAnUnknownChangeIsNotFound() async throws {
        let server = try TestServer.fromEnvironment()
        let (core, _) = try await signedInDevice(self, server)
        _ = try await core.syncNow(observer: nil)
        XCTAssertEqual(try core.wedgedItems(), [])
        assertApiError(try core.retryWedged(mutationId: UUID().uuidString)) {
            if case .NotFound = $0 { return true } else { return false }
        }
    }

    func testSignOutKeepsUnsentReadingsAndSyncAsksForSignIn() async throws {
        let server = try TestServer.fromEnvironment()
        let (core, profile) = try await signedInDevice(self, server)
        try await core.logout()
        XCTAssertNil(try core.account())

        _ = try core.recordVital(profileId: profile.id, entry: entry(.weight(kg: "60.5"), at: Date().addingTimeInterval(-60)))
        let report = try await core.syncNow(observer: nil)
        XCTAssertEqual(report.outcome, .needsLogin)
        XCTAssertEqual(try core.syncStatus().pending, 1, "unsent readings wait for the next sign-in")

        _ = try await core.login(hmCode: server.hmCode, password: server.password)
        let again = try await core.syncNow(observer: nil)
        XCTAssertEqual(again.outcome, .complete)
        XCTAssertEqual(try core.syncStatus().pending, 0)
    }
}
