import Foundation
import TechoKit

/// One entry of the medication notebook ready to show: all text already in the person's language.
public struct MedicationRow: Identifiable, Equatable, Sendable {
    public let id: String
    public let kind: MedicationKind
    public let kindName: String
    /// The pharmacy (dispensings), the medicine (OTC), or the note's text.
    public let title: String
    /// 「11月20日（木）にもらった薬」 for a dispensing; the plain date otherwise.
    public let dayLine: String?
    /// Drug names (dispensings) or ingredients (OTC), as the pharmacy wrote them.
    public let names: [String]
    public let arrivalLine: String
    /// "Hidden"; empty when there is nothing to add.
    public let notes: [String]
    /// The whole row as one VoiceOver sentence.
    public let accessibilityLabel: String

    public init(_ summary: MedicationSummary, wording: Wording) {
        id = summary.id
        kind = summary.kind
        kindName = wording.medicationKindName(summary.kind)
        title = summary.title
        dayLine = summary.day.map { day in
            summary.kind == .dispensing ? wording(.medDispensedOn, wording.day(day)) : wording.day(day)
        }
        names = summary.names
        arrivalLine = wording.arrivalLine(summary.arrival)
        notes = summary.hidden ? [wording(.medHiddenNote)] : []
        accessibilityLabel = ([kindName, title] + [dayLine].compactMap { $0 } + names + [arrivalLine] + notes)
            .joined(separator: "、")
    }
}

/// A pharmacy or clinic that dispensed, with how often and when last.
public struct PharmacyRow: Identifiable, Equatable, Sendable {
    /// The institution code the core filters by.
    public var id: String { code }
    public let code: String
    public let name: String
    public let countLine: String
    public let latestLine: String?
    /// The button that shows this pharmacy's records.
    public let chooseTitle: String
    public let accessibilityLabel: String

    public init(_ pharmacy: PharmacyCount, wording: Wording) {
        code = pharmacy.code
        name = pharmacy.name
        countLine = wording.pharmacyCountLine(pharmacy)
        latestLine = pharmacy.latest.map { wording(.medPharmacyLatest, wording.day($0)) }
        chooseTitle = wording(.medPharmacyChoose, pharmacy.name)
        accessibilityLabel = ([name, countLine] + [latestLine].compactMap { $0 }).joined(separator: "、")
    }
}

/// The exported notebook, written to a file a share sheet can hand on.
public struct MedicationExportFile: Equatable, Sendable {
    public let data: Data
    public let fileName: String
    /// A temporary file named `fileName` holding `data`.
    public let url: URL
}
