import Foundation
import Observation
import TechoKit

/// The medication notebook of the person being shown: what they take now, the history a page at
/// a time, the pharmacies they went to (and one pharmacy's records), search, importing a file
/// and exporting the notebook. The core decides what is current, what matches and what a file
/// holds; this only asks and words the answers.
@Observable @MainActor
public final class MedicationsModel {
    /// The three ways of looking at the notebook.
    public enum Section: Hashable, CaseIterable, Sendable {
        case current
        case history
        case pharmacies
    }

    public let actingForLine: String
    public let title: String
    public let sync: SyncCoordinator

    public private(set) var section: Section = .current
    public private(set) var current: [MedicationRow] = []
    public private(set) var history: [MedicationRow] = []
    public private(set) var canLoadMore = false
    public private(set) var pharmacies: [PharmacyRow] = []
    /// The pharmacy whose records `pharmacyHistory` holds; nil shows the list of pharmacies only.
    public private(set) var selectedPharmacy: PharmacyRow?
    public private(set) var pharmacyHistory: [MedicationRow] = []
    public private(set) var canLoadMorePharmacy = false
    /// Nil when not searching.
    public private(set) var searchResults: [MedicationRow]?
    public private(set) var searchText = ""
    /// A problem, with what to do next.
    public private(set) var message: String?
    /// What an import or an export did (not a problem).
    public private(set) var notice: String?
    public private(set) var exported: MedicationExportFile?
    public private(set) var isLoading = false
    public private(set) var isWorking = false

    public static let pageSize: UInt32 = 30

    private let access: CoreAccess
    private let wording: Wording
    private let clock: LocalClock
    private let profile: Profile
    private let onChange: @MainActor () -> Void
    private var historyCursor: String?
    private var pharmacyCursor: String?
    /// Only the answer to the latest search is shown (typing sends one search per change).
    private var searchGeneration = 0

    init(access: CoreAccess, wording: Wording, clock: LocalClock, profile: Profile, sync: SyncCoordinator,
         onChange: @escaping @MainActor () -> Void = {}) {
        self.access = access
        self.wording = wording
        self.clock = clock
        self.profile = profile
        self.sync = sync
        self.onChange = onChange
        actingForLine = wording(.actingFor, profile.displayName)
        title = wording(.medTitle)
    }

    // MARK: Text for the screen

    public func sectionTitle(_ section: Section) -> String {
        switch section {
        case .current: wording(.medTabCurrent)
        case .history: wording(.medTabHistory)
        case .pharmacies: wording(.medTabPharmacies)
        }
    }

    public var currentEmptyLine: String? { current.isEmpty && !isLoading ? wording(.medCurrentEmpty) : nil }
    public var historyEmptyLine: String? { history.isEmpty && !isLoading ? wording(.medHistoryEmpty) : nil }
    public var pharmaciesEmptyLine: String? { pharmacies.isEmpty && !isLoading ? wording(.medPharmaciesEmpty) : nil }
    public var searchEmptyLine: String? {
        guard let searchResults, searchResults.isEmpty else { return nil }
        return wording(.medSearchEmpty, searchText)
    }
    public var searchResultsTitle: String? { searchResults == nil ? nil : wording(.medSearchResults, searchText) }
    public var pharmacyHistoryTitle: String? { selectedPharmacy.map { wording(.medPharmacyShowing, $0.name) } }
    public var searchLabel: String { wording(.medSearch) }
    public var searchClearTitle: String { wording(.medSearchClear) }
    public var moreTitle: String { wording(.historyMore) }
    public var scanTitle: String { wording(.medScan) }
    public var importTitle: String { wording(.medImportFile) }
    public var exportTitle: String { wording(.medExport) }
    public var shareTitle: String { wording(.medShare) }

    // MARK: Loading

    /// Everything the screen shows, read again (on appear, after a sync, an import or a scan).
    public func load() async {
        isLoading = true
        defer { isLoading = false }
        let now = clock.now()
        let offset = clock.utcOffsetMinutes(at: now)
        let profileId = profile.id
        let first = MedicationFilter(kind: nil, pharmacyCode: nil, limit: Self.pageSize, cursor: nil)
        do {
            let (current, page, pharmacies) = try await access.run { core in
                let today = try calendarDayAt(at: now, utcOffsetMinutes: offset)
                return (try core.currentMedications(profileId: profileId, today: today),
                        try core.listMedications(profileId: profileId, filter: first),
                        try core.medicationPharmacies(profileId: profileId))
            }
            self.current = current.map { MedicationRow($0, wording: wording) }
            history = page.items.map { MedicationRow($0, wording: wording) }
            historyCursor = page.nextCursor
            canLoadMore = page.nextCursor != nil
            self.pharmacies = pharmacies.map { PharmacyRow($0, wording: wording) }
            message = nil
        } catch {
            message = wording.message(for: error)
            return
        }
        if let selected = selectedPharmacy {
            selectedPharmacy = pharmacies.first { $0.code == selected.code }
            pharmacyCursor = nil
            pharmacyHistory = []
            if selectedPharmacy != nil { await loadMorePharmacy() }
        }
        if searchResults != nil { await search(searchText) }
    }

