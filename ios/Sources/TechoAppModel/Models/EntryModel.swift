import Foundation
import Observation
import TechoKit

/// The form for one kind of reading, new or a correction. Fields hold text exactly as typed;
/// the core parses and checks it and names the field that is wrong, which this shows beside it.
@Observable @MainActor
public final class EntryModel: Identifiable {
    /// One form, one identity: a correction sheet is presented per model.
    public nonisolated var id: ObjectIdentifier { ObjectIdentifier(self) }

    public let kind: VitalKind
    public let title: String
    public let actingForLine: String

    // Text fields, as typed (full-width digits and "8,000" included).
    public var weight = ""
    public var temperature = ""
    public var systolic = ""
    public var diastolic = ""
    public var pulse = ""
    public var glucose = ""
    public var steps = ""
    public var note = ""

    // Choices, preselected from the core's entry defaults.
    public var bpContext: BpContext = .other
    public var glucoseUnit: GlucoseUnit = .mgPerDl
    public var glucoseTiming: GlucoseTiming = .random

    /// When it was measured, as the core read the day and time picked: the instant, the offset
    /// it is stored with, and the day and time the pickers show.
    public private(set) var measuredAt: Date
    public private(set) var utcOffsetMinutes: Int32
    public private(set) var picked: PickedDateTime

    public private(set) var problems = FormProblems()
    public private(set) var warnings: [String] = []
    public private(set) var savedLine: String?
    public private(set) var saved: Vital?
    public private(set) var isSaving = false

    private let access: CoreAccess
    private let wording: Wording
    private let clock: LocalClock
    private let profile: Profile
    private let correcting: Vital?
    private let onChange: @MainActor () -> Void

    init(access: CoreAccess, wording: Wording, clock: LocalClock, profile: Profile, kind: VitalKind,
         correcting: Vital? = nil, onChange: @escaping @MainActor () -> Void = {}) {
        self.onChange = onChange
        self.access = access
        self.wording = wording
        self.clock = clock
        self.profile = profile
        self.kind = kind
        self.correcting = correcting
        let kindName = wording.kindName(kind)
        title = correcting == nil ? wording(.entryTitle, kindName) : wording(.entryCorrectTitle, kindName)
        actingForLine = wording(.actingFor, profile.displayName)
        let now = clock.now()
        let at = correcting?.measuredAt ?? now
        let offset = correcting?.utcOffsetMinutes ?? clock.utcOffsetMinutes(at: now)
        measuredAt = at
        utcOffsetMinutes = offset
        picked = (try? pickedDateTime(at: at, utcOffsetMinutes: offset)) ?? PickerTime.epoch
        if let correcting { prefill(from: correcting.asInput) }
    }

    /// The zone the calendar works in: the phone's, so that it marks the phone's today. Only the
    /// day is read from it.
    public var dayPickerTimeZone: TimeZone { clock.timeZone }
    /// The zone the time wheels work in: the one where a `Date`'s fields are the picked time as
    /// it is (`PickerTime`).
    public var timePickerTimeZone: TimeZone { PickerTime.timeZone }

    /// The large buttons: the day and the time the reading is recorded at, as the core read them,
    /// each with what pressing it does (the same words as Android's buttons).
    public var dayLine: String { wording.day(picked.day) }
    public var timeLine: String { wording.time(measuredAt, utcOffsetMinutes: utcOffsetMinutes) }
    public var changeDayHint: String { wording(.entryChangeDate) }
    public var changeTimeHint: String { wording(.entryChangeTime) }
    public var doneTitle: String { wording(.commonDone) }

    /// The calendar's value: noon of the picked day in the phone's zone.
    public var pickerDay: Date {
        get { CheckupDayPicking(timeZone: clock.timeZone).date(of: picked.day) }
        set { pick(PickedDateTime(day: CheckupDayPicking(timeZone: clock.timeZone).day(of: newValue),
                                  hour: picked.hour, minute: picked.minute)) }
    }

    /// The time wheels' value: the picked day and time as a picker in `timePickerTimeZone` holds them.
    public var pickerTime: Date {
        get { PickerTime.date(of: picked) }
        set {
            let time = PickerTime.picked(of: newValue)
            pick(PickedDateTime(day: picked.day, hour: time.hour, minute: time.minute))
        }
    }

