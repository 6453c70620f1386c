import Foundation
import Observation
import TechoKit

/// One of a choice field's values, worded (「AB型」); `value` is what a save takes.
public struct SheetChoiceRow: Identifiable, Equatable, Sendable {
    public var id: String { value }
    public let value: String
    public let label: String
}

/// One field of 命の宝箱: its label in the app's language and what is written now.
public struct SheetFieldRow: Identifiable, Equatable, Sendable {
    public var id: String { key }
    public let key: String
    public let label: String
    public let kind: SheetFieldKind
    public let maxChars: UInt32
    /// As saved (a choice as its value, e.g. `AB`); empty when not filled in.
    public let value: String
    /// What the sheet shows: a choice worded, or 「（まだ書かれていません）」.
    public let shown: String
    public let choices: [SheetChoiceRow]
    /// An example under a date field.
    public let hint: String?
}

public struct SheetGroupRow: Identifiable, Equatable, Sendable {
    public var id: String { key }
    public let key: String
    public let label: String
    public let fields: [SheetFieldRow]
}

/// A photo page: its preview as a file the view can draw (nil while it cannot be had).
public struct SheetPageRow: Identifiable, Equatable, Sendable {
    public var id: String { imageSha256 }
    public let imageSha256: String
    public let title: String
    public let thumbnailPath: String?
    /// What VoiceOver reads for the thumbnail: 「1枚目」, or for a photo waiting for room
    /// 「入りきらなかった写真　1枚目」 (a waiting page's number is its place among those waiting).
    public let accessibilityLabel: String
}

/// A field written differently on two devices: both values, for the person to choose.
public struct SheetConflictRow: Identifiable, Equatable, Sendable {
    public var id: String { key }
    public let key: String
    public let label: String
    public let ours: String
    public let theirs: String
}

/// One saved version, newest first: 「12月4日（金） 9:00　この端末で」 and what changed.
public struct SheetVersionRow: Identifiable, Equatable, Sendable {
    public var id: Int64 { number }
    public let number: Int64
    public let whenWho: String
    public let changed: String
}

/// 命の宝箱 of the person shown: the fields by group as the core's catalogue lists them, photos
/// of the paper sheet, fields written differently on two devices, and the versions. The core
/// checks every value and keeps every version; this only words what it returns.
@Observable @MainActor
public final class EmergencySheetModel {
    public let actingForLine: String
    public let title: String
    public private(set) var groups: [SheetGroupRow] = []
    public private(set) var hasSheet = false
    public private(set) var updatedLine: String?
    /// A gentle nudge after a year without changes.
    public private(set) var reviewLine: String?
    public private(set) var unsentLine: String?
    public private(set) var pages: [SheetPageRow] = []
    /// Photos added here that did not fit beside the other device's after a merge: kept on this
    /// device only, let in by the core, oldest first, when a page is removed.
    public private(set) var waitingPages: [SheetPageRow] = []
    public private(set) var conflicts: [SheetConflictRow] = []
    public private(set) var history: [SheetVersionRow] = []
    /// Said when the server could not be asked for the versions other phones saved.
    public private(set) var historyNote: String?
    /// The group being written, its drafts by key, and a problem beside a refused field.
    public private(set) var editingGroup: SheetGroupRow?
    public var drafts: [String: String] = [:]
    public private(set) var fieldProblems: [String: String] = [:]
    /// The page whose removal waits for the person's yes.
    public private(set) var pendingRemoval: SheetPageRow?
    /// The waiting photo whose discarding waits for the person's yes.
    public private(set) var pendingDiscard: SheetPageRow?
    public private(set) var message: String?
    public private(set) var notice: String?
    public private(set) var isWorking = false
    /// The page is being made or the print screen is open: a second press does nothing.
    public private(set) var isPrinting = false
    /// Said beside 「印刷する」 when the page could not be made or the printer did not print it.
    public private(set) var printProblem: String?

    private let access: CoreAccess
    private let wording: Wording
    private let clock: LocalClock
    private let profile: Profile
    private let onChange: @MainActor () -> Void
    private let printer: (any SheetPrinter)?
    private let catalogue: [SheetFieldGroup] = emergencySheetFields()

    init(access: CoreAccess, wording: Wording, clock: LocalClock, profile: Profile,
         printer: (any SheetPrinter)? = nil, onChange: @escaping @MainActor () -> Void = {}) {
        self.access = access
        self.printer = printer
        self.wording = wording
        self.clock = clock
        self.profile = profile
        self.onChange = onChange
        actingForLine = wording(.actingFor, profile.displayName)
        title = wording(.boxTitle)
    }

