import SwiftUI
import TechoAppModel
import TechoKit
import UIKit

/// Shared building blocks: every control is at least 44 pt tall, full width, labelled in the
/// current language, and text wraps instead of truncating at any Dynamic Type size.

/// Whose notebook this is, on every screen (U8), with the explicit way to switch.
struct ActingForBanner: View {
    @Environment(AppModel.self) private var app
    let line: String

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(verbatim: line)
                .font(.title3.bold())
                .fixedSize(horizontal: false, vertical: true)
            NavigationLink(value: Route.profiles) {
                Text(verbatim: app.wording(.actingForSwitch))
                    .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
            }
            .accessibilityLabel(Text(verbatim: app.wording(.actingForSwitch)))
        }
        .padding()
        .background(Color(role: .card), in: RoundedRectangle(cornerRadius: 12))
        .accessibilityElement(children: .contain)
    }
}

/// A large, full-width button; `prominent` for the one main action of a screen.
struct BigButton: View {
    let title: String
    var prominent = false
    var role: ButtonRole?
    var isBusy = false
    let action: @MainActor () async -> Void
    /// A second tap while the action runs does nothing (elderly hands often tap twice).
    @State private var running = false

    var body: some View {
        if prominent {
            button.buttonStyle(.borderedProminent).tint(Color(role: .buttonFill))
        } else {
            button.buttonStyle(.bordered)
        }
    }

    /// The label's colour from the palette: the system draws white on the prominent fill (1.4:1
    /// on the dark palette's light fill) and its own red for deleting (3.6:1). While busy the
    /// style's dimmed look stays.
    private var labelRole: PaletteRole? {
        if isBusy || running { return nil }
        if prominent { return .buttonText }
        return role == .destructive ? .problem : .link
    }

    private var button: some View {
        Button(role: role) {
            guard !running else { return }
            running = true
            Task {
                await action()
                running = false
            }
        } label: {
            HStack {
                if isBusy || running { ProgressView() }
                Text(verbatim: title)
                    .font(.title3.weight(.semibold))
                    .multilineTextAlignment(.center)
                    .fixedSize(horizontal: false, vertical: true)
            }
            .frame(maxWidth: .infinity, minHeight: 52)
            .foregroundStyle(role: labelRole)
        }
        .disabled(isBusy || running)
        .accessibilityLabel(Text(verbatim: title))
    }
}

/// One field among several whose keyboard moves on with 「次へ」: the screen's focus, this
/// field's id, and the next field's id as the model gives it (nil for the last).
struct FieldChain {
    let focus: FocusState<String?>.Binding
    let id: String
    let next: String?
    let nextTitle: String
}

/// A labelled text field with the core's message for it underneath, in red with an icon (not
/// colour alone), and the message read by VoiceOver as part of the field's label.
struct FieldBlock: View {
    let label: String
    @Binding var text: String
    var problem: String?
    var accessibilityLabel: String
    var keyboard: UIKeyboardType = .default
    var secure = false
    var chain: FieldChain?
    @Environment(AppModel.self) private var app
    /// A password can be shown while typing (small keys, elderly eyes).
    @State private var revealed = false
    /// Number pads have no return key: a "done" button above the keyboard closes it (and, in a
    /// chain, 「次へ」 moves to the next field).
    @FocusState private var focused: Bool

    private var isFocused: Bool {
        if let chain { return chain.focus.wrappedValue == chain.id }
        return focused
    }

    private func closeKeyboard() {
        if let chain { chain.focus.wrappedValue = nil } else { focused = false }
    }

