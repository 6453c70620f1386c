import Foundation
import Observation
import TechoKit

/// A kind of checkup as the form offers it.
public struct CheckupKindChoice: Identifiable, Equatable, Sendable {
    public var id: String { label }
    public let kind: CheckupKind
    public let label: String
}

/// An item being typed into the form: the code list's item and the value as typed.
public struct CheckupFormItemRow: Identifiable, Equatable, Sendable {
    public var id: String { item.code }
    public let item: CheckupItemChoice
    public let value: String
    /// What the core refused about this value, beside it.
    public let problem: String?
    /// The VoiceOver label of the value's field: the item's name, or its problem.
    public let accessibilityLabel: String
}

/// A photo chosen or taken for the new checkup, before it is saved.
public struct CheckupFormPhotoRow: Identifiable, Equatable, Sendable {
    public var id: String { path }
    public let path: String
    public let title: String
}

/// Adding a checkup: the day (a calendar day, as the core takes it), the kind, where, a note,
/// photos of the result sheet and the items typed from it. The core checks everything at once
/// and saves nothing if it refuses a value; its problem is shown beside the field it names.
@Observable @MainActor
public final class CheckupFormModel {
    public let actingForLine: String
    public let title: String
    public private(set) var day: CalendarDay
    public var kind: CheckupKind = .tokutei { didSet { problems.byField[.checkupKind] = nil } }
    public var institution = "" { didSet { problems.byField[.institution] = nil } }
    public var note = "" { didSet { problems.byField[.note] = nil } }
    public private(set) var photos: [CheckupFormPhotoRow] = []
    public private(set) var problems = FormProblems()
    public private(set) var isSaving = false
    /// The saved checkup's id; the view leaves the form once it is set.
    public private(set) var savedId: String?
    public private(set) var notice: String?

    private var codes: [String] = []
    /// Each refused line's own problem, worded with the item's name: found by checking every
    /// line as a save would once the core refused an item (it names the field, not the line).
    private var lineProblems: [String: String] = [:]
    private var values: [String: String] = [:]
    private let access: CoreAccess
    private let wording: Wording
    private let profile: Profile
    private let picking: CheckupDayPicking
    private let catalogue: CheckupCatalogue
    private let onChange: @MainActor () -> Void

    init(access: CoreAccess, wording: Wording, clock: LocalClock, profile: Profile,
         onChange: @escaping @MainActor () -> Void = {}) {
        self.access = access
        self.wording = wording
        self.profile = profile
        self.onChange = onChange
        picking = CheckupDayPicking(timeZone: clock.timeZone)
        catalogue = CheckupCatalogue(wording: wording)
        day = picking.day(of: clock.now())
        actingForLine = wording(.actingFor, profile.displayName)
        title = wording(.checkupAdd)
    }

    // MARK: Text for the screen

    public var dayLine: String { wording(.checkupDate, wording.day(day)) }
    public var dayHint: String { wording(.checkupDateHint) }
    public var kindTitle: String { wording.fieldName(.checkupKind) }
    public var kindChoices: [CheckupKindChoice] {
        Wording.checkupKindsOffered.map { CheckupKindChoice(kind: $0, label: wording.checkupKindName($0)) }
    }
    public var institutionTitle: String { wording.fieldName(.institution) }
    public var noteTitle: String { wording.fieldName(.note) }
    public var photosTitle: String { wording(.checkupPhotos) }
    public var photosEmptyLine: String? { photos.isEmpty ? wording(.checkupPhotosNone) : nil }
    public var addPhotoTitle: String { wording(.boxAddPhoto) }
    public var takePhotoTitle: String { wording(.boxTakePhoto) }
    public var removePhotoTitle: String { wording(.checkupRemovePhoto) }
    public var itemsTitle: String { wording(.checkupItems) }
    public var itemsEmptyLine: String? { codes.isEmpty ? wording(.checkupItemsNone) : nil }
    public var addItemTitle: String { wording(.checkupAddItem) }
    public var pickItemTitle: String { wording(.checkupPickItem) }
    public var removeItemTitle: String { wording(.checkupRemoveItem) }
    public var saveTitle: String { wording(.checkupSave) }
    public var cancelTitle: String { wording(.checkupCancel) }
    public var doneTitle: String { wording(.commonDone) }
    public var nextTitle: String { wording(.commonNext) }

    /// The items of the code list not in the form yet, by group.
    public var pickerGroups: [CheckupItemGroup] { catalogue.groups(excluding: Set(codes)) }

    public var items: [CheckupFormItemRow] {
        codes.compactMap { code in
            guard let item = catalogue.byCode[code] else { return nil }
            let problem = itemProblem(code)
            return CheckupFormItemRow(item: item, value: values[code] ?? "", problem: problem,
                                      accessibilityLabel: problem ?? wording(.checkupValueFor, item.label))
        }
    }

    /// A problem with the items that belongs to none of them alone (too many, one twice). A
    /// refused line has its own problem beside it; only when checking the lines one by one finds
    /// none (a line fine alone) is the core's word said over the items.
    public var itemsProblem: String? {
        if let many = problems.byField[.items] { return many }
        guard lineProblems.isEmpty else { return nil }
        if let code = problems.byField[.itemCode] { return code }
        guard let value = problems.byField[.itemValue] else { return nil }
        return codes.count > 1 ? wording(.checkupItemProblem, value) : value
    }

