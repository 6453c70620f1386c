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
    entry.pick(try pickedDateTime(at: date, utcOffsetMinutes: 540))
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

/// A small PNG (48 + `n` pixels wide, so each `n` is a different photo) written for a test: many
/// photos cost little to add, send and shrink. Stored (uncompressed) deflate blocks keep the
/// encoder to a few lines.
func tinyPhoto(_ test: XCTestCase, _ n: Int) throws -> URL {
    let width = 48 + n, height = 64
    var raw = Data()
    for y in 0..<height {
        raw.append(0) // no filter
        for x in 0..<width {
            raw.append(contentsOf: [UInt8((x * 7 + n * 31) % 256), UInt8((y * 5) % 256), UInt8((x * y + n) % 256)])
        }
    }
    var zlib = Data([0x78, 0x01])
    var offset = 0
    while offset < raw.count {
        let size = min(65_535, raw.count - offset)
        zlib.append(offset + size == raw.count ? 1 : 0)
        zlib.append(contentsOf: [UInt8(size & 0xff), UInt8(size >> 8), UInt8(~size & 0xff), UInt8((~size >> 8) & 0xff)])
        zlib.append(raw[offset..<(offset + size)])
        offset += size
    }
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in raw {
        a = (a + UInt32(byte)) % 65_521
        b = (b + a) % 65_521
    }
    zlib.append(bigEndian((b << 16) | a))

    var png = Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    func chunk(_ type: String, _ body: Data) {
        let typed = Data(type.utf8) + body
        png.append(bigEndian(UInt32(body.count)))
        png.append(typed)
        png.append(bigEndian(crc32(typed)))
    }
    chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + Data([8, 2, 0, 0, 0]))
    chunk("IDAT", zlib)
    chunk("IEND", Data())
    let url = try temporaryDirectory(test).appendingPathComponent("photo-\(n).png")
    try png.write(to: url)
    return url
}

private func bigEndian(_ value: UInt32) -> Data {
    Data([UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)])
}

private func crc32(_ data: Data) -> UInt32 {
    var crc: UInt32 = 0xffff_ffff
    for byte in data {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc & 1) == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
    }
    return ~crc
}

/// A phone signed in to the test server with the account's own profile, as a second device of
/// the same person would be.
@MainActor
func signedInDevice(_ test: XCTestCase, _ server: TestServer) async throws -> (TechoCore, Profile) {
    let core = try TechoCore.open(config: CoreConfig(dataDir: try temporaryDirectory(test).path, serverUrl: server.url),
                                  keystore: MemoryKeyStore())
    let profile = try core.addProfile(hmCode: server.hmCode, displayName: "テスト 花子", relationship: .myself)
    _ = try await core.login(hmCode: server.hmCode, password: server.password)
    return (core, profile)
}
