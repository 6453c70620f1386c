import Foundation
import TechoKit

/// What the core refused or flagged, in words with a next step. The core decides what is wrong
/// (field, problem, bounds, thresholds); this only says it.
extension Wording {
    /// Says the field's name too: a message read out by VoiceOver, or shown away from its
    /// field, still tells which entry to fix.
    public func problem(_ problem: ValidationProblem, field: Field) -> String {
        self.problem(problem, label: fieldName(field), hmCode: field == .hmCode)
    }

    /// A refused field of a document (命の宝箱), named by the label the core's catalogue gives it.
    public func problem(_ problem: ValidationProblem, label: String) -> String {
        self.problem(problem, label: label, hmCode: false)
    }

    /// A 命の宝箱 field the core refused (`ApiError.DocumentField`) where no form names it by its
    /// label (a message outside the sheet's own form): "this item".
    public func documentFieldProblem(_ problem: ValidationProblem) -> String {
        self.problem(problem, label: self(.fieldDocumentItem), hmCode: false)
    }

    private func problem(_ problem: ValidationProblem, label name: String, hmCode: Bool) -> String {
        switch problem {
        case let .outOfRange(min, max, unit):
            return self(.problemOutOfRange, name, min, max, unitName(unit))
        case .notANumber:
            return self(.problemNotANumber, name)
        case .notAWholeNumber:
            return self(.problemNotAWholeNumber, name)
        case let .tooManyDecimals(max):
            return max == 0 ? self(.problemNoDecimals, name) : self(.problemTooManyDecimals, name, String(max))
        case .notBelowSystolic:
            return self(.problemNotBelowSystolic)
        case .inTheFuture:
            return self(.problemInTheFuture, name)
        case .tooFarInThePast:
            return self(.problemTooFarInThePast, name)
        case let .tooLong(maxChars):
            return self(.problemTooLong, name, String(maxChars))
        case .empty:
            return self(.problemEmpty, name)
        case .invalidFormat:
            // `expected` is English prose from the core; the field says what belongs there.
            return hmCode ? self(.problemInvalidHmCode) : self(.problemInvalidFormat, name)
        case let .tooMany(max):
            return self(.problemTooMany, name, String(max))
        case .duplicate:
            return self(.problemDuplicate, name)
        }
    }

    public func warning(_ warning: Warning) -> String {
        let field = fieldName(warning.field)
        let threshold = warning.shownThreshold
        let unit = unitName(warning.unit)
        switch warning.code {
        case .below: return self(.warningBelow, field, threshold, unit)
        case .atOrAbove: return self(.warningAtOrAbove, field, threshold, unit)
        case .above: return self(.warningAbove, field, threshold, unit)
        case .changedByMoreThan: return self(.warningChanged, field, threshold, unit)
        }
    }

    /// Why the server refused a sign-in or an activation, with what to do about it.
    public func signInProblem(_ problem: AuthProblem) -> String {
        switch problem {
        case .wrongCredentials: return self(.errorWrongCredentials)
        case .invalidActivationCode: return self(.errorInvalidActivationCode)
        case .weakPassword: return self(.errorWeakPassword)
        case let .tooManyAttempts(wait):
            // In the unit the core chose: seconds up to two minutes, then minutes rounded up.
            switch wait.unit {
            case .seconds: return self(.errorTooManyAttemptsSeconds, String(wait.count))
            case .minutes: return self(.errorTooManyAttemptsMinutes, String(wait.count))
            }
        case .refused: return self(.errorSignInRefused)
        }
    }

    /// What an action on a reading or a person collided with, and how to carry on.
    public func conflict(_ kind: ConflictKind) -> String {
        switch kind {
        case .alreadyExists: return self(.errorProfileExists)
        case .correctedSince: return self(.errorCorrectedSince)
        case .deleted: return self(.errorDeletedSince)
        case .differentKind: return self(.errorDifferentKind)
        case .ambiguous: return self(.errorAmbiguous)
        case .unsentChanges: return self(.errorUnsentChanges)
        }
    }

    /// A field's VoiceOver label: its name, or its problem when there is one, so that an error
    /// is heard on every form, not only seen. Every field problem names its field (「体重は数字で
    /// 入力してください。」), so the name is not said twice.
    public func fieldLabel(_ field: Field, problem: String?) -> String {
        problem ?? fieldName(field)
    }

    /// Any error a core call threw, as one message with what to do next.
    public func message(for error: Error) -> String {
        guard let api = error as? ApiError else { return self(.errorInternal) }
        switch api {
        case let .Validation(field, problem, _):
            return self.problem(problem, field: field)
        case let .DocumentField(_, problem, _):
            return documentFieldProblem(problem)
        case .NotFound: return self(.errorNotFound)
        case let .Conflict(kind, _): return conflict(kind)
        case .NoActiveProfile: return self(.errorNoActiveProfile)
        case .KeyUnavailable, .KeyChanged: return self(.errorKeyLost)
        case .KeyStore: return self(.errorKeyStore)
        case .UpdateRequired: return self(.errorUpdateRequired)
        case .StorageFull: return self(.errorStorageFull)
        case .DataDamaged: return self(.errorDataDamaged)
        case .Network: return self(.errorNetwork)
        case let .Auth(problem, _): return signInProblem(problem)
        case let .Import(problem, _): return importProblem(problem)
        case let .Photo(problem, _): return photoProblem(problem)
        case .Internal: return self(.errorInternal)
        }
    }

    /// Why scanned or shared medication data was refused, and what to do instead.
    public func importProblem(_ problem: ImportProblem) -> String {
        switch problem {
        case .prescriptionSymbol: return self(.errorPrescriptionQr)
        case .notMedicationData: return self(.errorNotMedicationData)
        case .otherReceipt: return self(.errorOtherReceipt)
        case .scanAgain: return self(.errorScanAgain)
        case .unreadableCode: return self(.errorUnreadableCode)
        }
    }

    public func photoProblem(_ problem: PhotoProblem) -> String {
        switch problem {
        case .unsupportedFormat: return self(.errorPhotoFormat)
        case .tooLarge: return self(.errorPhotoTooLarge)
        case .damaged: return self(.errorPhotoDamaged)
        case .noCodeFound: return self(.errorPhotoNoCode)
        }
    }
}

/// A refused form, split the way a form shows it: messages beside their fields, and a line
/// at the top for anything that belongs to no field.
public struct FormProblems: Equatable, Sendable {
    public var byField: [Field: String] = [:]
    public var general: String?

    public init() {}

    public init(_ error: Error, wording: Wording, fixHint: Phrase? = nil) {
        if case let .Validation(field, problem, _) = error as? ApiError {
            byField[field] = wording.problem(problem, field: field)
            general = fixHint.map { wording($0) }
        } else {
            general = wording.message(for: error)
        }
    }

    public var isEmpty: Bool { byField.isEmpty && general == nil }
}
