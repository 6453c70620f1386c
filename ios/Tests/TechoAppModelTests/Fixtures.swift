// A real core in a temporary directory behind the app model, with a pinned clock in Japan.
import Foundation
import TechoAppModel
import TechoKit
import XCTest

/// Nothing listens on the discard port: sync is offline at once.
let offlineServerURL = "http://127.0.0.1:9"

let tokyo = TimeZone(identifier: "Asia/Tokyo")!

func jstDate(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = tokyo
    return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
}

/// 2025-11-20 22:00 in Tokyo: late enough for a full day of readings, long enough ago that no
/// test reading is "in the future".
let pinnedNow = jstDate(2025, 11, 20, 22)
let pinnedClock = LocalClock(now: { pinnedNow }, timeZone: tokyo)

let ja = Wording(.ja)
let en = Wording(.en)

func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("techo-app-model-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

struct TestServer {
    let url: String
    let hmCode: String
    let password: String

    /// Missing variables fail the test rather than skip it.
    static func fromEnvironment(file: StaticString = #filePath, line: UInt = #line) throws -> TestServer {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["TECHO_SERVER_URL"], let code = env["TECHO_HM_CODE"], let password = env["TECHO_PASSWORD"],
              !url.isEmpty, !code.isEmpty, !password.isEmpty else {
            XCTFail("TECHO_SERVER_URL, TECHO_HM_CODE and TECHO_PASSWORD must be set", file: file, line: line)
            throw CocoaError(.featureUnsupported)
        }
        return TestServer(url: url, hmCode: code, password: password)
    }
}

/// An app whose store is open and whose first run is done for 山田 花子 (HM code 34001234).
@MainActor
func readyApp(_ test: XCTestCase, wording: Wording = ja, serverURL: String = offlineServerURL,
              keyStore: MemoryKeyStore = MemoryKeyStore(), directory: URL? = nil,
              clock: LocalClock = pinnedClock) async throws -> AppModel {
    let app = AppModel(wording: wording, clock: clock)
    await app.open(dataDirectory: try directory ?? temporaryDirectory(test), serverURL: serverURL, keyStore: keyStore)
    if app.phase == .firstRun {
        let firstRun = try XCTUnwrap(app.makeFirstRun())
        firstRun.hmCode = "３４００１２３４"
        firstRun.displayName = "山田 花子"
        await firstRun.linkCard()
        firstRun.continueWithoutSignIn()
    }
    guard case .ready = app.phase else {
        XCTFail("the app should be ready, is \(app.phase)")
        throw CocoaError(.featureUnsupported)
    }
    return app
}

@MainActor
func record(_ app: AppModel, _ kind: VitalKind, at date: Date, _ fill: (EntryModel) -> Void) async throws -> EntryModel {
    let entry = try XCTUnwrap(app.makeEntry(kind))
    entry.measuredAt = date
    fill(entry)
    await entry.save()
    return entry
}

/// Polls `condition` on the main actor until it holds or `seconds` pass.
@MainActor
func eventually(within seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: 100_000_000)
    }
    return condition()
}
