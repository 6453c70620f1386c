import Foundation
import Observation
import TechoKit

/// One result line: 「HbA1c（ヘモグロビン・エーワンシー）　6.8 %」 and what its judgement means.
public struct CheckupItemRow: Identifiable, Equatable, Sendable {
    public var id: String { code }
    public let code: String
    /// 上の血圧, as an elderly reader knows it.
    public let name: String
    public let line: String
    /// 1回目, 酵素法: which variant of the item was measured.
    public let variant: String?
    public let judgement: CheckupJudgement
    public let judgementLine: String
    /// As recorded: what a correction starts from.
    public let value: String
    /// An item of the code list (its trend can be shown, its value corrected); an item a newer
    /// app recorded is only shown.
    public let isKnown: Bool

    public var accessibilityLabel: String {
        [line, variant, judgementLine].compactMap { $0 }.joined(separator: "、")
    }
}

/// A photographed page, with its preview as a file the view can draw (nil while it cannot be had).
public struct CheckupPageRow: Identifiable, Equatable, Sendable {
    public var id: String { imageSha256 }
    public let imageSha256: String
    /// The core's number: among the pages, or among those waiting for room.
    public let number: UInt32
    public let title: String
    public let thumbnailPath: String?
    /// What VoiceOver reads for the thumbnail: 「1枚目」, or 「入りきらなかった写真　1枚目」.
    public let accessibilityLabel: String
}

/// A value saved differently on two devices: both, for the person to choose.
public struct CheckupConflictRow: Identifiable, Equatable, Sendable {
    public var id: String { field }
    public let field: String
    public let label: String
    public let ours: String
    public let theirs: String
}

/// One checkup: its items judged, the photos of the sheet, values saved differently on two
/// devices; adding a page, correcting the details, setting or removing an item, and deleting.
@Observable @MainActor
public final class CheckupDetailModel {
    public let actingForLine: String
    public private(set) var title = ""
    public private(set) var institutionLine: String?
    public private(set) var noteLine: String?
    public private(set) var unsentLine: String?
    public private(set) var judgedForLine: String?
    /// The checkup's headline, as its list entry says it (「受診をすすめる値があります」); nil
    /// when no item was judged.
    public private(set) var worstLine: String?
    public private(set) var worstJudgement: CheckupJudgement?
    public private(set) var items: [CheckupItemRow] = []
    public private(set) var pages: [CheckupPageRow] = []
    /// Photos added here that did not fit beside another device's after a merge (20 at most):
    /// kept on this device only, let in by the core, oldest first, when a page is removed.
    public private(set) var waitingPages: [CheckupPageRow] = []
    public private(set) var conflicts: [CheckupConflictRow] = []
    public private(set) var message: String?
    public private(set) var notice: String?
    public private(set) var isWorking = false
    /// Deleted: the view goes back to the list.
    public private(set) var deleted = false

    /// Correcting the details: drafts, and problems beside their fields.
    public private(set) var isEditingDetails = false
    public private(set) var draftDay: CalendarDay
    public var draftKind: CheckupKind = .tokutei { didSet { changed(.checkupKind) } }
    public var draftInstitution = "" { didSet { changed(.institution) } }
    public var draftNote = "" { didSet { changed(.note) } }
    /// The details the person changed: only those are sent, so that a correction of the note
    /// does not also rewrite a date a newer app wrote, or make a version of every field.
    private var touched: Set<Field> = []

    private func changed(_ field: Field) {
        touched.insert(field)
        problems.byField[field] = nil
    }
    public private(set) var problems = FormProblems()

    /// The item whose value is being typed (a new one or a correction), and its draft.
    public private(set) var editingItem: CheckupItemChoice?
    /// The value being typed; each change the person makes is checked at once, as a save
    /// would check it, so a problem shows beside the field before 「保存する」.
    public var itemDraft = "" {
        didSet {
            guard !fillingDraft, let item = editingItem else { return }
            itemProblem = check(item, itemDraft)
        }
    }
    /// Set while the editor is filled from what is recorded: not the person typing.
    @ObservationIgnored private var fillingDraft = false
    public private(set) var itemProblem: String?
    public private(set) var pendingItemRemoval: CheckupItemRow?
    /// The page whose removal, or the waiting photo whose discarding, waits for the person's yes.
    public private(set) var pendingPageRemoval: CheckupPageRow?
    public private(set) var pendingDiscard: CheckupPageRow?
    public private(set) var pendingDelete = false