    @ViewBuilder private func focusable(_ field: some View) -> some View {
        if let chain {
            field.focused(chain.focus, equals: chain.id)
        } else {
            field.focused($focused)
        }
    }

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Text(verbatim: label).font(.headline)
            focusable(Group {
                if secure && !revealed {
                    SecureField("", text: $text)
                } else {
                    TextField("", text: $text)
                        .keyboardType(secure ? .asciiCapable : keyboard)
                }
            })
            .toolbar {
                if isFocused {
                    ToolbarItemGroup(placement: .keyboard) {
                        if let chain, let next = chain.next {
                            Button(chain.nextTitle) { chain.focus.wrappedValue = next }
                                .font(.title3.weight(.semibold))
                        }
                        Spacer()
                        Button(app.wording(.commonDone)) { closeKeyboard() }
                            .font(.title3.weight(.semibold))
                    }
                }
            }
            .font(.title2)
            .textFieldStyle(.roundedBorder)
            // The system's border is too faint to find the field (1.5:1); the palette's is ≥ 3:1.
            .overlay(RoundedRectangle(cornerRadius: 6).strokeBorder(Color(role: .fieldBorder), lineWidth: 1.5))
            .frame(minHeight: 44)
            .autocorrectionDisabled()
            .textInputAutocapitalization(.never)
            .accessibilityLabel(Text(verbatim: spokenLabel))
            if secure {
                Toggle(app.wording(.commonShowPassword), isOn: $revealed)
                    .font(.body)
                    .frame(minHeight: 44)
            }
            // Said with the field's label (spokenLabel), not twice.
            if let problem { ProblemLine(text: problem) }
        }
        // Heard when it appears too, not only when VoiceOver reaches the field: after tapping a
        // button the focus stays on the button.
        .onChange(of: problem) { _, newProblem in
            if let newProblem { announceForVoiceOver(app.wording(.labelWithError, label, newProblem)) }
        }
    }

    /// The field's VoiceOver label with its current problem, whether or not the caller's label
    /// (usually `Wording.fieldLabel`) already carries it, so an error is always heard.
    private var spokenLabel: String {
        guard let problem, !accessibilityLabel.contains(problem) else { return accessibilityLabel }  // shell-logic-ok: only keeps VoiceOver from saying the problem twice
        return app.wording(.labelWithError, accessibilityLabel, problem)
    }
}

/// One choice among a few, as a column of large buttons (segmented pickers truncate at AX5).
struct ChoiceList<Value: Hashable>: View {
    let title: String
    let options: [(Value, String)]
    @Binding var selection: Value

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            if !title.isEmpty { Text(verbatim: title).font(.headline) }
            ForEach(options, id: \.0) { value, name in
                Button {
                    selection = value
                } label: {
                    HStack {
                        Image(systemName: selection == value ? "largecircle.fill.circle" : "circle")
                        Text(verbatim: name).fixedSize(horizontal: false, vertical: true)
                        Spacer(minLength: 0)
                    }
                    .font(.title3)
                    .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                    .contentShape(Rectangle())
                }
                .buttonStyle(.plain)
                .accessibilityLabel(Text(verbatim: name))
                .accessibilityAddTraits(selection == value ? .isSelected : [])
            }
        }
    }
}

/// A message box: errors and confirmations, always with the next step in the text itself.
/// VoiceOver reads each new message out when it appears or changes, without moving focus.
struct MessageBox: View {
    let text: String
    var isProblem = true

    var body: some View {
        Label {
            Text(verbatim: text).fixedSize(horizontal: false, vertical: true)
        } icon: {
            Image(systemName: isProblem ? "exclamationmark.circle.fill" : "checkmark.circle.fill")
        }
        .font(.body.weight(.semibold))
        .foregroundStyle(Color(role: isProblem ? .problemOnCard : .successOnCard))
        .padding()
        .frame(maxWidth: .infinity, alignment: .leading)
        .background(Color(role: .card), in: RoundedRectangle(cornerRadius: 12))
        .accessibilityElement(children: .combine)
        .onAppear { announceForVoiceOver(text) }
        .onChange(of: text) { _, newText in announceForVoiceOver(newText) }
    }
}

/// Speaks `text` with VoiceOver (if it is on) without moving its focus.
@MainActor
func announceForVoiceOver(_ text: String) {
    #if canImport(UIKit)
    UIAccessibility.post(notification: .announcement, argument: text)
    #endif
}

/// The sync line with its button, shown on the home screen and in settings.
struct SyncLineView: View {
    @Environment(AppModel.self) private var app
    let sync: SyncCoordinator
    let action: @MainActor () async -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(verbatim: sync.line)
                .font(.body)
                .fixedSize(horizontal: false, vertical: true)
                .accessibilityAddTraits(.updatesFrequently)
            BigButton(title: app.wording(.syncNow), isBusy: sync.isRunning, action: action)
        }
    }
}