    // MARK: Text for the screen

    public var introLine: String { wording(.boxIntro) }
    public var emptyLine: String? { hasSheet ? nil : wording(.boxEmpty) }
    public var editTitle: String { wording(.boxEdit) }
    public var saveTitle: String { wording(.boxSave) }
    public var cancelTitle: String { wording(.boxCancel) }
    public var pagesTitle: String { wording(.boxPages) }
    public var pagesEmptyLine: String? { pages.isEmpty ? wording(.boxPagesEmpty) : nil }
    public var addPhotoTitle: String { wording(.boxAddPhoto) }
    public var takePhotoTitle: String { wording(.boxTakePhoto) }
    public var removePageTitle: String { wording(.boxRemovePage) }
    public var removeYesTitle: String { wording(.boxRemoveYes) }
    public var removeQuestion: String? {
        pendingRemoval.flatMap { page in pages.firstIndex(of: page) }.map { wording(.boxRemoveQuestion, String($0 + 1)) }
    }
    public var waitingTitle: String? { waitingPages.isEmpty ? nil : wording(.pagesWaitingTitle) }
    public var waitingExplanation: String? { waitingPages.isEmpty ? nil : wording(.pagesWaitingExplainBox) }
    public var discardTitle: String { wording(.pagesWaitingDiscard) }
    public var discardYesTitle: String { wording(.pagesWaitingDiscardYes) }
    public var discardQuestion: String? { pendingDiscard.map { _ in wording(.pagesWaitingDiscardQuestion) } }
    public var nextTitle: String { wording(.commonNext) }
    public var doneTitle: String { wording(.commonDone) }
    public var conflictsTitle: String { wording(.boxConflicts) }
    public var conflictIntro: String { wording(.boxConflictIntro) }
    public var keepOursTitle: String { wording(.boxKeepOurs) }
    public var keepTheirsTitle: String { wording(.boxKeepTheirs) }
    public var historyTitle: String { wording(.boxHistory) }
    public var historyEmptyLine: String? { history.isEmpty ? wording(.boxHistoryEmpty) : nil }
    /// Without a printer (previews) the button is not offered.
    public var canPrint: Bool { printer != nil }
    public var printTitle: String { wording(.boxPrintButton) }
    public var printExplanation: String { wording(.boxPrintExplain) }

    // MARK: Loading

    public func load() async {
        let id = profile.id
        do {
            let (sheet, versions) = try await access.run { core in
                (try core.emergencySheet(profileId: id), try core.emergencySheetHistory(profileId: id))
            }
            await show(sheet, versions: versions)
            message = nil
        } catch {
            message = wording.message(for: error)
            return
        }
        await refreshHistory()
    }

    /// Adds the versions other phones saved, which the server keeps, to the list. Without a
    /// connection the list keeps this phone's versions and says the others come later; any other
    /// failure leaves the list as it is (the screen is usable without them).
    private func refreshHistory() async {
        let id = profile.id
        var offline = false
        do {
            try await access.core.refreshEmergencySheetHistory(profileId: id)
        } catch ApiError.Network {
            offline = true
        } catch {
            return
        }
        guard let versions = try? await access.run({ try $0.emergencySheetHistory(profileId: id) }) else { return }
        history = versions.map { version($0, labels: fieldLabels()) }
        historyNote = offline ? wording(.boxHistoryOnlyHere) : nil
    }

    // MARK: Editing one group

    public func startEdit(_ groupKey: String) {
        guard let group = groups.first(where: { $0.key == groupKey }) else { return }
        editingGroup = group
        drafts = Dictionary(uniqueKeysWithValues: group.fields.map { ($0.key, $0.value) })
        fieldProblems = [:]
        notice = nil
    }

    public func setDraft(_ key: String, _ value: String) {
        drafts[key] = value
        fieldProblems[key] = nil
    }

    /// The field 「次へ」 above the keyboard moves to from `key`: the group's next field typed
    /// on a keyboard (a choice is not), nil after the last.
    public func nextField(after key: String) -> String? {
        guard let fields = editingGroup?.fields.filter({ $0.kind != .choice }),
              let at = fields.firstIndex(where: { $0.key == key }), at + 1 < fields.count else { return nil }
        return fields[at + 1].key
    }

    public func cancelEdit() {
        editingGroup = nil
        drafts = [:]
        fieldProblems = [:]
    }

