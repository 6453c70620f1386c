import Foundation
import Observation
import TechoKit

/// Whose notebook is shown. Switching is an explicit button per person (U8); adding a family
/// member links their HM card number to this phone.
@Observable @MainActor
public final class ProfilesModel {
    public struct Person: Identifiable, Equatable, Sendable {
        public let id: String
        public let name: String
        public let relationship: String
        public let isActive: Bool
        public let switchTitle: String
    }

    public let title: String
    public private(set) var currentLine: String?
    public private(set) var people: [Person] = []
    public private(set) var notice: Notice?
    public var message: String? { notice?.text }
    /// Whether `message` reports a problem (shown red) rather than a done step (green).
    public var messageIsProblem: Bool { notice?.isProblem ?? false }
    /// The removal waiting for the person's answer: its question, and whether it would lose
    /// unsent changes. With unsent changes a sync can send, it offers `sendFirstTitle` (send,
    /// then remove if nothing is left unsent) beside `removeTitle`, which then removes without
    /// sending.
    public private(set) var pendingRemoval: Removal?
    /// Sending before a removal: the remove buttons wait.
    public private(set) var isBusy = false

    public struct Removal: Equatable, Sendable {
        public let personId: String
        public let question: String
        public let discardsUnsent: Bool
        public let removeTitle: String
        public let sendFirstTitle: String?
    }

    // The add-a-family-member form.
    public var newHmCode = ""
    public var newName = ""
    public private(set) var problems = FormProblems()

    private let access: CoreAccess
    private let wording: Wording
    /// The person now shown; `nil` when nobody is left on the phone.
    private let onSwitch: @MainActor (Profile?) -> Void
    private let sync: SyncCoordinator?
    private var profiles: [Profile] = []

    init(access: CoreAccess, wording: Wording, sync: SyncCoordinator?, onSwitch: @escaping @MainActor (Profile?) -> Void) {
        self.access = access
        self.sync = sync
        self.wording = wording
        self.onSwitch = onSwitch
        title = wording(.profilesTitle)
    }

    public var addTitle: String { wording(.profilesAddFamily) }
    public var renameTitle: String { wording(.profilesRename) }
    public var removeTitle: String { wording(.profilesRemove) }
    public var addButtonTitle: String { wording(.profilesAdd) }

    public func load() async {
        do {
            let (all, active) = try await access.run { core in (try core.profiles(), try core.activeProfile()) }
            profiles = all
            people = all.map { p in
                Person(id: p.id, name: p.displayName, relationship: wording.relationshipName(p.relationship),
                       isActive: p.id == active?.id, switchTitle: wording(.profilesSwitchTo, p.displayName))
            }
            currentLine = active.map { wording(.profilesCurrent, $0.displayName) }
        } catch {
            notice = .problem(wording.message(for: error))
        }
    }

    /// A new name for a person (a mistyped one, or "HM 34005678" after signing in).
    /// A refused name is said in the message box at the top (the rename question has closed by
    /// then), never under the add-a-family-member form.
    public func rename(_ personId: String, to name: String) async {
        do {
            let renamed = try await access.run { try $0.renameProfile(profileId: personId, displayName: name) }
            await load()
            notice = .done(wording(.profilesRenamed, renamed.displayName))
        } catch {
            let refused = FormProblems(error, wording: wording)
            notice = .problem(refused.byField[.displayName] ?? refused.general ?? wording.message(for: error))
        }
    }

    /// First step of removing a person: the question to confirm, saying what would be lost.
    public func askToRemove(_ personId: String) async {
        guard let profile = profiles.first(where: { $0.id == personId }) else { return }
        do {
            let (unsent, canSend) = try await access.run {
                (try $0.unsentChanges(profileId: personId), try $0.canSendChanges(profileId: personId))
            }
            var question = wording(.profilesRemoveQuestion, profile.displayName)
            if unsent > 0 { question += "\n" + wording(.profilesRemoveUnsent, wording.count(unsent)) }
            pendingRemoval = unsent > 0
                ? Removal(personId: personId, question: question, discardsUnsent: true,
                          removeTitle: wording(.profilesRemoveWithoutSending),
                          sendFirstTitle: canSend ? wording(.profilesSendThenRemove) : nil)
                : Removal(personId: personId, question: question, discardsUnsent: false,
                          removeTitle: wording(.profilesRemove), sendFirstTitle: nil)
        } catch {
            notice = .problem(wording.message(for: error))
        }
    }

    public func cancelRemoval() { pendingRemoval = nil }

    /// The person confirmed: removes them (and, if the question said so, their unsent changes).
    /// The view passes the removal its dialog showed: closing the dialog clears `pendingRemoval`.
    public func confirmRemoval(_ answered: Removal? = nil) async {
        guard let removal = answered ?? pendingRemoval,
              let profile = profiles.first(where: { $0.id == removal.personId }) else { return }
        pendingRemoval = nil
        do {
            _ = try await access.run { try $0.removeProfile(profileId: removal.personId, discardUnsent: removal.discardsUnsent) }
            // With nobody left the app goes back to its first run, as on Android.
            onSwitch(try await access.run { try $0.activeProfile() })
            await load()
            notice = .done(wording(.profilesRemoved, profile.displayName))
        } catch {
            notice = .problem(wording.message(for: error))
        }
    }

    /// The person chose to send first: removed only if nothing of theirs is left unsent;
    /// otherwise they stay, and the message says why.
    public func sendThenRemove(_ answered: Removal? = nil) async {
        guard let removal = answered ?? pendingRemoval, let profile = profiles.first(where: { $0.id == removal.personId }),
              let sync, !isBusy else { return }
        pendingRemoval = nil
        isBusy = true
        defer { isBusy = false }
        notice = .progress(wording(.profilesSendingFirst))
        do {
            _ = try await sync.sendThenRemove(removal.personId)
            onSwitch(try await access.run { try $0.activeProfile() })
            await load()
            notice = .done(wording(.profilesRemoved, profile.displayName))
        } catch {
            notice = .problem(wording.message(for: error))
        }
    }

    public func switchTo(_ personId: String) async {
        guard let profile = profiles.first(where: { $0.id == personId }) else { return }
        do {
            try await access.run { try $0.setActiveProfile(profileId: personId) }
            onSwitch(profile)
            await load()
            notice = .done(wording(.profilesSwitched, profile.displayName))
        } catch {
            notice = .problem(wording.message(for: error))
        }
    }

    public func addFamilyMember() async {
        let (code, name) = (newHmCode, newName)
        problems = FormProblems()
        do {
            let added = try await access.run { try $0.addProfile(hmCode: code, displayName: name, relationship: .family) }
            newHmCode = ""
            newName = ""
            await load()
            notice = .done(wording(.profilesAdded, added.displayName))
        } catch ApiError.Conflict(kind: .alreadyExists, reason: _) {
            problems.byField[.hmCode] = wording(.errorProfileExists)
        } catch {
            problems = FormProblems(error, wording: wording)
        }
    }
}
