import Foundation
import TechoKit

/// A checkup in the list, worded: 「2026年6月12日（金）　特定健診」, where, how much it holds,
/// and its most serious judgement.
public struct CheckupEntryRow: Identifiable, Equatable, Sendable {
    public let id: String
    public let title: String
    public let institution: String
    public let counts: String
    /// 「受診をすすめる値があります」; nil when no item was judged.
    public let worst: String?
    public let worstJudgement: CheckupJudgement?
    public let unsent: String?
    public let conflicts: String?
    /// The date alone, for a question about this checkup.
    public let day: String

    init(_ entry: CheckupEntry, wording: Wording) {
        id = entry.id
        day = wording.checkupDay(entry.date, text: entry.dateText)
        title = wording(.checkupEntryTitle, day, wording.checkupKindName(entry.kind))
        institution = entry.institution
        counts = wording(.checkupCounts, wording.count(UInt64(entry.pageCount)), wording.count(UInt64(entry.itemCount)))
        worstJudgement = entry.worstJudgement
        worst = wording.checkupWorst(entry.worstJudgement)
        unsent = entry.unsent ? wording(.checkupUnsent) : nil
        conflicts = entry.conflictCount > 0 ? wording(.checkupHasConflicts) : nil
    }

    /// Every line in reading order, for VoiceOver to read the entry as one.
    public var accessibilityLabel: String {
        [title, institution, counts, worst, unsent, conflicts].compactMap { $0 }.filter { !$0.isEmpty }
            .joined(separator: "、")
    }
}

/// One test item of the code list as a picker offers it.
public struct CheckupItemChoice: Identifiable, Equatable, Sendable {
    public var id: String { code }
    public let code: String
    /// 上の血圧（1回目）
    public let label: String
    public let unit: String?
    /// Above its value's field: the name with the unit (HbA1c（ヘモグロビン・エーワンシー）（%）).
    public let fieldLabel: String
    /// Ordinal items: their results to choose from (−, ±, +…), each with the code a save takes
    /// ("1" to "5"); empty for a number typed in.
    public let choices: [SheetChoiceRow]
}

/// The code list's items by group (身体計測, 血圧…), in the order a result sheet lists them.
public struct CheckupItemGroup: Identifiable, Equatable, Sendable {
    public var id: String { name }
    public let name: String
    public let items: [CheckupItemChoice]
}

/// The code list, read once, for the item pickers of the add form and the detail.
struct CheckupCatalogue {
    let groups: [CheckupItemGroup]
    let byCode: [String: CheckupItemChoice]

    init(wording: Wording, codes: [CheckupItemInfo] = checkupItemCodes()) {
        var groups: [CheckupItemGroup] = []
        var byCode: [String: CheckupItemChoice] = [:]
        var current: (name: String, items: [CheckupItemChoice])?
        for info in codes {
            let choice = CheckupItemChoice(
                code: info.code, label: wording.checkupItemName(info), unit: info.unit,
                fieldLabel: info.unit.map { wording(.checkupWithVariant, wording.checkupItemName(info), $0) }
                    ?? wording.checkupItemName(info),
                choices: info.valueKind == .ordinal
                    // The core names an ordinal result by its place among the labels, 1 to 5.
                    ? info.valueLabels.enumerated().map { SheetChoiceRow(value: String($0.offset + 1), label: $0.element) }
                    : [])
            byCode[info.code] = choice
            if let open = current, open.name == info.group {
                current = (open.name, open.items + [choice])
            } else {
                if let open = current { groups.append(CheckupItemGroup(name: open.name, items: open.items)) }
                current = (info.group, [choice])
            }
        }
        if let open = current { groups.append(CheckupItemGroup(name: open.name, items: open.items)) }
        self.groups = groups
        self.byCode = byCode
    }

    /// The groups without the items already present.
    func groups(excluding codes: Set<String>) -> [CheckupItemGroup] {
        groups.compactMap { group in
            let items = group.items.filter { !codes.contains($0.code) }
            return items.isEmpty ? nil : CheckupItemGroup(name: group.name, items: items)
        }
    }
}

/// A date picker works in `Date`; the core in calendar days. Only the day's fields cross over,
/// read in the phone's zone, so the day chosen is the day saved.
struct CheckupDayPicking {
    let timeZone: TimeZone

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    func day(of date: Date) -> CalendarDay {
        let calendar = calendar
        return CalendarDay(year: Int32(calendar.component(.year, from: date)),
                           month: UInt32(calendar.component(.month, from: date)),
                           day: UInt32(calendar.component(.day, from: date)))
    }

    /// Noon of `day` in the phone's zone: where a picker shows that day whatever the zone's offset.
    func date(of day: CalendarDay) -> Date {
        calendar.date(from: DateComponents(year: Int(day.year), month: Int(day.month), day: Int(day.day), hour: 12))
            ?? Date()
    }
}
