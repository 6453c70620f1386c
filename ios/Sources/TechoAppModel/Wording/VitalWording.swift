import Foundation
import TechoKit

/// Names of kinds, fields, units and choices, and a reading as one line of text. Values are
/// shown from `Vital.asInput`, the exact text the core keeps, so nothing is rounded here.
extension Wording {
    public func kindName(_ kind: VitalKind) -> String {
        switch kind {
        case .weight: self(.kindWeight)
        case .temperature: self(.kindTemperature)
        case .bloodPressure: self(.kindBloodPressure)
        case .glucose: self(.kindGlucose)
        case .steps: self(.kindSteps)
        }
    }

    public func fieldName(_ field: Field) -> String {
        switch field {
        case .weight: self(.fieldWeight)
        case .temperature: self(.fieldTemperature)
        case .systolic: self(.fieldSystolic)
        case .diastolic: self(.fieldDiastolic)
        case .pulse: self(.fieldPulse)
        case .glucose: self(.fieldGlucose)
        case .steps: self(.fieldSteps)
        case .measuredAt: self(.fieldMeasuredAt)
        case .note: self(.fieldNote)
        case .deviceName: self(.fieldDeviceName)
        case .hmCode: self(.fieldHmCode)
        case .displayName: self(.fieldDisplayName)
        case .cursor: self(.fieldCursor)
        }
    }

    /// A unit the core names in its messages ("mmHg", "°C", "steps"), in this language.
    /// An unknown unit is shown as the core wrote it rather than hidden.
    public func unitName(_ coreUnit: String) -> String {
        switch coreUnit {
        case "kg": self(.unitKg)
        case "°C": self(.unitCelsius)
        case "mmHg": self(.unitMmHg)
        case "/min": self(.unitPerMinute)
        case "mg/dL": self(.unitMgDl)
        case "mmol/L": self(.unitMmolL)
        case "steps": self(.unitSteps)
        default: coreUnit
        }
    }

    public func unitName(_ unit: GlucoseUnit) -> String {
        switch unit {
        case .mgPerDl: self(.unitMgDl)
        case .mmolPerL: self(.unitMmolL)
        }
    }

    public func contextName(_ context: BpContext) -> String {
        switch context {
        case .morning: self(.contextMorning)
        case .evening: self(.contextEvening)
        case .other: self(.contextOther)
        }
    }

    public func timingName(_ timing: GlucoseTiming) -> String {
        switch timing {
        case .fasting: self(.timingFasting)
        case .beforeMeal: self(.timingBeforeMeal)
        case .afterMeal1h: self(.timingAfterMeal1h)
        case .afterMeal2h: self(.timingAfterMeal2h)
        case .bedtime: self(.timingBedtime)
        case .random: self(.timingRandom)
        }
    }

    public func relationshipName(_ relationship: Relationship) -> String {
        switch relationship {
        case .myself: self(.relationshipMyself)
        case .family: self(.relationshipFamily)
        }
    }

    /// Where a reading came from, when it is worth saying (self-entered is the usual case).
    public func sourceNote(_ source: Source) -> String? {
        switch source {
        case .selfEntered: nil
        case .device: self(.sourceDevice)
        case .proxy: self(.sourceProxy)
        }
    }

    /// "61.2 kg", "128/82 mmHg (Morning) pulse 70/min", "5.5 mmol/L (Fasting) equals 99 mg/dL":
    /// the numbers as the core prints them (`Vital.shown`), the words from here.
    public func valueText(_ vital: Vital) -> String {
        let shown = vital.shown
        switch vital.value {
        case .weight:
            return self(.readingValueUnit, shown.value, self(.unitKg))
        case .temperature:
            return self(.readingValueUnit, shown.value, self(.unitCelsius))
        case let .bloodPressure(_, _, _, context):
            let pressure = self(.readingBloodPressure, shown.value, shown.diastolic ?? "", contextName(context))
            guard let pulse = shown.pulse else { return pressure }
            return pressure + " " + self(.readingPulse, pulse)
        case let .glucose(_, unit, timing, _):
            let text = self(.readingGlucose, shown.value, unitName(unit), timingName(timing))
            guard let converted = shown.convertedMgDl else { return text }
            return text + " " + self(.readingGlucoseConverted, converted)
        case .steps:
            return self(.readingValueUnit, shown.value, self(.unitSteps))
        }
    }
}
