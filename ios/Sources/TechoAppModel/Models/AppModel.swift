import Foundation
import Observation
import TechoKit

/// The root of the app: opens the core once, decides between the first-run flow and the
/// notebook of the active person, and hands each screen its model.
@Observable @MainActor
public final class AppModel {
    public enum Phase: Equatable {
        case opening
        /// The store could not be opened; the message says what to do.
        case cannotOpen(String)
        case firstRun
        /// Acting for this person; their name is on every screen (U8).
        case ready(Profile)
    }

    public private(set) var phase: Phase = .opening
    /// The store cannot be opened for good (its key is gone or changed, or the file is damaged):
    /// offer to start over, after the person confirms `wording(.startOverConfirm)`.
    public private(set) var canStartOver = false
    /// After starting over: what was carried over, shown once on the next screen.
    public private(set) var startOverNotice: String?
    public let wording: Wording
    public let clock: LocalClock
    public private(set) var access: CoreAccess?
    public private(set) var sync: SyncCoordinator?

    public init(wording: Wording = Wording(.preferred()), clock: LocalClock = LocalClock()) {
        self.wording = wording
        self.clock = clock
    }

    @ObservationIgnored private var opening: Task<Void, Never>?

    /// Opens the store once, however many callers ask (the window and a background refresh
    /// may both start before either finishes). A failed open is not kept: the next call (the
    /// Retry button, or the app coming back to the foreground) tries again.
    public func openOnce(dataDirectory: URL, serverURL: String, keyStore: any DeviceKeyStore) async {
        if let opening { return await opening.value }
        let task = Task {
            await self.open(dataDirectory: dataDirectory, serverURL: serverURL, keyStore: keyStore)
            // Forgotten in the same step that shows the failure, so a Retry is never swallowed.
            if case .cannotOpen = self.phase { self.opening = nil }
        }
        opening = task
        await task.value
    }

    /// A sync granted by the system (BGAppRefreshTask). `true` when it completed.
    public func syncInBackground() async -> Bool {
        guard let sync else { return false }
        return await sync.syncNow()?.outcome == .complete
    }

    /// Whether to ask iOS for a longer background run on a network (BGProcessingTask): photos
    /// are large and the short background refresh often cannot finish them. Reads the core's
    /// status afresh, since a photo may have been added after the last run reported.
    public func photosWaitingToSend() async -> Bool {
        guard let sync else { return false }
        await sync.refresh()
        return SyncCoordinator.wantsLongerRun(sync.status)
    }

    /// Opens the store at `dataDirectory` (off the main actor) and picks the first screen.
    /// When the store is already open and only reading the active person failed, this reads
    /// again instead of opening the store a second time.
    public func open(dataDirectory: URL, serverURL: String, keyStore: any DeviceKeyStore) async {
        phase = .opening
        if let access {
            await choosePhase(access)
            return
        }
        do {
            let core = try await CoreOpener.open(dataDirectory: dataDirectory, serverURL: serverURL, keyStore: keyStore)
            canStartOver = false
            await attach(core)
        } catch {
            canStartOver = Self.startingOverHelps(error)
            phase = .cannotOpen(wording(.openingFailed) + "\n" + wording.message(for: error))
        }
    }

    /// The person confirmed: set the unreadable database aside (the core keeps it), carry over
    /// what can still be read, and open the fresh one. Signing in brings back what the server has.
    public func startOver(dataDirectory: URL, serverURL: String, keyStore: any DeviceKeyStore) async {
        guard canStartOver, access == nil else { return }
        phase = .opening
        do {
            let report = try await CoreOpener.startOver(dataDirectory: dataDirectory, serverURL: serverURL,
                                                        keyStore: keyStore)
            startOverNotice = report.salvagedChanges > 0
                ? wording(.startOverDoneKept, String(report.salvagedChanges))
                : wording(.startOverDone)
        } catch {
            phase = .cannotOpen(wording(.openingFailed) + "\n" + wording.message(for: error))
            return
        }
        await open(dataDirectory: dataDirectory, serverURL: serverURL, keyStore: keyStore)
    }

    public func dismissStartOverNotice() { startOverNotice = nil }

    /// The core decides (`startOverOffered`): only failures that retrying cannot fix.
    static func startingOverHelps(_ error: Error) -> Bool {
        guard let error = error as? ApiError else { return false }
        return startOverOffered(error: error)
    }

    /// Uses an already open core (previews, tests).
    public func attach(_ core: any TechoCoreProtocol) async {
        let access = CoreAccess(core)
        self.access = access
        sync = SyncCoordinator(access: access, wording: wording)
        await choosePhase(access)
    }