    private var detail: CheckupDetail?
    private let access: CoreAccess
    private let wording: Wording
    private let profile: Profile
    private let checkupId: String
    private let picking: CheckupDayPicking
    private let catalogue: CheckupCatalogue
    private let onChange: @MainActor () -> Void

    init(access: CoreAccess, wording: Wording, clock: LocalClock, profile: Profile, checkupId: String,
         onChange: @escaping @MainActor () -> Void = {}) {
        self.access = access
        self.wording = wording
        self.profile = profile
        self.checkupId = checkupId
        self.onChange = onChange
        picking = CheckupDayPicking(timeZone: clock.timeZone)
        catalogue = CheckupCatalogue(wording: wording)
        draftDay = picking.day(of: clock.now())
        actingForLine = wording(.actingFor, profile.displayName)
    }

    // MARK: Text for the screen

    public var itemsTitle: String { wording(.checkupItems) }
    public var itemsEmptyLine: String? { detail != nil && items.isEmpty ? wording(.checkupItemsNone) : nil }
    public var pagesTitle: String { wording(.checkupPhotos) }
    public var pagesEmptyLine: String? { detail != nil && pages.isEmpty ? wording(.checkupPhotosNone) : nil }
    public var addPhotoTitle: String { wording(.boxAddPhoto) }
    public var takePhotoTitle: String { wording(.boxTakePhoto) }
    public var pageLargeTitle: String { wording(.checkupPageLarge) }
    public var removePageTitle: String { wording(.boxRemovePage) }
    public var removePageYesTitle: String { wording(.boxRemoveYes) }
    public var removePageQuestion: String? {
        pendingPageRemoval.map { wording(.checkupRemovePageQuestion, String($0.number)) }
    }
    public var waitingTitle: String? { waitingPages.isEmpty ? nil : wording(.pagesWaitingTitle) }
    public var waitingExplanation: String? { waitingPages.isEmpty ? nil : wording(.pagesWaitingExplainCheckup) }
    public var discardTitle: String { wording(.pagesWaitingDiscard) }
    public var discardYesTitle: String { wording(.pagesWaitingDiscardYes) }
    public var discardQuestion: String? { pendingDiscard.map { _ in wording(.pagesWaitingDiscardQuestion) } }
    public var closeTitle: String { wording(.commonClose) }
    public var doneTitle: String { wording(.commonDone) }
    public var trendTitle: String { wording(.checkupTrendOpen) }
    /// The trend button said with its item's name: a list of same-titled buttons is no use to VoiceOver.
    public func trendAccessibilityLabel(_ row: CheckupItemRow) -> String { wording(.checkupTrendOpenFor, row.name) }
    public var changeValueTitle: String { wording(.checkupChangeValue) }
    public var removeItemTitle: String { wording(.checkupRemoveItem) }
    public var addItemTitle: String { wording(.checkupAddItem) }
    public var pickItemTitle: String { wording(.checkupPickItem) }
    public var editTitle: String { wording(.checkupEdit) }
    public var saveTitle: String { wording(.checkupSave) }
    public var cancelTitle: String { wording(.checkupCancel) }
    public var deleteTitle: String { wording(.checkupDelete) }
    public var deleteYesTitle: String { wording(.checkupDeleteYes) }
    public var conflictsTitle: String { wording(.boxConflicts) }
    public var conflictIntro: String { wording(.boxConflictIntro) }
    public var keepOursTitle: String { wording(.boxKeepOurs) }
    public var keepTheirsTitle: String { wording(.boxKeepTheirs) }
    public var kindTitle: String { wording.fieldName(.checkupKind) }
    public var institutionTitle: String { wording.fieldName(.institution) }
    public var noteTitle: String { wording.fieldName(.note) }
    public var dayHint: String { wording(.checkupDateHint) }
    public var draftDayLine: String { wording(.checkupDate, wording.day(draftDay)) }
    public var kindChoices: [CheckupKindChoice] {
        Wording.checkupKindsOffered.map { CheckupKindChoice(kind: $0, label: wording.checkupKindName($0)) }
    }

