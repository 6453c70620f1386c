import Foundation
import TechoKit

/// One reading ready to show: all text already in the person's language.
public struct ReadingRow: Identifiable, Equatable, Sendable {
    public let id: String
    public let kind: VitalKind
    public let kindName: String
    public let value: String
    public let time: String
    /// "Not sent yet", "Deleted", "Entered by family"…; empty when there is nothing to add.
    public let notes: [String]
    /// The whole row as one VoiceOver sentence.
    public let accessibilityLabel: String
    public let isCurrent: Bool

    public init(_ vital: Vital, wording: Wording) {
        id = vital.id
        kind = vital.kind
        kindName = wording.kindName(vital.kind)
        value = wording.valueText(vital)
        time = wording.dateTime(vital.measuredAt, utcOffsetMinutes: vital.utcOffsetMinutes)
        var notes: [String] = []
        if vital.deletedAt != nil { notes.append(wording(.readingDeleted)) }
        if vital.supersededBy != nil { notes.append(wording(.readingCorrected)) }
        if !vital.synced { notes.append(wording(.readingNotSent)) }
        if let source = wording.sourceNote(vital.source) { notes.append(source) }
        if let note = vital.note, !note.isEmpty { notes.append(note) }
        self.notes = notes
        isCurrent = vital.deletedAt == nil && vital.supersededBy == nil
        accessibilityLabel = ([wording(.readingA11y, kindName, value, time)] + notes).joined(separator: "、")
    }
}
