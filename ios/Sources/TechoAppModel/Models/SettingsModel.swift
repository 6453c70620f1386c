import Foundation
import Observation
import TechoKit

/// The account, signing out and in again, and changes the server refused with a way to send
/// them again.
@Observable @MainActor
public final class SettingsModel {
    public struct RefusedChange: Identifiable, Equatable, Sendable {
        public let id: String
        public let line: String
    }

    public let title: String
    public private(set) var accountLine: String?
    public private(set) var isSignedIn = false
    public private(set) var refused: [RefusedChange] = []
    public private(set) var notice: Notice?
    public var message: String? { notice?.text }
    /// Whether `message` reports a problem (shown red) rather than a done step (green).
    public var messageIsProblem: Bool { notice?.isProblem ?? false }
    public var password = ""
    /// Whose card signs in: the account holder's own (the person marked as oneself), whoever
    /// the app is showing — a daughter viewing her mother's notebook signs in with her own card.
    public var signInHmCode = ""
    public let sync: SyncCoordinator

    private let access: CoreAccess
    private let wording: Wording
    private let activeProfile: Profile?

    init(access: CoreAccess, wording: Wording, sync: SyncCoordinator, activeProfile: Profile?) {
        self.access = access
        self.wording = wording
        self.sync = sync
        self.activeProfile = activeProfile
        title = wording(.settingsTitle)
    }

    public var refusedTitle: String { wording(.settingsRefused) }
    public var refusedEmptyLine: String? { refused.isEmpty ? wording(.settingsRefusedNone) : nil }
    public var retryTitle: String { wording(.settingsRetry) }
    public var signOutTitle: String { wording(.settingsSignOut) }
    public var signInTitle: String { wording(.settingsSignIn) }
    public var passwordLabel: String { wording(.firstRunPassword) }
    public var hmCodeLabel: String { wording.fieldName(.hmCode) }

    public func load() async {
        do {
            let (account, items, people) = try await access.run { core in
                (try core.account(), try core.wedgedItems(), try core.profiles())
            }
            isSignedIn = account != nil
            if signInHmCode.isEmpty {
                signInHmCode = people.first { $0.relationship == .myself }?.hmCode ?? activeProfile?.hmCode ?? ""
            }
            accountLine = account.map { wording(.settingsSignedInAs, $0.hmCode) } ?? wording(.settingsSignedOut)
            refused = items.map { RefusedChange(id: $0.mutationId, line: wording.refusedChange($0)) }
            await sync.refresh()
        } catch {
            notice = .problem(wording.message(for: error))
        }
    }

    public func retry(_ change: RefusedChange) async {
        let id = change.id
        do {
            try await access.run { try $0.retryWedged(mutationId: id) }
            notice = .done(wording(.settingsRetried))
            await load()
        } catch {
            notice = .problem(wording.message(for: error))
        }
    }

    public func signOut() async {
        do {
            try await access.core.logout()
            notice = .done(wording(.settingsSignedOutDone))
            await load()
        } catch {
            notice = .problem(wording.message(for: error))
        }
    }

    /// Signs in with the card in `signInHmCode`; the account's other patients are added by the
    /// core.
    public func signIn() async {
        let (hmCode, password) = (signInHmCode, self.password)
        do {
            _ = try await access.core.login(hmCode: hmCode, password: password)
            self.password = ""
            notice = nil
            await load()
            await sync.syncNow()
        } catch {
            notice = .problem(wording.message(for: error))
        }
    }
}