    /// Saves the group's drafts as one version; a refused value is shown beside its field and
    /// nothing is saved.
    public func saveEdit() async {
        guard let group = editingGroup else { return }
        let id = profile.id
        let values = group.fields.map { SheetFieldValue(key: $0.key, value: drafts[$0.key] ?? "") }
        isWorking = true
        defer { isWorking = false }
        do {
            let sheet = try await access.run { try $0.saveEmergencyFields(profileId: id, fields: values) }
            cancelEdit()
            await saved(sheet, notice: .boxSaved)
        } catch let ApiError.DocumentField(key, problem, _) {
            let label = group.fields.first { $0.key == key }?.label ?? key
            fieldProblems = [key: wording.problem(problem, label: label)]
            message = wording(.boxFixField)
        } catch {
            message = wording.message(for: error)
        }
    }

    // MARK: Photos of the paper sheet

    /// A photo the picker or the camera handed over as a JPEG or PNG file (the view converts a
    /// HEIC photo to JPEG before); the file is not needed afterwards.
    public func addPhoto(path: String) async {
        let id = profile.id
        isWorking = true
        defer { isWorking = false }
        do {
            let sheet = try await access.run { try $0.addEmergencyPage(profileId: id, path: path) }
            await saved(sheet, notice: .boxPageAdded)
        } catch {
            notice = nil
            message = wording.message(for: error)
        }
    }

    public func askToRemove(_ page: SheetPageRow) {
        pendingDiscard = nil
        pendingRemoval = page
    }
    public func cancelRemove() { pendingRemoval = nil }

    /// Removes the page everywhere; the core lets the oldest waiting photo into its place.
    public func confirmRemove() async {
        guard let page = pendingRemoval, !isWorking else { return }
        pendingRemoval = nil
        await removePage(page.imageSha256, notice: .boxPageRemoved)
    }

    public func askToDiscard(_ page: SheetPageRow) {
        pendingRemoval = nil
        pendingDiscard = page
    }
    public func cancelDiscard() { pendingDiscard = nil }

    /// A waiting photo exists only here: the same removal call forgets it.
    public func confirmDiscard() async {
        guard let page = pendingDiscard, !isWorking else { return }
        pendingDiscard = nil
        await removePage(page.imageSha256, notice: .pagesWaitingDiscarded)
    }

    private func removePage(_ sha: String, notice phrase: Phrase) async {
        isWorking = true
        defer { isWorking = false }
        let id = profile.id
        do {
            let sheet = try await access.run { try $0.removeEmergencyPage(profileId: id, imageSha256: sha) }
            await saved(sheet, notice: phrase)
        } catch {
            notice = nil
            message = wording.message(for: error)
        }
    }

    /// A page in full, as a file the view can show (downloaded first when it came from another device).
    /// A waiting page is served too: its file is on this device.
    public func pageFile(_ page: SheetPageRow) async -> String? {
        do {
            return try await access.core.emergencyPageFile(profileId: profile.id, imageSha256: page.imageSha256,
                                                          thumbnail: false)
        } catch {
            message = wording.message(for: error)
            return nil
        }
    }

    // MARK: Printing

    /// The A4 page for the fridge, made by the core off the main thread (every field in its
    /// group, blanks to fill in by hand, a blank form when nothing is written yet) and handed to
    /// the printer as it is. Dates on it are local to the phone's current offset.
    public func printSheet() async {
        guard let printer, !isPrinting else { return }
        isPrinting = true
        defer { isPrinting = false }
        printProblem = nil
        let id = profile.id
        let offset = clock.utcOffsetMinutes(at: clock.now())
        let outcome: PrintOutcome
        do {
            let html = try await access.run { try $0.emergencySheetPrint(profileId: id, utcOffsetMinutes: offset) }
            outcome = await printer.print(html: html, jobName: wording(.boxPrintJobName, profile.displayName))
        } catch {
            outcome = .failed
        }
        if outcome == .failed { printProblem = wording(.boxPrintFailed) }
    }

    // MARK: Conflicts

    public func chooseOurs(_ key: String) async { await resolve(key, keepOurs: true) }
    public func chooseTheirs(_ key: String) async { await resolve(key, keepOurs: false) }

    private func resolve(_ key: String, keepOurs: Bool) async {
        let id = profile.id
        do {
            let sheet = try await access.run { try $0.resolveEmergencyConflict(profileId: id, key: key, keepOurs: keepOurs) }
            await saved(sheet, notice: .boxSettled)
        } catch {
            message = wording.message(for: error)
        }
    }

    // MARK: Wording what the core returned