    /// An item judged `.sexNeeded`: 命の宝箱 has no 性別 yet, and writing it there lets the
    /// core judge the item.
    public var openBoxTitle: String? {
        items.contains { $0.judgement == .sexNeeded } ? wording(.checkupOpenBox) : nil
    }

    public var deleteQuestion: String? {
        guard pendingDelete, let detail else { return nil }
        return wording(.checkupDeleteQuestion, wording.checkupDay(detail.date, text: detail.dateText))
    }

    public var removeItemQuestion: String? {
        pendingItemRemoval.map { row in
            wording(.checkupRemoveItemQuestion, row.variant.map { wording(.checkupWithVariant, row.name, $0) } ?? row.name)
        }
    }

    /// The items of the code list this checkup does not have yet, by group.
    public var pickerGroups: [CheckupItemGroup] { catalogue.groups(excluding: Set(items.map(\.code))) }

    public var itemDraftTitle: String? {
        editingItem.map { item in
            item.choices.isEmpty ? wording(.checkupValueFor, item.label) : wording(.checkupChooseValue, item.label)
        }
    }

    // MARK: Loading

    public func load() async {
        let id = profile.id
        let checkupId = checkupId
        do {
            let detail = try await access.run { try $0.checkup(profileId: id, checkupId: checkupId) }
            await show(detail)
            message = nil
        } catch {
            message = wording.message(for: error)
        }
    }

    // MARK: Pages

    /// A photo the picker or the camera handed over as a JPEG or PNG file (the view converts
    /// HEIC first); the file is not needed afterwards.
    public func addPage(path: String) async {
        await change(notice: .checkupPageAdded) { core, profileId, checkupId in
            try core.addCheckupPage(profileId: profileId, checkupId: checkupId, path: path)
        }
    }

    public func askToRemovePage(_ page: CheckupPageRow) {
        pendingDiscard = nil
        pendingPageRemoval = page
    }
    public func cancelRemovePage() { pendingPageRemoval = nil }

    /// Removes the page everywhere; the core lets the oldest waiting photo into its place.
    public func confirmRemovePage() async {
        guard let page = pendingPageRemoval, !isWorking else { return }
        pendingPageRemoval = nil
        await removePage(page.imageSha256, notice: .boxPageRemoved)
    }

    public func askToDiscard(_ page: CheckupPageRow) {
        pendingPageRemoval = nil
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
        await change(notice: phrase) { core, profileId, checkupId in
            try core.removeCheckupPage(profileId: profileId, checkupId: checkupId, imageSha256: sha)
        }
    }

    /// A page in full, as a file the view can show (downloaded first when it came from another
    /// device; a waiting page's file is on this device).
    public func pageFile(_ page: CheckupPageRow) async -> String? {
        do {
            return try await access.core.checkupPageFile(profileId: profile.id, checkupId: checkupId,
                                                         imageSha256: page.imageSha256, thumbnail: false)
        } catch {
            message = wording.message(for: error)
            return nil
        }
    }

    // MARK: Correcting the details

    public func startEditDetails() {
        guard let detail else { return }
        draftDay = detail.date ?? draftDay
        draftKind = detail.kind == .newer ? .other : detail.kind
        draftInstitution = detail.institution
        draftNote = detail.note
        problems = FormProblems()
        notice = nil
        touched = []
        isEditingDetails = true
    }

    /// The zone the date picker shows: the phone's, the one the chosen day is read in.
    public var pickerTimeZone: TimeZone { picking.timeZone }

