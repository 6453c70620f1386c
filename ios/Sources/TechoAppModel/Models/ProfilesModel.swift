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
    public private(set) var message: String?

    // The add-a-family-member form.
    public var newHmCode = ""
    public var newName = ""
    public private(set) var problems = FormProblems()

    private let access: CoreAccess
    private let wording: Wording
    private let onSwitch: @MainActor (Profile) -> Void
    private var profiles: [Profile] = []

    init(access: CoreAccess, wording: Wording, onSwitch: @escaping @MainActor (Profile) -> Void) {
        self.access = access
        self.wording = wording
        self.onSwitch = onSwitch
        title = wording(.profilesTitle)
    }

    public var addTitle: String { wording(.profilesAddFamily) }
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
            message = wording.message(for: error)
        }
    }

    public func switchTo(_ personId: String) async {
        guard let profile = profiles.first(where: { $0.id == personId }) else { return }
        do {
            try await access.run { try $0.setActiveProfile(profileId: personId) }
            onSwitch(profile)
            await load()
            message = wording(.profilesSwitched, profile.displayName)
        } catch {
            message = wording.message(for: error)
        }
    }

    public func addFamilyMember() async {
        let (code, name) = (newHmCode, newName)
        problems = FormProblems()
        do {
            _ = try await access.run { try $0.addProfile(hmCode: code, displayName: name, relationship: .family) }
            newHmCode = ""
            newName = ""
            await load()
        } catch ApiError.Conflict(kind: .alreadyExists, reason: _) {
            problems.byField[.hmCode] = wording(.errorProfileExists)
        } catch {
            problems = FormProblems(error, wording: wording)
        }
    }
}
