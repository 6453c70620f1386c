import Foundation
import TechoKit

/// The core as the view models reach it. Database calls are synchronous in the core, so each
/// runs on a detached task: the main actor never waits on SQLite (P-F11).
public struct CoreAccess: Sendable {
    public let core: any TechoCoreProtocol

    public init(_ core: any TechoCoreProtocol) {
        self.core = core
    }

    public func run<T: Sendable>(_ call: @escaping @Sendable (any TechoCoreProtocol) throws -> T) async throws -> T {
        let core = self.core
        return try await Task.detached(priority: .userInitiated) { try call(core) }.value
    }

    /// One line of a checkup's items checked as a save would check it (no database: the code
    /// list only, so it runs where it is called). Throws `ApiError.Validation` naming `.itemCode`
    /// or `.itemValue` with the typed problem; returns when the line is fine.
    public func checkItem(code: String, value: String) throws {
        try checkCheckupItem(code: code, value: value)
    }
}

/// "Now" and the phone's UTC offset at an instant: the inputs the core needs to place a reading
/// on a local day. Injected so tests can pin the clock and the zone.
public struct LocalClock: Sendable {
    public var now: @Sendable () -> Date
    public var timeZone: TimeZone

    public init(now: @escaping @Sendable () -> Date = { Date() }, timeZone: TimeZone = .current) {
        self.now = now
        self.timeZone = timeZone
    }

    public func utcOffsetMinutes(at date: Date) -> Int32 {
        utcOffsetSeconds(at: date) / 60
    }

    func utcOffsetSeconds(at date: Date) -> Int32 {
        Int32(timeZone.secondsFromGMT(for: date))
    }

    /// The phone's zone rules, for the core's one question about them (`readingTime`).
    var zone: PhoneZone { ZoneRules(clock: self) }
}

/// The clock's `TimeZone` answering the core.
private final class ZoneRules: PhoneZone {
    let clock: LocalClock

    init(clock: LocalClock) { self.clock = clock }

    func utcOffsetSecondsAt(at: Date) -> Int32 {
        clock.utcOffsetSeconds(at: at)
    }
}

/// Opening the store reads the key store and may migrate the database: never on the main actor.
public enum CoreOpener {
    public static func open(dataDirectory: URL, serverURL: String, keyStore: any DeviceKeyStore) async throws -> TechoCore {
        try await Task.detached(priority: .userInitiated) {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
            prepare(dataDirectory)
            return try TechoCore.open(config: CoreConfig(dataDir: dataDirectory.path, serverUrl: serverURL),
                                      keystore: keyStore)
        }.value
    }

    /// Sets the unreadable database aside and makes a fresh one (`startOver` in the core).
    public static func startOver(dataDirectory: URL, serverURL: String, keyStore: any DeviceKeyStore) async throws -> StartOverReport {
        try await Task.detached(priority: .userInitiated) {
            try TechoKit.startOver(config: CoreConfig(dataDir: dataDirectory.path, serverUrl: serverURL),
                                   keystore: keyStore)
        }.value
    }

    /// The database key never leaves the device (…ThisDeviceOnly), so a backed-up database could
    /// not be opened anywhere else: keep it out of iCloud backups; the server is the backup.
    /// Background sync opens the files while the phone is locked, hence protection until first
    /// unlock rather than `.complete` (quality.md §1.4); showing data stays behind the unlock.
    static func prepare(_ directory: URL) {
        #if canImport(Darwin)
        var url = directory
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try? url.setResourceValues(values)
        #endif
        #if os(iOS)
        try? FileManager.default.setAttributes(
            [.protectionKey: FileProtectionType.completeUntilFirstUserAuthentication], ofItemAtPath: directory.path)
        #endif
    }
}
