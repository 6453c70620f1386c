#if canImport(Security)
import Foundation
import Security
import TechoKit

/// The core's database key and sync refresh token in the iOS Keychain.
///
/// Accessibility is `AfterFirstUnlockThisDeviceOnly`: background sync (BGAppRefreshTask) runs
/// while the phone is locked, so the key must be readable after the first unlock since boot,
/// and "ThisDeviceOnly" keeps it out of backups and device transfers, where it would only
/// decrypt a database that is not there (quality.md §1.4). Showing data stays behind the
/// phone's own unlock.
public final class KeychainKeyStore: DeviceKeyStore {
    private let service: String

    public init(service: String = "jp.kenkotecho.core") {
        self.service = service
    }

    public func load(name: String) throws -> Data? {
        var query = baseQuery(name)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        switch status {
        case errSecSuccess:
            guard let data = result as? Data else { throw ApiError.KeyStore(reason: "keychain item is not data") }
            return data
        case errSecItemNotFound:
            return nil
        default:
            // errSecInteractionNotAllowed before the first unlock: the core must not treat this
            // as "no key" and make a new one.
            throw ApiError.KeyStore(reason: "keychain read failed (\(status))")
        }
    }

    public func save(name: String, secret: Data) throws {
        let update: [String: Any] = [
            kSecValueData as String: secret,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        var status = SecItemUpdate(baseQuery(name) as CFDictionary, update as CFDictionary)
        if status == errSecItemNotFound {
            var add = baseQuery(name)
            add.merge(update) { _, new in new }
            status = SecItemAdd(add as CFDictionary, nil)
        }
        guard status == errSecSuccess else {
            throw ApiError.KeyStore(reason: "keychain write failed (\(status))")
        }
    }

    private func baseQuery(_ name: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: name,
            // Never synced to iCloud Keychain: the key belongs to this device's database.
            kSecAttrSynchronizable as String: false,
        ]
    }
}
#endif
