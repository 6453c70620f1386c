// First run, settings and the sync coordinator against the test server (TECHO_* variables).
import Foundation
import TechoAppModel
import TechoKit
import XCTest

@MainActor
final class AccountModelTests: XCTestCase {
    func testFirstRunLinksTheCardThenSignsIn() async throws {
        let server = try TestServer.fromEnvironment()
        let app = AppModel(wording: ja, clock: pinnedClock)
        await app.open(dataDirectory: try temporaryDirectory(self), serverURL: server.url, keyStore: MemoryKeyStore())
        XCTAssertEqual(app.phase, .firstRun)
        let firstRun = try XCTUnwrap(app.makeFirstRun())

        firstRun.hmCode = "12"
        firstRun.displayName = "テスト 花子"
        await firstRun.linkCard()
        XCTAssertEqual(firstRun.step, .linkCard)
        XCTAssertEqual(firstRun.problem(.hmCode), ja(.problemInvalidHmCode))

        firstRun.hmCode = server.hmCode
        firstRun.displayName = ""
        await firstRun.linkCard()
        XCTAssertEqual(firstRun.problem(.displayName), "お名前を入力してください。")

        firstRun.displayName = "テスト 花子"
        await firstRun.linkCard()
        XCTAssertEqual(firstRun.step, .signIn)

        firstRun.password = "wrong-\(UUID().uuidString)"
        await firstRun.signIn()
        XCTAssertEqual(firstRun.step, .signIn)
        XCTAssertEqual(firstRun.problems.general, "HMカードの番号かパスワードが違います。もう一度入力してください。")

        firstRun.password = server.password
        await firstRun.signIn()
        XCTAssertEqual(firstRun.step, .done)
        XCTAssertEqual(firstRun.password, "", "the password is not kept")
        XCTAssertEqual(app.activeProfile?.displayName, "テスト 花子")

        let sync = try XCTUnwrap(app.sync)
        let report = await sync.syncNow()
        XCTAssertEqual(report?.outcome, .complete)
        // Signing in may have started a run of its own: the line follows the core's state, so it
        // says "sending" until that run ends too.
        let sent = await eventually(within: 30) { sync.line.hasPrefix("すべて送りました") }
        XCTAssertTrue(sent, sync.line)
        XCTAssertFalse(sync.isRunning)
    }

    func testFirstRunHasAWayBackToCorrectTheCardNumber() async throws {
        let app = AppModel(wording: ja, clock: pinnedClock)
        await app.open(dataDirectory: try temporaryDirectory(self), serverURL: offlineServerURL, keyStore: MemoryKeyStore())
        let firstRun = try XCTUnwrap(app.makeFirstRun())
        firstRun.hmCode = "34009999"
        firstRun.displayName = "山田 花子"
        await firstRun.linkCard()
        XCTAssertEqual(firstRun.step, .signIn)
        await firstRun.back()
        XCTAssertEqual(firstRun.step, .linkCard)
        XCTAssertEqual(firstRun.hmCode, "34009999", "kept to correct")
        firstRun.hmCode = "34001234"
        await firstRun.linkCard()
        XCTAssertEqual(firstRun.step, .signIn, "the mistyped number is gone, so this one is not a duplicate")
        firstRun.continueWithoutSignIn()
        XCTAssertEqual(app.activeProfile?.hmCode, "34001234")
    }

    func testSettingsSignOutAndBackIn() async throws {
        let (server, app) = try await signedInApp()

        let settings = try XCTUnwrap(app.makeSettings())
        await settings.load()
        XCTAssertTrue(settings.isSignedIn)
        XCTAssertEqual(settings.refused, [])
        XCTAssertEqual(settings.refusedEmptyLine, "送れなかった記録はありません。")

        await settings.signOut()
        XCTAssertFalse(settings.isSignedIn)
        XCTAssertEqual(settings.accountLine, ja(.settingsSignedOut))
        XCTAssertEqual(settings.message, ja(.settingsSignedOutDone))
        XCTAssertEqual(settings.sync.line, ja(.syncNotSignedIn), "signed out on purpose: not asked to sign in again")

        settings.password = server.password
        await settings.signIn()
        XCTAssertTrue(settings.isSignedIn)
        XCTAssertEqual(settings.password, "")
    }