    public var draftPickerDate: Date {
        get { picking.date(of: draftDay) }
        set {
            draftDay = picking.day(of: newValue)
            touched.insert(.checkupDate)
            problems.byField[.checkupDate] = nil
        }
    }

    public func cancelEditDetails() {
        isEditingDetails = false
        problems = FormProblems()
    }

    /// Saves the details the person changed as one change; a refused one is shown beside its
    /// field and nothing is saved.
    public func saveDetails() async {
        guard isEditingDetails, !isWorking else { return }
        guard !touched.isEmpty else {
            cancelEditDetails()
            return
        }
        let day = touched.contains(.checkupDate) ? draftDay : nil
        let kind = touched.contains(.checkupKind) ? draftKind : nil
        let institution = touched.contains(.institution) ? draftInstitution : nil
        let note = touched.contains(.note) ? draftNote : nil
        isWorking = true
        defer { isWorking = false }
        do {
            let id = profile.id
            let checkupId = checkupId
            let detail = try await access.run {
                try $0.editCheckup(profileId: id, checkupId: checkupId, date: day, kind: kind,
                                   institution: institution, note: note)
            }
            isEditingDetails = false
            problems = FormProblems()
            await saved(detail, notice: .checkupEditSaved)
        } catch {
            problems = FormProblems(error, wording: wording, fixHint: .checkupFixField)
        }
    }

    // MARK: Items

    /// Starts typing a new item's value (from the picker) or correcting one already there.
    public func startItem(_ code: String) {
        guard let item = catalogue.byCode[code] else { return }
        editingItem = item
        fill(items.first { $0.code == code }?.value ?? "")
        itemProblem = nil
        notice = nil
    }

    public func cancelItem() {
        editingItem = nil
        fill("")
        itemProblem = nil
    }

    private func fill(_ value: String) {
        fillingDraft = true
        itemDraft = value
        fillingDraft = false
    }

    /// The problem a save would have with this value, worded as a refused save words it; nil
    /// for an empty value (nothing typed yet) or a fine one.
    private func check(_ item: CheckupItemChoice, _ value: String) -> String? {
        guard !value.isEmpty else { return nil }
        do {
            try access.checkItem(code: item.code, value: value)
            return nil
        } catch let ApiError.Validation(_, problem, _) {
            return wording.problem(problem, label: item.label)
        } catch {
            return nil
        }
    }

    /// Sets the item's value (a new one, or replacing the old); a refused value stays in the
    /// editor with its problem and nothing is saved.
    public func saveItem() async {
        guard let item = editingItem, !isWorking else { return }
        let value = CheckupItemValue(code: item.code, value: itemDraft)
        isWorking = true
        defer { isWorking = false }
        do {
            let id = profile.id
            let checkupId = checkupId
            let detail = try await access.run { try $0.setCheckupItems(profileId: id, checkupId: checkupId, items: [value]) }
            cancelItem()
            await saved(detail, notice: .checkupEditSaved)
        } catch let ApiError.Validation(_, problem, _) {
            itemProblem = wording.problem(problem, label: item.label)
        } catch {
            message = wording.message(for: error)
        }
    }

    public func askToRemoveItem(_ row: CheckupItemRow) { pendingItemRemoval = row }
    public func cancelRemoveItem() { pendingItemRemoval = nil }

    public func confirmRemoveItem() async {
        guard let row = pendingItemRemoval else { return }
        pendingItemRemoval = nil
        let codes = [row.code]
        await change(notice: .checkupItemRemoved) { core, profileId, checkupId in
            try core.removeCheckupItems(profileId: profileId, checkupId: checkupId, codes: codes)
        }
    }

    // MARK: Conflicts

    public func chooseOurs(_ field: String) async { await resolve(field, keepOurs: true) }
    public func chooseTheirs(_ field: String) async { await resolve(field, keepOurs: false) }

    private func resolve(_ field: String, keepOurs: Bool) async {
        await change(notice: .boxSettled) { core, profileId, checkupId in
            try core.resolveCheckupConflict(profileId: profileId, checkupId: checkupId, field: field, keepOurs: keepOurs)
        }
    }