/// A reading as a row that reflows: side by side normally, stacked at accessibility sizes.
struct ReadingRowView: View {
    let row: ReadingRow

    var body: some View {
        ViewThatFits(in: .horizontal) {
            HStack(alignment: .firstTextBaseline) { content }
            VStack(alignment: .leading, spacing: 4) { content }
        }
        .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
        .accessibilityElement(children: .ignore)
        .accessibilityLabel(Text(verbatim: row.accessibilityLabel))
    }

    @ViewBuilder private var content: some View {
        Text(verbatim: row.kindName).font(.headline)
        Text(verbatim: row.value).font(.title3)
        Text(verbatim: row.time).font(.body).foregroundStyle(Color(role: .secondaryText))
        if !row.notes.isEmpty {
            Text(verbatim: row.notes.joined(separator: "・")).font(.callout).foregroundStyle(Color(role: .secondaryText))
        }
    }
}

/// Where a screen can go. Every move is a visible button, never a gesture.
enum Route: Hashable {
    case chooseKind
    case entry(VitalKind)
    case history(VitalKind)
    case reading(String)
    case bpSummary
    case profiles
    case settings
    case medications
    case medication(String)
    case medicationScan
    case emergencySheet
    case checkups
    case checkup(String)
    case checkupTrend(String)
}

/// A day or a time as a large button with the date or time on it; pressing it opens a calendar
/// (or, for a time, wheels) in a sheet. The model holds the value; the picker only shows and
/// sets it.
struct DateButtonField: View {
    @Environment(AppModel.self) private var app
    let line: String
    let hint: String
    let problem: String?
    let doneTitle: String
    let timeZone: TimeZone
    @Binding var date: Date
    var components: DatePickerComponents = [.date]
    @State private var picking = false

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Button {
                picking = true
            } label: {
                VStack(alignment: .leading, spacing: 4) {
                    Text(verbatim: line).font(.title2.weight(.semibold)).fixedSize(horizontal: false, vertical: true)
                    Text(verbatim: hint).font(.body).foregroundStyle(Color(role: .secondaryText))
                }
                .frame(maxWidth: .infinity, minHeight: 56, alignment: .leading)
                .padding(.horizontal, 8)
                .overlay(RoundedRectangle(cornerRadius: 8).strokeBorder(Color(role: .fieldBorder), lineWidth: 1.5))
            }
            .buttonStyle(.plain)
            .accessibilityLabel(Text(verbatim: problem.map { app.wording(.labelWithError, line, $0) } ?? line))
            .accessibilityHint(Text(verbatim: hint))
            // Said with the button's label, and once when it appears.
            if let problem { ProblemLine(text: problem).onAppear { announceForVoiceOver(problem) } }
        }
        .sheet(isPresented: $picking) {
            NavigationStack {
                ScrollView {
                    VStack(spacing: 16) {
                        Text(verbatim: line).font(.title2.weight(.semibold))
                        picker
                            .labelsHidden()
                            .environment(\.timeZone, timeZone)
                        BigButton(title: doneTitle, prominent: true) { picking = false }
                    }
                    .padding()
                }
            }
        }
    }
}

extension DateButtonField {
    @ViewBuilder private var picker: some View {
        if components.contains(.date) {
            DatePicker("", selection: $date, displayedComponents: components).datePickerStyle(.graphical)
        } else {
            DatePicker("", selection: $date, displayedComponents: components).datePickerStyle(.wheel)
        }
    }
}

/// A field's problem under it: the problem colour and a warning sign, never colour alone. Hidden
/// from VoiceOver, which hears it with the field's own label.
struct ProblemLine: View {
    let text: String

    var body: some View {
        Label {
            Text(verbatim: text).fixedSize(horizontal: false, vertical: true)
        } icon: {
            Image(systemName: "exclamationmark.triangle.fill")
        }
        .font(.body.weight(.semibold))
        .foregroundStyle(Color(role: .problem))
        .accessibilityHidden(true)
    }
}