    public func show(_ section: Section) {
        self.section = section
    }

    /// The next page of the history, added below what is already shown.
    public func loadMore() async {
        guard let cursor = historyCursor, !isLoading else { return }
        isLoading = true
        defer { isLoading = false }
        do {
            let page = try await page(pharmacyCode: nil, cursor: cursor)
            history += page.items.map { MedicationRow($0, wording: wording) }
            historyCursor = page.nextCursor
            canLoadMore = page.nextCursor != nil
            message = nil
        } catch {
            message = wording.message(for: error)
        }
    }

    /// Shows only this pharmacy's records; nil goes back to the list of pharmacies.
    public func choosePharmacy(_ code: String?) async {
        selectedPharmacy = code.flatMap { code in pharmacies.first { $0.code == code } }
        pharmacyHistory = []
        pharmacyCursor = nil
        canLoadMorePharmacy = false
        guard selectedPharmacy != nil else { return }
        await loadMorePharmacy()
    }

    /// The chosen pharmacy's next page (the first when nothing is shown yet).
    public func loadMorePharmacy() async {
        guard let code = selectedPharmacy?.code else { return }
        if !pharmacyHistory.isEmpty && pharmacyCursor == nil { return }
        do {
            let page = try await page(pharmacyCode: code, cursor: pharmacyCursor)
            guard selectedPharmacy?.code == code else { return } // chosen again meanwhile
            pharmacyHistory += page.items.map { MedicationRow($0, wording: wording) }
            pharmacyCursor = page.nextCursor
            canLoadMorePharmacy = page.nextCursor != nil
            message = nil
        } catch {
            message = wording.message(for: error)
        }
    }

    private func page(pharmacyCode: String?, cursor: String?) async throws -> MedicationPage {
        let profileId = profile.id
        let filter = MedicationFilter(kind: nil, pharmacyCode: pharmacyCode, limit: Self.pageSize, cursor: cursor)
        return try await access.run { try $0.listMedications(profileId: profileId, filter: filter) }
    }

    // MARK: Search

    /// Entries whose medicine, ingredient, pharmacy or note contains `text`, however it was
    /// typed (the core folds kana and widths). Empty text ends the search.
    public func search(_ text: String) async {
        searchGeneration += 1
        let generation = searchGeneration
        searchText = text
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            searchResults = nil
            return
        }
        let profileId = profile.id
        do {
            let found = try await access.run { try $0.searchMedications(profileId: profileId, text: text) }
            guard generation == searchGeneration else { return }
            searchResults = found.map { MedicationRow($0, wording: wording) }
            message = nil
        } catch {
            guard generation == searchGeneration else { return }
            message = wording.message(for: error)
        }
    }

    public func clearSearch() async {
        await search("")
    }

    // MARK: Sync, import, export

    public func syncNow() async {
        await sync.syncNow()
        await load()
    }

    /// A JAHIS file shared to the app or chosen with the file importer, as its bytes.
    public func importFile(_ data: Data) async {
        isWorking = true
        defer { isWorking = false }
        let profileId = profile.id
        do {
            let result = try await access.run { try $0.importMedicationFile(profileId: profileId, data: data) }
            notice = wording.importLines([result], fromFile: true).joined(separator: "\n")
            message = nil
            if result.added > 0 { onChange() }
        } catch {
            notice = nil
            message = wording.message(for: error)
            return
        }
        await load()
    }

    /// A file the file importer chose: read off the main actor, inside its security scope.
    public func importFile(at url: URL) async {
        let read: Data
        do {
            read = try await Task.detached(priority: .userInitiated) {
                #if canImport(Darwin)
                let scoped = url.startAccessingSecurityScopedResource()
                defer { if scoped { url.stopAccessingSecurityScopedResource() } }
                #endif
                return try Data(contentsOf: url)
            }.value
        } catch {
            notice = nil
            message = wording(.medFileUnreadable)
            return
        }
        await importFile(read)
    }

    /// The whole notebook as one JAHIS file for the share sheet (another app, a pharmacy).
    public func export() async {
        isWorking = true
        defer { isWorking = false }
        let profileId = profile.id
        let previous = exported?.url
        do {
            let file = try await access.run { core -> MedicationExportFile in
                let export = try core.exportMedications(profileId: profileId)
                if let previous { try? FileManager.default.removeItem(at: previous.deletingLastPathComponent()) }
                let dir = FileManager.default.temporaryDirectory
                    .appendingPathComponent("techo-export-\(UUID().uuidString)", isDirectory: true)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                let url = dir.appendingPathComponent(export.fileName)
                #if os(iOS)
                try export.data.write(to: url, options: [.atomic, .completeFileProtection])
                #else
                try export.data.write(to: url, options: .atomic)
                #endif
                return MedicationExportFile(data: export.data, fileName: export.fileName, url: url)
            }
            exported = file
            notice = wording(.medExportReady)
            message = nil
        } catch {
            exported = nil
            message = wording.message(for: error)
        }
    }

    public func dismissNotice() { notice = nil }
}
