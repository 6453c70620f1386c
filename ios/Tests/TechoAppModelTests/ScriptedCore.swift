// A real core with scripted sign-in answers, for flows the test server cannot stage (a sign-in
// that fails right after an activation succeeded).
import Foundation
import TechoKit

final class ScriptedCore: TechoCoreProtocol, @unchecked Sendable {
    private let real: TechoCore
    private let lock = NSLock()
    private var loginFailures: [ApiError]
    private(set) var activations: [String] = []
    private(set) var logins = 0

    /// `activate` succeeds without a server; `login` throws `loginFailures` in order, then succeeds.
    init(_ real: TechoCore, loginFailures: [ApiError]) {
        self.real = real
        self.loginFailures = loginFailures
    }

    func activate(hmCode: String, activationCode: String, password: String) async throws {
        lock.withLock { activations.append(activationCode) }
    }

    func login(hmCode: String, password: String) async throws -> Account {
        let failure: ApiError? = lock.withLock {
            logins += 1
            return loginFailures.isEmpty ? nil : loginFailures.removeFirst()
        }
        if let failure { throw failure }
        return Account(serverUrl: "https://hm-net.example", hmCode: hmCode, patients: [])
    }

    func account() throws -> Account? { try real.account() }
    func activeProfile() throws -> Profile? { try real.activeProfile() }
    func addProfile(hmCode: String, displayName: String, relationship: Relationship) throws -> Profile {
        try real.addProfile(hmCode: hmCode, displayName: displayName, relationship: relationship)
    }
    func amendVital(vitalId: String, entry: VitalEntry) throws -> RecordedVital { try real.amendVital(vitalId: vitalId, entry: entry) }
    func deleteVital(vitalId: String) throws -> Vital { try real.deleteVital(vitalId: vitalId) }
    func deviceId() -> String { real.deviceId() }
    func entryDefaults(at: Date, utcOffsetMinutes: Int32) throws -> EntryDefaults {
        try real.entryDefaults(at: at, utcOffsetMinutes: utcOffsetMinutes)
    }
    func getVital(vitalId: String) throws -> Vital { try real.getVital(vitalId: vitalId) }
    func homeBpSummary(profileId: String, asOf: Date, utcOffsetMinutes: Int32) throws -> HomeBpSummary {
        try real.homeBpSummary(profileId: profileId, asOf: asOf, utcOffsetMinutes: utcOffsetMinutes)
    }
    func homeScreen(profileId: String, now: Date, utcOffsetMinutes: Int32) throws -> HomeScreen {
        try real.homeScreen(profileId: profileId, now: now, utcOffsetMinutes: utcOffsetMinutes)
    }
    func latestVitals(profileId: String) throws -> [Vital] { try real.latestVitals(profileId: profileId) }
    func listVitals(profileId: String, filter: VitalFilter) throws -> VitalPage { try real.listVitals(profileId: profileId, filter: filter) }
    func logout() async throws { try await real.logout() }
    func profiles() throws -> [Profile] { try real.profiles() }
    func renameProfile(profileId: String, displayName: String) throws -> Profile {
        try real.renameProfile(profileId: profileId, displayName: displayName)
    }
    func unsentChanges(profileId: String) throws -> UInt64 { try real.unsentChanges(profileId: profileId) }
    func canSendChanges(profileId: String) throws -> Bool { try real.canSendChanges(profileId: profileId) }
    func removeProfile(profileId: String, discardUnsent: Bool) throws -> UInt64 {
        try real.removeProfile(profileId: profileId, discardUnsent: discardUnsent)
    }
    func sendThenRemoveProfile(profileId: String, observer: SyncObserver?) async throws -> UInt64 {
        try await real.sendThenRemoveProfile(profileId: profileId, observer: observer)
    }
    func recordVital(profileId: String, entry: VitalEntry) throws -> RecordedVital { try real.recordVital(profileId: profileId, entry: entry) }
    func retryWedged(mutationId: String) throws { try real.retryWedged(mutationId: mutationId) }
    func setActiveProfile(profileId: String) throws { try real.setActiveProfile(profileId: profileId) }
    func startAutoSync(intervalSeconds: UInt32, observer: SyncObserver?) -> SyncTaskHandle {
        real.startAutoSync(intervalSeconds: intervalSeconds, observer: observer)
    }
    func syncNow(observer: SyncObserver?) async throws -> SyncReport { try await real.syncNow(observer: observer) }
    func syncStatus() throws -> SyncStatus { try real.syncStatus() }
    func vitalHistory(vitalId: String) throws -> [Vital] { try real.vitalHistory(vitalId: vitalId) }
    func vitalSeries(profileId: String, kind: VitalKind, first: CalendarDay, last: CalendarDay, bucket: Bucket) throws -> [SeriesPoint] {
        try real.vitalSeries(profileId: profileId, kind: kind, first: first, last: last, bucket: bucket)
    }
    func vitalChart(profileId: String, kind: VitalKind, bucket: Bucket, asOf: Date, utcOffsetMinutes: Int32) throws -> VitalChart {
        try real.vitalChart(profileId: profileId, kind: kind, bucket: bucket, asOf: asOf, utcOffsetMinutes: utcOffsetMinutes)
    }
    func wedgedItems() throws -> [WedgedItem] { try real.wedgedItems() }
    func currentMedications(profileId: String, today: CalendarDay) throws -> [MedicationSummary] {
        try real.currentMedications(profileId: profileId, today: today)
    }
    func deleteMedication(medicationId: String) throws { try real.deleteMedication(medicationId: medicationId) }
    func exportMedications(profileId: String) throws -> MedicationExport { try real.exportMedications(profileId: profileId) }
    func getMedication(medicationId: String) throws -> MedicationDetail { try real.getMedication(medicationId: medicationId) }
    func importMedicationFile(profileId: String, data: Data) throws -> MedicationImportResult {
        try real.importMedicationFile(profileId: profileId, data: data)
    }
    func listMedications(profileId: String, filter: MedicationFilter) throws -> MedicationPage {
        try real.listMedications(profileId: profileId, filter: filter)
    }
    func medicationPharmacies(profileId: String) throws -> [PharmacyCount] { try real.medicationPharmacies(profileId: profileId) }
    func searchMedications(profileId: String, text: String) throws -> [MedicationSummary] {
        try real.searchMedications(profileId: profileId, text: text)
    }
    func startMedicationScan(profileId: String) throws -> MedicationScanner { try real.startMedicationScan(profileId: profileId) }

