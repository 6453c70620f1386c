import Foundation
import TechoKit

/// Keys kept in memory only: for tests and SwiftUI previews. Data made with it cannot be opened
/// again once the process ends.
public final class MemoryKeyStore: DeviceKeyStore, @unchecked Sendable {
    // @unchecked: every access to `secrets` holds `lock`.
    private let lock = NSLock()
    private var secrets: [String: Data] = [:]

    public init() {}

    public func load(name: String) throws -> Data? {
        lock.withLock { secrets[name] }
    }

    public func save(name: String, secret: Data) throws {
        lock.withLock { secrets[name] = secret }
    }
}
