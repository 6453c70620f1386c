import Charts
import SwiftUI
import TechoAppModel
import TechoKit

/// The person's checkups, newest first, each opening its detail; adding one opens the form as
/// a sheet, and its saved notice is shown here when it closes.
struct CheckupsView: View {
    @Environment(AppModel.self) private var app
    @State var model: CheckupsModel
    @State private var form: CheckupFormModel?

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 20) {
                ActingForBanner(line: model.actingForLine)
                if let message = model.message { MessageBox(text: message) }
                if let notice = model.notice { MessageBox(text: notice, isProblem: false) }
                Text(verbatim: model.introLine).font(.title3).fixedSize(horizontal: false, vertical: true)
                BigButton(title: model.addTitle, prominent: true) { form = app.makeCheckupForm() }
                if let empty = model.emptyLine {
                    Text(verbatim: empty).font(.title3).fixedSize(horizontal: false, vertical: true)
                }
                ForEach(model.entries) { entry in
                    NavigationLink(value: Route.checkup(entry.id)) { CheckupEntryView(entry: entry) }
                        .buttonStyle(.plain)
                }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        // Again on coming back from a checkup, which may have been corrected or deleted.
        .task { await model.load() }
        .onChange(of: app.sync?.runsFinished) { Task { await model.load() } }
        .sheet(item: $form) { form in
            NavigationStack {
                CheckupFormView(model: form) { notice in
                    self.form = nil
                    model.show(notice: notice)
                    Task { await model.load() }
                }
                .navigationDestination(for: Route.self) { route in RouteView(route: route) }
            }
            .interactiveDismissDisabled() // a swipe must not throw away what was typed
        }
    }
}

/// One checkup in the list: its lines in reading order, read by VoiceOver as one.
struct CheckupEntryView: View {
    let entry: CheckupEntryRow

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(verbatim: entry.title).font(.title3.bold()).fixedSize(horizontal: false, vertical: true)
            if !entry.institution.isEmpty { Text(verbatim: entry.institution).font(.body) }
            Text(verbatim: entry.counts).font(.body).foregroundStyle(Color(role: .secondaryText))
            if let worst = entry.worst {
                JudgementLabel(text: worst, judgement: entry.worstJudgement, onCard: true)
            }
            if let unsent = entry.unsent {
                Text(verbatim: unsent).font(.body).foregroundStyle(Color(role: .secondaryText))
            }
            if let conflicts = entry.conflicts {
                Text(verbatim: conflicts).font(.body.weight(.semibold)).foregroundStyle(Color(role: .problemOnCard))
            }
        }
        .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
        .padding()
        .background(Color(role: .card), in: RoundedRectangle(cornerRadius: 12))
        .contentShape(Rectangle())
        .accessibilityElement(children: .ignore)
        .accessibilityLabel(Text(verbatim: entry.accessibilityLabel))
        .accessibilityAddTraits(.isButton)
    }
}

/// A judgement's words with a mark, so that it is not told by colour alone.
struct JudgementLabel: View {
    let text: String
    let judgement: CheckupJudgement?
    /// On a card (the list) or on the screen's background: the palette pairs differ.
    var onCard = false

    var body: some View {
        Label {
            Text(verbatim: text).fixedSize(horizontal: false, vertical: true)
        } icon: {
            Image(systemName: symbol)
        }
        .font(.body.weight(.semibold))
        .foregroundStyle(role: role)
    }

    private var symbol: String {
        switch judgement {
        case .seeDoctor: "exclamationmark.triangle.fill"
        case .guidance: "exclamationmark.circle.fill"
        case .normal: "checkmark.circle.fill"
        default: "info.circle"
        }
    }

    private var role: PaletteRole? {
        switch judgement {
        case .seeDoctor: onCard ? .problemOnCard : .problem
        case .normal: onCard ? .successOnCard : .success
        default: nil
        }
    }
}

/// One item across every checkup, oldest first: a chart of the numbers the core gives and each
/// point's line (day, value, judgement).
struct CheckupTrendView: View {
    @State var model: CheckupTrendModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 20) {
                ActingForBanner(line: model.actingForLine)
                if let message = model.message { MessageBox(text: message) }
                if let empty = model.emptyLine { Text(verbatim: empty).font(.title3) }
                if model.chartPoints.count > 1 { chart }
                ForEach(model.points) { point in
                    JudgementLabel(text: point.line, judgement: point.judgement)
                        .font(.title3)
                        .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .task { await model.load() }
    }

    /// The values as the core gives them, placed on their days; the points' lines say the same
    /// in words for VoiceOver.
    private var chart: some View {
        Chart {
            ForEach(model.chartPoints) { point in
                if let date = point.date, let number = point.number {
                    LineMark(x: .value("day", date, unit: .day), y: .value("value", number))
                        .foregroundStyle(Color(role: .link))
                    PointMark(x: .value("day", date, unit: .day), y: .value("value", number))
                        .foregroundStyle(Color(role: .link))
                        .accessibilityLabel(Text(verbatim: point.line))
                }
            }
        }
        // Axis text in the palette's secondary text, not Charts' grey (3.4:1).
        .chartXAxis {
            AxisMarks { _ in
                AxisGridLine()
                AxisTick()
                AxisValueLabel().foregroundStyle(Color(role: .secondaryText))
            }
        }
        .chartYAxis {
            AxisMarks(position: .leading) { _ in
                AxisGridLine()
                AxisValueLabel().foregroundStyle(Color(role: .secondaryText))
            }
        }
        .chartYAxisLabel {
            Text(verbatim: model.unit ?? "").foregroundStyle(Color(role: .secondaryText))
        }
        .frame(minHeight: 240)
        .accessibilityLabel(Text(verbatim: model.chartTitle))
    }
}
