import SwiftUI
import TechoAppModel
import TechoKit
import UIKit

/// One reading of one kind. Fields take text as typed; what the core refuses is shown under
/// its field, and warnings after saving say what to do next.
struct EntryView: View {
    @Environment(AppModel.self) private var app
    @Environment(\.dismiss) private var dismiss
    @State var model: EntryModel
    /// Called with the saved reading when this form corrects one.
    var onSaved: ((Vital) -> Void)?
    @FocusState private var focusedField: String?

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 20) {
                ActingForBanner(line: model.actingForLine)

                if let general = model.problems.general { MessageBox(text: general) }

                // 上 → 下 → 脈拍 by 「次へ」 above the number pad, which has no return key.
                ForEach(Array(model.fields.enumerated()), id: \.element) { index, field in
                    FieldBlock(label: label(field), text: binding(field), problem: model.problem(field),
                               accessibilityLabel: model.accessibilityLabel(field), keyboard: keyboard(field),
                               chain: FieldChain(focus: $focusedField, id: "\(field)",
                                                 next: model.fields.dropFirst(index + 1).first.map { "\($0)" },
                                                 nextTitle: w(.commonNext)))
                }

                choices

                // The day and the time as large buttons (as on the checkup form and Android):
                // each opens a calendar or wheels in a sheet.
                VStack(alignment: .leading, spacing: 8) {
                    Text(verbatim: w.fieldName(.measuredAt)).font(.headline)
                    DateButtonField(line: model.dayLine, hint: model.changeDayHint, problem: model.problem(.measuredAt),
                                    doneTitle: model.doneTitle, timeZone: model.dayPickerTimeZone, date: $model.pickerDay)
                    DateButtonField(line: model.timeLine, hint: model.changeTimeHint, problem: nil,
                                    doneTitle: model.doneTitle, timeZone: model.timePickerTimeZone, date: $model.pickerTime,
                                    components: [.hourAndMinute])
                }

                FieldBlock(label: w(.entryOptional, w.fieldName(.note)), text: $model.note,
                           problem: model.problem(.note), accessibilityLabel: model.accessibilityLabel(.note))

                if let saved = model.savedLine {
                    VStack(alignment: .leading, spacing: 8) {
                        MessageBox(text: saved, isProblem: !model.warnings.isEmpty)
                        ForEach(model.warnings, id: \.self) { warning in
                            Text(verbatim: warning).font(.title3.weight(.semibold))
                                .fixedSize(horizontal: false, vertical: true)
                        }
                    }
                    if onSaved == nil {
                        BigButton(title: w(.entryAnother)) { model.startAnother() }
                    }
                    BigButton(title: w(.commonClose), prominent: true) { dismiss() }
                } else {
                    BigButton(title: w(.entrySave), prominent: true, isBusy: model.isSaving) {
                        await model.save()
                        if let vital = model.saved { onSaved?(vital) }
                    }
                }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .task { await model.loadDefaults() }
    }

    private var w: Wording { app.wording }

    @ViewBuilder private var choices: some View {
        switch model.kind {
        case .bloodPressure:
            ChoiceList(title: w(.entryContext),
                       options: [BpContext.morning, .evening, .other].map { ($0, w.contextName($0)) },
                       selection: $model.bpContext)
        case .glucose:
            ChoiceList(title: w(.entryUnit),
                       options: [GlucoseUnit.mgPerDl, .mmolPerL].map { ($0, w.unitName($0)) },
                       selection: $model.glucoseUnit)
            ChoiceList(title: w(.entryTiming),
                       options: [GlucoseTiming.fasting, .beforeMeal, .afterMeal1h, .afterMeal2h, .bedtime, .random]
                           .map { ($0, w.timingName($0)) },
                       selection: $model.glucoseTiming)
        default:
            EmptyView()
        }
    }

    private func label(_ field: Field) -> String {
        field == .pulse ? w(.entryOptional, w.fieldName(field)) : w.fieldName(field)
    }

    private func binding(_ field: Field) -> Binding<String> {
        switch field {
        case .weight: $model.weight
        case .temperature: $model.temperature
        case .systolic: $model.systolic
        case .diastolic: $model.diastolic
        case .pulse: $model.pulse
        case .glucose: $model.glucose
        case .steps: $model.steps
        default: $model.note
        }
    }

    /// Digits-first keyboards; the core still accepts whatever is typed or pasted.
    private func keyboard(_ field: Field) -> UIKeyboardType {
        switch field {
        case .weight, .temperature, .glucose: .decimalPad
        case .systolic, .diastolic, .pulse, .steps: .numberPad
        default: .default
        }
    }
}