    /// First run, or the notebook of the person chosen last time.
    private func choosePhase(_ access: CoreAccess) async {
        do {
            let active = try await access.run { try $0.activeProfile() }
            phase = active.map(Phase.ready) ?? .firstRun
        } catch {
            phase = .cannotOpen(wording(.openingFailed) + "\n" + wording.message(for: error))
        }
    }

    /// The person being shown, when there is one.
    public var activeProfile: Profile? {
        if case let .ready(profile) = phase { return profile }
        return nil
    }

    /// Called by the first-run flow and the profile switch once the core has the new choice.
    public func actingFor(_ profile: Profile) {
        phase = .ready(profile)
    }

    /// Saving, correcting or deleting wakes the sync loop so the change goes out soon.
    private var localChange: @MainActor () -> Void {
        { [weak self] in self?.sync?.localChange() }
    }

    // MARK: Screen models

    public func makeFirstRun() -> FirstRunModel? {
        guard let access else { return nil }
        return FirstRunModel(access: access, wording: wording) { [weak self] profile in self?.actingFor(profile) }
    }

    public func makeHome() -> HomeModel? {
        guard let access, let profile = activeProfile, let sync else { return nil }
        return HomeModel(access: access, wording: wording, clock: clock, profile: profile, sync: sync)
    }

    public func makeEntry(_ kind: VitalKind) -> EntryModel? {
        guard let access, let profile = activeProfile else { return nil }
        return EntryModel(access: access, wording: wording, clock: clock, profile: profile, kind: kind,
                          onChange: localChange)
    }

    public func makeHistory(_ kind: VitalKind) -> HistoryModel? {
        guard let access, let profile = activeProfile else { return nil }
        return HistoryModel(access: access, wording: wording, clock: clock, profile: profile, kind: kind)
    }

    public func makeReading(_ vitalId: String) -> ReadingModel? {
        guard let access, let profile = activeProfile else { return nil }
        return ReadingModel(access: access, wording: wording, clock: clock, profile: profile, vitalId: vitalId,
                            onChange: localChange)
    }

    public func makeMedications() -> MedicationsModel? {
        guard let access, let profile = activeProfile, let sync else { return nil }
        return MedicationsModel(access: access, wording: wording, clock: clock, profile: profile, sync: sync,
                                onChange: localChange)
    }

    public func makeMedicationDetail(_ medicationId: String) -> MedicationDetailModel? {
        guard let access, let profile = activeProfile else { return nil }
        return MedicationDetailModel(access: access, wording: wording, profile: profile, medicationId: medicationId,
                                     onChange: localChange)
    }

    public func makeMedicationScan() -> MedicationScanModel? {
        guard let access, let profile = activeProfile else { return nil }
        return MedicationScanModel(access: access, wording: wording, profile: profile, onChange: localChange)
    }

    /// `printer` is the phone's printing (AirPrint in the app); without one 「印刷する」 is not offered.
    public func makeEmergencySheet(printer: (any SheetPrinter)? = nil) -> EmergencySheetModel? {
        guard let access, let profile = activeProfile else { return nil }
        return EmergencySheetModel(access: access, wording: wording, clock: clock, profile: profile, printer: printer,
                                   onChange: localChange)
    }

    public func makeCheckups() -> CheckupsModel? {
        guard let access, let profile = activeProfile else { return nil }
        return CheckupsModel(access: access, wording: wording, profile: profile)
    }

    public func makeCheckupForm() -> CheckupFormModel? {
        guard let access, let profile = activeProfile else { return nil }
        return CheckupFormModel(access: access, wording: wording, clock: clock, profile: profile, onChange: localChange)
    }

    public func makeCheckupDetail(_ checkupId: String) -> CheckupDetailModel? {
        guard let access, let profile = activeProfile else { return nil }
        return CheckupDetailModel(access: access, wording: wording, clock: clock, profile: profile, checkupId: checkupId,
                                  onChange: localChange)
    }

    public func makeCheckupTrend(_ code: String) -> CheckupTrendModel? {
        guard let access, let profile = activeProfile else { return nil }
        return CheckupTrendModel(access: access, wording: wording, profile: profile, code: code)
    }

    public func makeBpSummary() -> BpSummaryModel? {
        guard let access, let profile = activeProfile else { return nil }
        return BpSummaryModel(access: access, wording: wording, clock: clock, profile: profile)
    }

    public func makeProfiles() -> ProfilesModel? {
        guard let access else { return nil }
        return ProfilesModel(access: access, wording: wording, sync: sync) { [weak self] profile in
            if let profile { self?.actingFor(profile) } else { self?.phase = .firstRun }
        }
    }

    public func makeSettings() -> SettingsModel? {
        guard let access, let sync else { return nil }
        return SettingsModel(access: access, wording: wording, sync: sync, activeProfile: activeProfile)
    }
}