    func testOfflineIsShownAndTheReadingIsKept() async throws {
        let server = try TestServer.fromEnvironment()
        let directory = try temporaryDirectory(self)
        let keys = MemoryKeyStore()
        do {
            // Signed in while the server was reachable…
            let core = try await CoreOpener.open(dataDirectory: directory, serverURL: server.url, keyStore: keys)
            let me = try core.addProfile(hmCode: server.hmCode, displayName: "テスト 花子", relationship: .myself)
            try core.setActiveProfile(profileId: me.id)
            _ = try await core.login(hmCode: server.hmCode, password: server.password)
        }
        // …and now where it cannot be reached.
        let app = try await readyApp(self, serverURL: offlineServerURL, keyStore: keys, directory: directory)
        XCTAssertEqual(app.activeProfile?.displayName, "テスト 花子")
        let entry = try await record(app, .weight, at: jstDate(2025, 11, 20, 7)) { $0.weight = "60.1" }
        XCTAssertEqual(entry.savedLine, "保存しました。", "saving never needs the network")

        let sync = try XCTUnwrap(app.sync)
        let run = Task { await sync.syncNow() }
        let waiting = await eventually(within: 10) {
            if case .offline = sync.status?.state { true } else { false }
        }
        XCTAssertTrue(waiting, sync.line)
        XCTAssertFalse(sync.isRunning, "a run waiting to retry lets the button be pressed again")
        let report = await run.value
        guard case .offline = report?.outcome else {
            return XCTFail("expected an offline report, got \(String(describing: report))")
        }
        XCTAssertEqual(sync.line, "インターネットにつながっていません。記録は保存しました。つながったら送ります。")
        XCTAssertEqual(sync.status?.pending, 1)
    }

    func testSendingFirstRemovesAPersonOnlyOnceTheirRecordsAreSent() async throws {
        let (_, app) = try await signedInApp()
        _ = try await record(app, .weight, at: jstDate(2025, 11, 20, 7)) { $0.weight = "61.5" }

        let profiles = try XCTUnwrap(app.makeProfiles())
        await profiles.load()
        let me = try XCTUnwrap(profiles.people.first { $0.name == "テスト 花子" })
        await profiles.askToRemove(me.id)
        let removal = try XCTUnwrap(profiles.pendingRemoval)
        XCTAssertEqual(removal.sendFirstTitle, "送ってから外す")
        profiles.cancelRemoval()
        await profiles.sendThenRemove(removal)
        XCTAssertFalse(profiles.isBusy)
        XCTAssertEqual(profiles.message, "テスト 花子さんを、この端末から外しました。")
        XCTAssertFalse(profiles.people.contains { $0.name == "テスト 花子" })
        XCTAssertEqual(app.sync?.status?.pending, 0, "the reading went before the person did")
    }

    func testTheForegroundLoopStartsWakesAndStops() async throws {
        let (_, app) = try await signedInApp()

        let sync = try XCTUnwrap(app.sync)
        sync.becameActive()
        XCTAssertTrue(sync.isLoopActive)
        let synced = await eventually(within: 30) { sync.line.hasPrefix("すべて送りました") }
        XCTAssertTrue(synced, sync.line)
        sync.becameActive() // wakes the running loop rather than starting a second one
        XCTAssertTrue(sync.isLoopActive)
        sync.enteredBackground()
        XCTAssertFalse(sync.isLoopActive)
    }

    /// An app through its first run with the test account's own card, signed in.
    private func signedInApp() async throws -> (TestServer, AppModel) {
        let server = try TestServer.fromEnvironment()
        let app = AppModel(wording: ja, clock: pinnedClock)
        await app.open(dataDirectory: try temporaryDirectory(self), serverURL: server.url, keyStore: MemoryKeyStore())
        let firstRun = try XCTUnwrap(app.makeFirstRun())
        firstRun.hmCode = server.hmCode
        firstRun.displayName = "テスト 花子"
        await firstRun.linkCard()
        firstRun.password = server.password
        await firstRun.signIn()
        return (server, app)
    }
}
