import Foundation
import TechoKit

/// 健診結果 in words: kinds, the core's judgements, item names and values as the result sheet
/// prints them. The core judges every value; this only says what it decided.
extension Wording {
    /// A kind a newer app recorded is said as "other" (the core keeps it as it was).
    public func checkupKindName(_ kind: CheckupKind) -> String {
        switch kind {
        case .tokutei: self(.checkupKindTokutei)
        case .teiki: self(.checkupKindTeiki)
        case .other, .newer: self(.checkupKindOther)
        }
    }

    /// The kinds a save accepts, in the order the form offers them.
    public static let checkupKindsOffered: [CheckupKind] = [.tokutei, .teiki, .other]

    /// What one item's judgement means for the person, with the next step where there is one.
    public func checkupJudgement(_ judgement: CheckupJudgement) -> String {
        switch judgement {
        case .normal: self(.checkupJudgementNormal)
        case .guidance: self(.checkupJudgementGuidance)
        case .seeDoctor: self(.checkupJudgementSeeDoctor)
        case .noThresholds: self(.checkupJudgementNoThresholds)
        case .sexNeeded: self(.checkupJudgementSexNeeded)
        case .unknownItem: self(.checkupJudgementUnknownItem)
        }
    }

    /// The most serious judgement of a whole checkup; nil when no item was judged.
    public func checkupWorst(_ judgement: CheckupJudgement?) -> String? {
        switch judgement {
        case .normal: self(.checkupWorstNormal)
        case .guidance: self(.checkupWorstGuidance)
        case .seeDoctor: self(.checkupWorstSeeDoctor)
        case .noThresholds, .sexNeeded, .unknownItem, nil: nil
        }
    }

    /// A checkup's day as a long date; a date a newer app wrote in a form this one cannot read
    /// is shown as written.
    public func checkupDay(_ day: CalendarDay?, text: String) -> String {
        day.map { self.day($0) } ?? text
    }

    /// An item as an elderly reader knows it (上の血圧), the sheet's name when there is no
    /// plain one, or the code for an item this version does not know.
    public func checkupItemName(plainName: String?, name: String?, code: String) -> String {
        plainName ?? name ?? code
    }

    /// The item's name with its variant (上の血圧（1回目）), for pickers and forms where two
    /// variants of one series stand side by side.
    public func checkupItemName(_ info: CheckupItemInfo) -> String {
        info.variant.map { self(.checkupWithVariant, info.plainName, $0) } ?? info.plainName
    }

    /// A value with its unit as the sheet prints it (6.8 %); ordinal values have no unit (＋).
    public func checkupValue(_ shownValue: String, unit: String?) -> String {
        unit.map { self(.checkupValueUnit, shownValue, $0) } ?? shownValue
    }

    /// What a value saved differently on two devices is about: one of the checkup's own fields,
    /// or an item by the name the core gives it.
    public func checkupConflictLabel(_ which: CheckupConflictField, itemName: String?) -> String {
        switch which {
        case .date: fieldName(.checkupDate)
        case .institution: fieldName(.institution)
        case .kind: fieldName(.checkupKind)
        case .note: fieldName(.note)
        case .item: itemName ?? fieldName(.itemCode)
        }
    }

    /// One side of such a value, worded as the checkup itself words it.
    public func checkupConflictValue(_ value: CheckupConflictValue) -> String {
        switch value {
        case .blank: self(.boxBlank)
        case let .text(text): text
        case let .day(day): self.day(day)
        case let .kind(kind): checkupKindName(kind)
        case let .item(shownValue, unit): checkupValue(shownValue, unit: unit)
        }
    }
}