    public var dayProblem: String? { problems.byField[.checkupDate] }
    public var kindProblem: String? { problems.byField[.checkupKind] }
    public var institutionProblem: String? { problems.byField[.institution] }
    public var noteProblem: String? { problems.byField[.note] }
    public var photosProblem: String? { problems.byField[.pages] }
    /// A problem of no field (a photo the core cannot read, the store): at the top of the form.
    public var message: String? { problems.general }

    /// The zone the date picker shows: the phone's, the one the chosen day is read in.
    public var pickerTimeZone: TimeZone { picking.timeZone }

    // MARK: Editing

    /// The picker's value: noon of the chosen day in the phone's zone.
    public var pickerDate: Date {
        get { picking.date(of: day) }
        set {
            day = picking.day(of: newValue)
            problems.byField[.checkupDate] = nil
        }
    }

    /// A photo the picker or the camera handed over as a JPEG or PNG file (the view converts
    /// HEIC first); the core reads it when the checkup is saved.
    public func addPhoto(path: String) {
        guard !photos.contains(where: { $0.path == path }) else { return }
        photos.append(CheckupFormPhotoRow(path: path, title: ""))
        renumberPhotos()
        problems.byField[.pages] = nil
        problems.general = nil
    }

    /// The phone could not turn the picked photo into a JPEG for the core.
    public func photoUnreadable() {
        problems.general = wording.photoProblem(.damaged)
    }

    public func removePhoto(path: String) {
        photos.removeAll { $0.path == path }
        renumberPhotos()
        problems.byField[.pages] = nil
    }

    public func addItem(_ code: String) {
        guard catalogue.byCode[code] != nil, !codes.contains(code) else { return }
        codes.append(code)
        clearItemProblems(code)
    }

    public func removeItem(_ code: String) {
        codes.removeAll { $0 == code }
        values[code] = nil
        clearItemProblems(code)
    }

    /// The value as typed (an ordinal item: the code of the result chosen, "1" to "5"). The
    /// line is checked at once as a save would check it, so its problem shows beside it while
    /// the person is still on it; an empty line says nothing until a save.
    public func setValue(_ code: String, _ value: String) {
        values[code] = value
        clearItemProblems(code)
        if !value.isEmpty { check(CheckupItemValue(code: code, value: value)) }
    }

    /// The value field 「次へ」 above the number pad moves to from `code`: the next item typed
    /// in (an ordinal result is chosen, not typed), nil after the last.
    public func nextValueField(after code: String) -> String? {
        guard let at = codes.firstIndex(of: code) else { return nil }
        return codes[(at + 1)...].first { catalogue.byCode[$0]?.choices.isEmpty == true }
    }

    public func value(_ code: String) -> String { values[code] ?? "" }

    // MARK: Saving

    /// Hands everything to the core as typed. A second tap while saving does nothing.
    public func save() async {
        guard !isSaving, savedId == nil else { return }
        isSaving = true
        defer { isSaving = false }
        let id = profile.id
        let day = day
        let kind = kind
        let institution = institution
        let note = note
        let paths = photos.map(\.path)
        let items = codes.map { CheckupItemValue(code: $0, value: values[$0] ?? "") }
        do {
            let saved = try await access.run {
                try $0.addCheckup(profileId: id, date: day, kind: kind, institution: institution, note: note,
                                  photoPaths: paths, items: items)
            }
            problems = FormProblems()
            savedId = saved.id
            notice = wording(.checkupSaved)
            onChange()
        } catch {
            problems = FormProblems(error, wording: wording, fixHint: .checkupFixField)
            if case let .Validation(field, _, _)? = error as? ApiError, Self.itemFields.contains(field) {
                checkLines(items)
            }
        }
    }

    private static let itemFields: Set<Field> = [.itemCode, .itemValue, .itemUnit, .itemMethod]

    /// Checks every line as the save did (`checkCheckupItem`), so that each refused line gets its
    /// own problem beside it, said with its name, and a fine line none.
    private func checkLines(_ lines: [CheckupItemValue]) {
        lineProblems = [:]
        for line in lines { check(line) }
    }

    /// One line as a save would check it (`checkCheckupItem`): its problem beside it, said with
    /// its name, or none.
    private func check(_ line: CheckupItemValue) {
        guard let item = catalogue.byCode[line.code] else { return }
        do {
            try access.checkItem(code: line.code, value: line.value)
            lineProblems[line.code] = nil
        } catch let ApiError.Validation(_, problem, _) {
            lineProblems[line.code] = wording.problem(problem, label: item.label)
        } catch {
            lineProblems[line.code] = nil
        }
    }

    private func itemProblem(_ code: String) -> String? { lineProblems[code] }

    /// A change to one line clears its own problem (checked again at once when it is not empty);
    /// the others keep theirs.
    private func clearItemProblems(_ code: String) {
        for field in [Field.items, .itemCode, .itemValue, .itemUnit, .itemMethod] { problems.byField[field] = nil }
        lineProblems[code] = nil
    }

    private func renumberPhotos() {
        photos = photos.enumerated().map { CheckupFormPhotoRow(path: $0.element.path,
                                                               title: wording(.checkupPhotoChosen, String($0.offset + 1))) }
    }
}

/// The list presents the form as a sheet, one form per press of 「健診結果を加える」.
extension CheckupFormModel: Identifiable {}