    /// A day and time picked on the phone. The core reads it as the reading's time: a correction
    /// in the offset it was taken in, a new reading in the phone's zone.
    public func pick(_ picked: PickedDateTime) {
        do {
            let read = try readingTime(picked: picked, correctingOffsetMinutes: correcting?.utcOffsetMinutes,
                                       zone: clock.zone)
            measuredAt = read.at
            utcOffsetMinutes = read.utcOffsetMinutes
            self.picked = read.shown
            problems.byField[.measuredAt] = nil
        } catch {
            problems.byField[.measuredAt] = wording.message(for: error)
        }
    }

    /// The message to show under `field`, if the core refused it.
    public func problem(_ field: Field) -> String? {
        problems.byField[field]
    }

    /// A field's VoiceOver label: its name, and the problem when there is one.
    public func accessibilityLabel(_ field: Field) -> String {
        wording.fieldLabel(field, problem: problem(field))
    }

    /// The fields this kind's form shows, in order.
    public var fields: [Field] {
        switch kind {
        case .weight: [.weight]
        case .temperature: [.temperature]
        case .bloodPressure: [.systolic, .diastolic, .pulse]
        case .glucose: [.glucose]
        case .steps: [.steps]
        }
    }

    /// Sets a text field by the name the core uses for it.
    public func setText(_ field: Field, _ value: String) {
        switch field {
        case .weight: weight = value
        case .temperature: temperature = value
        case .systolic: systolic = value
        case .diastolic: diastolic = value
        case .pulse: pulse = value
        case .glucose: glucose = value
        case .steps: steps = value
        case .note: note = value
        default: break
        }
    }

    /// Preselects morning/evening and the glucose unit for a new reading. A correction keeps
    /// what the reading had.
    public func loadDefaults() async {
        guard correcting == nil else { return }
        let at = measuredAt
        let offset = utcOffsetMinutes
        guard let defaults = try? await access.run({ try $0.entryDefaults(at: at, utcOffsetMinutes: offset) }) else {
            return
        }
        bpContext = defaults.bpContext
        glucoseUnit = defaults.glucoseUnit
        glucoseTiming = defaults.glucoseTiming
    }

    public func save() async {
        // A second tap while saving must not record the reading twice.
        guard !isSaving else { return }
        isSaving = true
        defer { isSaving = false }
        problems = FormProblems()
        warnings = []
        savedLine = nil
        // The core derives proxy provenance from the profile, so the shell always says the
        // person typed it in.
        let entry = VitalEntry(
            input: input,
            measuredAt: measuredAt,
            utcOffsetMinutes: utcOffsetMinutes,
            source: .selfEntered,
            deviceName: nil,
            note: note.isEmpty ? nil : note)
        let profileId = profile.id
        let correctingId = correcting?.id
        do {
            let recorded = try await access.run { core in
                if let correctingId {
                    return try core.amendVital(vitalId: correctingId, entry: entry)
                }
                return try core.recordVital(profileId: profileId, entry: entry)
            }
            saved = recorded.vital
            onChange()
            warnings = recorded.warnings.map(wording.warning)
            savedLine = warnings.isEmpty ? wording(.entrySaved) : wording(.warningNextStep)
        } catch {
            problems = FormProblems(error, wording: wording, fixHint: .entryFixErrors)
        }
    }

    /// Clears the form for the next reading of the same kind, keeping the choices.
    public func startAnother() {
        for field in fields { setText(field, "") }
        note = ""
        let now = clock.now()
        measuredAt = now
        utcOffsetMinutes = clock.utcOffsetMinutes(at: now)
        picked = (try? pickedDateTime(at: now, utcOffsetMinutes: utcOffsetMinutes)) ?? picked
        problems = FormProblems()
        warnings = []
        savedLine = nil
        saved = nil
    }

    /// What the form holds, as text for the core. An empty optional field is "not given".
    private var input: VitalInput {
        switch kind {
        case .weight: .weight(kg: weight)
        case .temperature: .temperature(celsius: temperature)
        case .bloodPressure:
            .bloodPressure(systolic: systolic, diastolic: diastolic, pulse: pulse.isEmpty ? nil : pulse, context: bpContext)
        case .glucose: .glucose(value: glucose, unit: glucoseUnit, timing: glucoseTiming)
        case .steps: .steps(count: steps)
        }
    }

    private func prefill(from input: VitalInput) {
        switch input {
        case let .weight(kg): weight = kg
        case let .temperature(celsius): temperature = celsius
        case let .bloodPressure(s, d, p, context):
            systolic = s
            diastolic = d
            pulse = p ?? ""
            bpContext = context
        case let .glucose(value, unit, timing):
            glucose = value
            glucoseUnit = unit
            glucoseTiming = timing
        case let .steps(count): steps = count
        }
        note = correcting?.note ?? ""
    }
}
