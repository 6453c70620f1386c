import Foundation
import TechoKit

/// A change the server refused, said as which record, when it was entered and why. The core
/// says which record (the reading or notebook entry itself) and why (a `RefusalReason`); this
/// gives each case its words.
extension Wording {
    public func refusedChange(_ item: WedgedItem) -> String {
        self(.settingsRefusedItem, refusedSubject(item), dateTime(item.createdAt), refusedReason(item.why))
    }

    public func refusedReason(_ why: RefusalReason) -> String {
        switch why {
        case .invalidData: self(.refusedReasonContent)
        case .notAllowed: self(.refusedReasonNotLinked)
        case .tooLarge: self(.refusedReasonTooLarge)
        case .changedElsewhere: self(.refusedReasonConflict)
        case .notAccepted: self(.refusedReasonUpdate)
        case .waitsForAnother: self(.refusedReasonWaiting)
        case .other: self(.refusedReasonOther)
        // Minimal so this compiles against the current bindings; the wording branch words the new reasons.
        default: self(.refusedReasonOther)
        }
    }

    /// The reading as its row shows it, the notebook entry by its title, or just the family.
    func refusedSubject(_ item: WedgedItem) -> String {
        if let vital = item.vital {
            return self(.refusedSubject, kindName(vital.kind), valueText(vital))
        }
        if let entry = item.medication {
            return self(.refusedSubject, self(.refusedEntityMedication), entry.title)
        }
        return familyName(item.family)
    }

    /// What a refused change is about, as the settings list names it.
    public func familyName(_ family: RecordFamily) -> String {
        switch family {
        case .vital: self(.refusedEntityVital)
        case .medication: self(.refusedEntityMedication)
        case .other: self(.refusedEntityOther)
        // Minimal so this compiles against the current bindings; the wording branch names the new families.
        default: self(.refusedEntityOther)
        }
    }
}
