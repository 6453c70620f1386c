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
        // Minimal so this compiles against the current bindings; the wording branch names the checkup fields.
        default: String(describing: field)
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

    /// "61.2 kg", "128/82 mmHg 脈拍 70・朝", "5.5 mmol/L（99 mg/dL）・空腹時" — the same text as the
    /// Android app. The numbers are the core's (`Vital.shown`); the words are from here.
    public func valueText(_ vital: Vital) -> String {
        let shown = vital.shown
        switch vital.value {
        case .weight:
            return self(.valueWeight, shown.value)
        case .temperature:
            return self(.valueTemperature, shown.value)
        case let .bloodPressure(_, _, _, context):
            let pressure = shown.pulse.map { self(.valueBpWithPulse, shown.value, shown.diastolic ?? "", $0) }
                ?? self(.valueBp, shown.value, shown.diastolic ?? "")
            return self(.valueWithDetail, pressure, contextName(context))
        case let .glucose(_, _, timing, _):
            let value = shown.convertedMgDl.map { self(.valueGlucoseMmolL, shown.value, $0) }
                ?? self(.valueGlucoseMgDl, shown.value)
            return self(.valueWithDetail, value, timingName(timing))
        case .steps:
            return self(.valueSteps, shown.value)
        }
    }
}