    // 命の宝箱: a conflict cannot be made without two devices and a server, so the sheet can be
    // shown with `sheetConflicts`; settling one drops it (and saves ours through the real core).
    var sheetConflicts: [SheetConflict] {
        get { lock.withLock { conflicts } }
        set { lock.withLock { conflicts = newValue } }
    }
    private var conflicts: [SheetConflict] = []
    private(set) var settled: [(key: String, keepOurs: Bool)] = []

    private func withConflicts(_ sheet: EmergencySheetView) -> EmergencySheetView {
        EmergencySheetView(fields: sheet.fields, pages: sheet.pages, waitingPages: sheet.waitingPages, savedAt: sheet.savedAt,
                           savedByAccount: sheet.savedByAccount, savedOnThisDevice: sheet.savedOnThisDevice,
                           conflicts: sheetConflicts, unsent: sheet.unsent, reviewDue: sheet.reviewDue)
    }

    func emergencySheet(profileId: String) throws -> EmergencySheetView? {
        try real.emergencySheet(profileId: profileId).map(withConflicts)
    }
    func emergencySheetPrint(profileId: String, utcOffsetMinutes: Int32) throws -> String {
        try real.emergencySheetPrint(profileId: profileId, utcOffsetMinutes: utcOffsetMinutes)
    }
    func emergencySheetHistory(profileId: String) throws -> [SheetVersionView] {
        try real.emergencySheetHistory(profileId: profileId)
    }
    func refreshEmergencySheetHistory(profileId: String) async throws {
        try await real.refreshEmergencySheetHistory(profileId: profileId)
    }
    func saveEmergencyFields(profileId: String, fields: [SheetFieldValue]) throws -> EmergencySheetView {
        withConflicts(try real.saveEmergencyFields(profileId: profileId, fields: fields))
    }
    func addEmergencyPage(profileId: String, path: String) throws -> EmergencySheetView {
        withConflicts(try real.addEmergencyPage(profileId: profileId, path: path))
    }
    func removeEmergencyPage(profileId: String, imageSha256: String) throws -> EmergencySheetView {
        withConflicts(try real.removeEmergencyPage(profileId: profileId, imageSha256: imageSha256))
    }
    func resolveEmergencyConflict(profileId: String, key: String, keepOurs: Bool) throws -> EmergencySheetView {
        let conflict = lock.withLock { () -> SheetConflict? in
            settled.append((key, keepOurs))
            let found = conflicts.first { $0.key == key }
            conflicts.removeAll { $0.key == key }
            return found
        }
        guard let conflict else { throw ApiError.NotFound(entity: "conflict") }
        let kept = keepOurs ? conflict.ours : conflict.theirs
        return withConflicts(try real.saveEmergencyFields(profileId: profileId,
                                                          fields: [SheetFieldValue(key: key, value: kept)]))
    }
    func emergencyPageFile(profileId: String, imageSha256: String, thumbnail: Bool) async throws -> String {
        try await real.emergencyPageFile(profileId: profileId, imageSha256: imageSha256, thumbnail: thumbnail)
    }
    func clearPhotoCache() throws { try real.clearPhotoCache() }
    func emergencySheetSuggestions(profileId: String, today: CalendarDay) throws -> [SheetFieldValue] {
        try real.emergencySheetSuggestions(profileId: profileId, today: today)
    }