    // MARK: Deleting

    public func askToDelete() { pendingDelete = true }
    public func cancelDelete() { pendingDelete = false }

    public func confirmDelete() async {
        guard pendingDelete, !isWorking else { return }
        pendingDelete = false
        isWorking = true
        defer { isWorking = false }
        let id = profile.id
        let checkupId = checkupId
        do {
            try await access.run { try $0.deleteCheckup(profileId: id, checkupId: checkupId) }
            onChange()
            deleted = true
            notice = wording(.checkupDeleted)
        } catch {
            message = wording.message(for: error)
        }
    }

    /// Said on the list after going back.
    public var deletedNotice: String? { deleted ? wording(.checkupDeleted) : nil }

    // MARK: Wording what the core returned

    private func change(notice phrase: Phrase,
                        _ call: @escaping @Sendable (any TechoCoreProtocol, String, String) throws -> CheckupDetail) async {
        guard !isWorking else { return }
        isWorking = true
        defer { isWorking = false }
        let id = profile.id
        let checkupId = checkupId
        do {
            let detail = try await access.run { try call($0, id, checkupId) }
            await saved(detail, notice: phrase)
        } catch {
            notice = nil
            message = wording.message(for: error)
        }
    }

    private func saved(_ detail: CheckupDetail, notice phrase: Phrase) async {
        onChange()
        await show(detail)
        message = nil
        notice = wording(phrase)
    }

    private func show(_ detail: CheckupDetail) async {
        self.detail = detail
        let day = wording.checkupDay(detail.date, text: detail.dateText)
        title = wording(.checkupEntryTitle, day, wording.checkupKindName(detail.kind))
        institutionLine = detail.institution.isEmpty ? nil : wording(.checkupInstitutionLine, detail.institution)
        noteLine = detail.note.isEmpty ? nil : wording(.checkupNoteLine, detail.note)
        unsentLine = detail.unsent ? wording(.checkupUnsent) : nil
        worstJudgement = detail.worstJudgement
        worstLine = wording.checkupWorst(detail.worstJudgement)
        judgedForLine = switch detail.judgedFor {
        case .male: wording(.checkupJudgedForMale)
        case .female: wording(.checkupJudgedForFemale)
        case nil: nil
        }
        items = detail.items.map { item in
            let name = wording.checkupItemName(plainName: item.plainName, name: item.name, code: item.code)
            return CheckupItemRow(code: item.code, name: name,
                                  line: wording(.checkupItemLine, name, wording.checkupValue(item.shownValue, unit: item.unit)),
                                  variant: item.variant, judgement: item.judgement,
                                  judgementLine: wording.checkupJudgement(item.judgement), value: item.value,
                                  isKnown: catalogue.byCode[item.code] != nil)
        }
        conflicts = detail.conflicts.map { c in
            CheckupConflictRow(field: c.field, label: wording.checkupConflictLabel(c.which, itemName: c.itemName),
                               ours: wording(.boxOurs, wording.checkupConflictValue(c.oursValue)),
                               theirs: wording(.boxTheirs, wording.checkupConflictValue(c.theirsValue)))
        }
        pages = await rows(detail.pages, of: detail.id, waiting: false)
        waitingPages = await rows(detail.waitingPages, of: detail.id, waiting: true)
    }

    private func rows(_ pages: [CheckupPage], of checkupId: String, waiting: Bool) async -> [CheckupPageRow] {
        var rows: [CheckupPageRow] = []
        for page in pages {
            let thumb = try? await access.core.checkupPageFile(profileId: profile.id, checkupId: checkupId,
                                                               imageSha256: page.imageSha256, thumbnail: true)
            let number = String(page.number)
            let title = wording(.boxPage, number)
            rows.append(CheckupPageRow(imageSha256: page.imageSha256, number: page.number, title: title,
                                       thumbnailPath: thumb,
                                       accessibilityLabel: waiting ? wording(.pagesWaitingPage, number) : title))
        }
        return rows
    }
}
