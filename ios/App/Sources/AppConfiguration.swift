import Foundation

/// Where the app keeps its data and which server it talks to.
enum AppConfiguration {
    /// Application Support/KenkoTecho: private to the app; excluded from backup by the core
    /// opener, since the Keychain key that opens it never leaves this phone.
    static var dataDirectory: URL {
        let base = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        return base.appendingPathComponent("KenkoTecho", isDirectory: true)
    }

    /// From Info.plist (TechoServerURL in project.yml), so a test build can point elsewhere.
    static var serverURL: String {
        Bundle.main.object(forInfoDictionaryKey: "TechoServerURL") as? String ?? "https://techo.hm-net.example"
    }
}
