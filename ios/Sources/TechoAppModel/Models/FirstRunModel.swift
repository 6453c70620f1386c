import Foundation
import Observation
import TechoKit

/// First run, one step per screen: link the HM card number as this phone's person, then sign
/// in with a password, or set one with the code from the letter, or go on without signing in.
@Observable @MainActor
public final class FirstRunModel {
    public enum Step: Equatable, Sendable {
        case linkCard
        case signIn
        case activate
        case done
    }

    public private(set) var step: Step = .linkCard
    public var hmCode = ""
    public var displayName = ""
    public var password = ""
    public var activationCode = ""
    public var newPassword = ""
    public private(set) var problems = FormProblems()
    public private(set) var isBusy = false
    public private(set) var profile: Profile?

    private let access: CoreAccess
    private let wording: Wording
    private let onFinished: @MainActor (Profile) -> Void

    init(access: CoreAccess, wording: Wording, onFinished: @escaping @MainActor (Profile) -> Void) {
        self.access = access
        self.wording = wording
        self.onFinished = onFinished
    }

    public func problem(_ field: Field) -> String? { problems.byField[field] }

    /// Step 1: the core normalises and checks the number and the name.
    public func linkCard() async {
        await busy {
            let (code, name) = (hmCode, displayName)
            let profile = try await access.run { core in
                let profile = try core.addProfile(hmCode: code, displayName: name, relationship: .myself)
                try core.setActiveProfile(profileId: profile.id)
                return profile
            }
            self.profile = profile
            step = .signIn
        }
    }

    /// Back from signing in to the card number, to correct it: the person linked a moment ago
    /// (nothing recorded yet) is taken off again, and the typed number and name stay to edit.
    public func back() async {
        guard step == .signIn || step == .activate, let linked = profile else { return }
        await busy {
            _ = try await access.run { try $0.removeProfile(profileId: linked.id, discardUnsent: false) }
            profile = nil
            password = ""
            activationCode = ""
            newPassword = ""
            step = .linkCard
        }
    }

    public var backTitle: String { wording(.commonBack) }

    public func showActivation() { problems = FormProblems(); step = .activate }
    public func showSignIn() { problems = FormProblems(); step = .signIn }

    /// Step 2a: the password the person already has.
    public func signIn() async {
        guard let profile else { return }
        await busy {
            _ = try await access.core.login(hmCode: profile.hmCode, password: password)
            finish(profile)
        }
    }

    /// Step 2b: the one-time code from the letter sets the password, then signs in with it.
    public func activate() async {
        guard let profile else { return }
        await busy {
            try await access.core.activate(hmCode: profile.hmCode, activationCode: activationCode, password: newPassword)
            // The code is spent now. Should the sign-in below fail (say, the signal drops), the
            // person is left on a plain sign-in with the new password filled in: a retry must not
            // send the code again, which the server would refuse.
            password = newPassword
            activationCode = ""
            newPassword = ""
            step = .signIn
            _ = try await access.core.login(hmCode: profile.hmCode, password: password)
            finish(profile)
        }
    }

    /// The notebook works offline; signing in can wait for Settings.
    public func continueWithoutSignIn() {
        guard let profile else { return }
        finish(profile)
    }

    private func finish(_ profile: Profile) {
        password = ""
        activationCode = ""
        newPassword = ""
        step = .done
        onFinished(profile)
    }

    private func busy(_ work: () async throws -> Void) async {
        guard !isBusy else { return } // a second tap while the first is under way
        isBusy = true
        problems = FormProblems()
        defer { isBusy = false }
        do {
            try await work()
        } catch ApiError.Conflict(kind: .alreadyExists, reason: _) {
            problems.byField[.hmCode] = wording(.errorProfileExists)
        } catch {
            problems = FormProblems(error, wording: wording)
        }
    }
}
