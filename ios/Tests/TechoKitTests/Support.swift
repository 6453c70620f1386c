// Shared fixtures for the binding tests: an in-memory key store, the server the tests talk to,
// temporary data directories and a sync observer that records what the core reports.
import Foundation
import TechoKit
import XCTest

/// The `DeviceKeyStore` a phone would back with the Keychain, kept in memory.
final class InMemoryKeyStore: DeviceKeyStore, @unchecked Sendable {
    private let lock = NSLock()
    private var secrets: [String: Data] = [:]

    func load(name: String) throws -> Data? {
        lock.withLock { secrets[name] }
    }

    func save(name: String, secret: Data) throws {
        lock.withLock { secrets[name] = secret }
    }
}

/// A key store whose platform store is unreachable (a locked phone).
final class LockedKeyStore: DeviceKeyStore, @unchecked Sendable {
    func load(name: String) throws -> Data? {
        throw ApiError.KeyStore(reason: "keychain locked (test)")
    }

    func save(name: String, secret: Data) throws {
        throw ApiError.KeyStore(reason: "keychain locked (test)")
    }
}

/// The server and residents the harness prepared. Missing variables fail the test (not skip):
/// a binding suite that silently skips its network half would pass without testing sync.
struct TestServer {
    let url: String
    let hmCode: String
    let password: String
    let activationHmCode: String
    let activationCode: String

    static func fromEnvironment(file: StaticString = #filePath, line: UInt = #line) throws -> TestServer {
        let env = ProcessInfo.processInfo.environment
        func required(_ name: String) throws -> String {
            guard let value = env[name], !value.isEmpty else {
                XCTFail("\(name) is not set: start techo-server --demo and export the TECHO_* variables",
                        file: file, line: line)
                throw MissingEnvironment(name: name)
            }
            return value
        }
        return TestServer(
            url: try required("TECHO_SERVER_URL"),
            hmCode: try required("TECHO_HM_CODE"),
            password: try required("TECHO_PASSWORD"),
            activationHmCode: try required("TECHO_ACTIVATION_HM_CODE"),
            activationCode: try required("TECHO_ACTIVATION_CODE")
        )
    }
}

struct MissingEnvironment: Error {
    let name: String
}

/// A data directory removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("techo-kit-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url.path
}

/// Nothing listens on the discard port, so sync calls against it are offline at once.
let offlineServerURL = "http://127.0.0.1:9"

let jst: Int32 = 540

/// An instant given as Japan wall-clock time.
func jstDate(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(secondsFromGMT: 9 * 3600)!
    return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
}

/// What a keyboard with a Japanese IME produces for ASCII: the full-width forms.
func fullWidth(_ ascii: String) -> String {
    String(String.UnicodeScalarView(ascii.unicodeScalars.map { scalar in
        (0x21...0x7E).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0xFEE0)! : scalar
    }))
}

func entry(_ input: VitalInput, at date: Date, note: String? = nil) -> VitalEntry {
    VitalEntry(input: input, measuredAt: date, utcOffsetMinutes: jst, source: .selfEntered,
               deviceName: nil, note: note)
}

/// Records sync callbacks, which arrive on a core worker thread.
final class RecordingObserver: SyncObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var progressSeen: [SyncProgress] = []
    private var reportsSeen: [SyncReport] = []
    private let firstProgressContinuation: AsyncStream<Void>.Continuation
    /// Yields once, at the first progress callback.
    let firstProgress: AsyncStream<Void>

    init() {
        (firstProgress, firstProgressContinuation) = AsyncStream.makeStream(of: Void.self)
    }

    var progress: [SyncProgress] { lock.withLock { progressSeen } }
    var reports: [SyncReport] { lock.withLock { reportsSeen } }

    func onProgress(progress: SyncProgress) {
        let first = lock.withLock {
            progressSeen.append(progress)
            return progressSeen.count == 1
        }
        if first {
            firstProgressContinuation.yield()
            firstProgressContinuation.finish()
        }
    }

    func onFinished(report: SyncReport) {
        lock.withLock { reportsSeen.append(report) }
    }
}

/// Polls `condition` until it holds or `seconds` pass.
func eventually(within seconds: Double, _ condition: @Sendable () throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        try? await Task.sleep(nanoseconds: 100_000_000)
    }
    return try condition()
}

/// Asserts `body` throws an `ApiError` that `matches` accepts.
func assertApiError<T>(
    _ body: @autoclosure () throws -> T,
    file: StaticString = #filePath, line: UInt = #line,
    _ matches: (ApiError) -> Bool
) {
    do {
        _ = try body()
        XCTFail("expected an ApiError", file: file, line: line)
    } catch let error as ApiError {
        XCTAssertTrue(matches(error), "unexpected ApiError \(error)", file: file, line: line)
    } catch {
        XCTFail("expected an ApiError, got \(error)", file: file, line: line)
    }
}

func assertApiErrorAsync<T>(
    file: StaticString = #filePath, line: UInt = #line,
    _ body: () async throws -> T,
    _ matches: (ApiError) -> Bool
) async {
    do {
        _ = try await body()
        XCTFail("expected an ApiError", file: file, line: line)
    } catch let error as ApiError {
        XCTAssertTrue(matches(error), "unexpected ApiError \(error)", file: file, line: line)
    } catch {
        XCTFail("expected an ApiError, got \(error)", file: file, line: line)
    }
}

/// Every current reading of a profile, following the cursor to the end.
func allReadingIds(_ core: TechoCore, profileId: String) throws -> Set<String> {
    var ids = Set<String>()
    var cursor: String?
    repeat {
        let page = try core.listVitals(
            profileId: profileId,
            filter: VitalFilter(kind: nil, since: nil, until: nil, limit: 500, cursor: cursor))
        ids.formUnion(page.items.map(\.id))
        cursor = page.nextCursor
    } while cursor != nil
    return ids
}

/// A device signed in to the test account, with the account's profile linked and active.
func signedInDevice(_ test: XCTestCase, _ server: TestServer) async throws -> (TechoCore, Profile) {
    let core = try TechoCore.open(
        config: CoreConfig(dataDir: try temporaryDirectory(test), serverUrl: server.url),
        keystore: InMemoryKeyStore())
    let profile = try core.addProfile(hmCode: server.hmCode, displayName: "テスト 花子", relationship: .myself)
    try core.setActiveProfile(profileId: profile.id)
    _ = try await core.login(hmCode: server.hmCode, password: server.password)
    return (core, profile)
}