    private func saved(_ sheet: EmergencySheetView, notice phrase: Phrase) async {
        onChange()
        let id = profile.id
        let versions = (try? await access.run { try $0.emergencySheetHistory(profileId: id) }) ?? []
        await show(sheet, versions: versions)
        message = nil
        notice = wording(phrase)
    }

    private func show(_ sheet: EmergencySheetView?, versions: [SheetVersionView]) async {
        hasSheet = sheet != nil
        let values = Dictionary((sheet?.fields ?? []).map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        groups = catalogue.map { group in
            SheetGroupRow(key: group.key, label: label(group.labelJa, group.labelEn),
                          fields: group.fields.map { row($0, value: values[$0.key] ?? "") })
        }
        updatedLine = sheet.map { wording(.boxUpdated, wording.dateTime($0.savedAt)) }
        reviewLine = sheet?.reviewDue == true ? wording(.boxReviewDue) : nil
        unsentLine = sheet?.unsent == true ? wording(.boxUnsent) : nil
        conflicts = (sheet?.conflicts ?? []).map { c in
            SheetConflictRow(key: c.key, label: label(c.labelJa, c.labelEn),
                             ours: wording(.boxOurs, c.ours.isEmpty ? wording(.boxBlank) : c.ours),
                             theirs: wording(.boxTheirs, c.theirs.isEmpty ? wording(.boxBlank) : c.theirs))
        }
        let labels = fieldLabels()
        history = versions.map { version($0, labels: labels) }
        pages = await rows(sheet?.pages ?? [], waiting: false)
        waitingPages = await rows(sheet?.waitingPages ?? [], waiting: true)
    }

    private func rows(_ pages: [SheetPage], waiting: Bool) async -> [SheetPageRow] {
        var rows: [SheetPageRow] = []
        for page in pages {
            let thumb = try? await access.core.emergencyPageFile(profileId: profile.id, imageSha256: page.imageSha256,
                                                                thumbnail: true)
            let number = String(page.number)
            let title = wording(.boxPage, number)
            rows.append(SheetPageRow(imageSha256: page.imageSha256, title: title, thumbnailPath: thumb,
                                     accessibilityLabel: waiting ? wording(.pagesWaitingPage, number) : title))
        }
        return rows
    }

    private func label(_ ja: String, _ en: String) -> String {
        switch wording.language {
        case .ja: ja
        case .en: en
        }
    }

    private func row(_ f: SheetFieldInfo, value: String) -> SheetFieldRow {
        let shown: String
        if value.isEmpty {
            shown = wording(.boxNotFilled)
        } else if f.kind == .choice {
            shown = choice(value)
        } else {
            shown = value
        }
        return SheetFieldRow(key: f.key, label: label(f.labelJa, f.labelEn), kind: f.kind, maxChars: f.maxChars,
                             value: value, shown: shown,
                             choices: f.choices.map { SheetChoiceRow(value: $0, label: choice($0)) },
                             hint: f.kind == .date ? wording(.boxDateHint) : nil)
    }

    /// A choice's value as the catalogue names it, in words; a newer app's value as written.
    private func choice(_ value: String) -> String {
        switch value {
        case "A": wording(.boxChoiceA)
        case "B": wording(.boxChoiceB)
        case "O": wording(.boxChoiceO)
        case "AB": wording(.boxChoiceAb)
        case "unknown": wording(.boxChoiceUnknown)
        case "+": wording(.boxChoiceRhPlus)
        case "-": wording(.boxChoiceRhMinus)
        case "female": wording(.boxChoiceFemale)
        case "male": wording(.boxChoiceMale)
        case "other": wording(.boxChoiceOther)
        default: value
        }
    }

    private func fieldLabels() -> [String: String] {
        var labels: [String: String] = [:]
        for group in catalogue { for f in group.fields { labels[f.key] = label(f.labelJa, f.labelEn) } }
        return labels
    }

    private func version(_ v: SheetVersionView, labels: [String: String]) -> SheetVersionRow {
        let at = wording.dateTime(v.savedAt)
        let whenWho: String
        if v.savedHere {
            whenWho = wording(.boxByHere, at)
        } else if let account = v.savedByAccount {
            whenWho = wording(.boxByAccount, at, account)
        } else {
            whenWho = wording(.boxByOther, at)
        }
        let changed = v.changedFields.isEmpty
            ? wording(.boxPhotosOnly)
            : wording(.boxChanged, v.changedFields.map { labels[$0] ?? $0 }.joined(separator: wording(.boxSeparator)))
        return SheetVersionRow(number: v.number, whenWho: whenWho, changed: changed)
    }
}
