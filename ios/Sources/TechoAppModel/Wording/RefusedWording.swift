import Foundation
import TechoKit

/// A change the server refused, said as which record, when it was entered and why. The core
/// passes the server's error code on as text (or its own, for a change waiting behind a refused
/// one); this is the one place that turns a code into words, so a core-side reason can replace
/// it without touching the screens. A code not listed gets the plain "not accepted".
extension Wording {
    public func refusedChange(_ item: WedgedItem) -> String {
        self(.settingsRefusedItem, familyName(item.family), dateTime(item.createdAt), refusedReason(item.reason))
    }

    public func refusedReason(_ code: String?) -> String {
        self(code.flatMap { refusedReasons[$0] } ?? .refusedReasonOther)
    }

    /// What a refused change is about, as the settings list names it.
    public func familyName(_ family: RecordFamily) -> String {
        switch family {
        case .vital: self(.refusedEntityVital)
        case .medication: self(.refusedEntityMedication)
        case .other: self(.refusedEntityOther)
        }
    }
}

// The server's codes (protocol ErrorCode) and the phone's own wedge reasons.
private let refusedReasons: [String: Phrase] = [
    "invalid_payload": .refusedReasonContent,
    "malformed_request": .refusedReasonContent,
    "payload_too_large": .refusedReasonContent,
    "forbidden": .refusedReasonNotLinked,
    "conflicting_record": .refusedReasonConflict,
    "idempotency_conflict": .refusedReasonConflict,
    "conflict": .refusedReasonConflict,
    "conflict_without_server_state": .refusedReasonConflict,
    "unsupported_entity": .refusedReasonUpdate,
    "dependency_refused": .refusedReasonWaiting,
]