    // 健診結果: forwarded as they are.
    func checkups(profileId: String) throws -> [CheckupEntry] { try real.checkups(profileId: profileId) }
    func checkup(profileId: String, checkupId: String) throws -> CheckupDetail {
        try real.checkup(profileId: profileId, checkupId: checkupId)
    }
    func addCheckup(profileId: String, date: CalendarDay, kind: CheckupKind, institution: String, note: String,
                    photoPaths: [String], items: [CheckupItemValue]) throws -> CheckupDetail {
        try real.addCheckup(profileId: profileId, date: date, kind: kind, institution: institution, note: note,
                            photoPaths: photoPaths, items: items)
    }
    func addCheckupPage(profileId: String, checkupId: String, path: String) throws -> CheckupDetail {
        try real.addCheckupPage(profileId: profileId, checkupId: checkupId, path: path)
    }
    func removeCheckupPage(profileId: String, checkupId: String, imageSha256: String) throws -> CheckupDetail {
        try real.removeCheckupPage(profileId: profileId, checkupId: checkupId, imageSha256: imageSha256)
    }
    func setCheckupItems(profileId: String, checkupId: String, items: [CheckupItemValue]) throws -> CheckupDetail {
        try real.setCheckupItems(profileId: profileId, checkupId: checkupId, items: items)
    }
    func removeCheckupItems(profileId: String, checkupId: String, codes: [String]) throws -> CheckupDetail {
        try real.removeCheckupItems(profileId: profileId, checkupId: checkupId, codes: codes)
    }
    func editCheckup(profileId: String, checkupId: String, date: CalendarDay?, kind: CheckupKind?,
                     institution: String?, note: String?) throws -> CheckupDetail {
        try real.editCheckup(profileId: profileId, checkupId: checkupId, date: date, kind: kind,
                             institution: institution, note: note)
    }
    func resolveCheckupConflict(profileId: String, checkupId: String, field: String, keepOurs: Bool) throws -> CheckupDetail {
        try real.resolveCheckupConflict(profileId: profileId, checkupId: checkupId, field: field, keepOurs: keepOurs)
    }
    func deleteCheckup(profileId: String, checkupId: String) throws {
        try real.deleteCheckup(profileId: profileId, checkupId: checkupId)
    }
    func checkupSeries(profileId: String, code: String) throws -> [CheckupTrendPoint] {
        try real.checkupSeries(profileId: profileId, code: code)
    }
    func checkupPageFile(profileId: String, checkupId: String, imageSha256: String, thumbnail: Bool) async throws -> String {
        try await real.checkupPageFile(profileId: profileId, checkupId: checkupId, imageSha256: imageSha256, thumbnail: thumbnail)
    }
}
