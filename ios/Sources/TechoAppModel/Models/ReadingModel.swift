import Foundation
import Observation
import TechoKit

/// One reading with every version of it: correct it (a new version; the old one stays) or
/// delete it (a tombstone; still in the history). Both are buttons, never gestures.
@Observable @MainActor
public final class ReadingModel {
    public private(set) var current: ReadingRow?
    public private(set) var versions: [ReadingRow] = []
    public private(set) var message: String?
    /// Set by `askToDelete()`; the view shows the confirmation with a second button.
    public private(set) var confirmingDelete = false
    public private(set) var deleted = false
    public let actingForLine: String

    private let access: CoreAccess
    private let wording: Wording
    private let clock: LocalClock
    private let profile: Profile
    private var vitalId: String
    private var vital: Vital?
    private let onChange: @MainActor () -> Void

    init(access: CoreAccess, wording: Wording, clock: LocalClock, profile: Profile, vitalId: String,
         onChange: @escaping @MainActor () -> Void = {}) {
        self.onChange = onChange
        self.access = access
        self.wording = wording
        self.clock = clock
        self.profile = profile
        self.vitalId = vitalId
        actingForLine = wording(.actingFor, profile.displayName)
    }

    /// The screen's title: the kind of reading (as on its history screen) once it is loaded.
    public var title: String { current?.kindName ?? wording(.appTitle) }
    public var versionsTitle: String { wording(.readingVersions) }
    public var correctTitle: String { wording(.readingCorrect) }
    public var deleteTitle: String { wording(.readingDelete) }
    public var deleteQuestion: String { wording(.readingDeleteConfirm) }
    public var deleteYesTitle: String { wording(.readingDeleteYes) }
    public var cancelTitle: String { wording(.commonCancel) }
    public var canChange: Bool { current?.isCurrent ?? false }

    public func load() async {
        let id = vitalId
        do {
            let (vital, history) = try await access.run { core in
                (try core.getVital(vitalId: id), try core.vitalHistory(vitalId: id))
            }
            self.vital = vital
            current = ReadingRow(vital, wording: wording)
            versions = history.reversed().map { ReadingRow($0, wording: wording) }
            message = nil
        } catch {
            message = wording.message(for: error)
        }
    }

    /// The entry form prefilled with this reading's exact text.
    public func makeCorrection() -> EntryModel? {
        guard let vital, canChange else { return nil }
        return EntryModel(access: access, wording: wording, clock: clock, profile: profile, kind: vital.kind,
                          correcting: vital, onChange: onChange)
    }

    /// After a correction is saved, show the new version.
    public func corrected(to vital: Vital) async {
        vitalId = vital.id
        await load()
    }

    public func askToDelete() { confirmingDelete = true }
    public func cancelDelete() { confirmingDelete = false }

    public func confirmDelete() async {
        confirmingDelete = false
        let id = vitalId
        do {
            _ = try await access.run { try $0.deleteVital(vitalId: id) }
            deleted = true
            onChange()
            await load()
            message = wording(.readingDeletedDone)
        } catch {
            message = wording.message(for: error)
        }
    }
}
