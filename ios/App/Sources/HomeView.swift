import SwiftUI
import TechoAppModel
import TechoKit

/// Today at a glance: whose notebook, today's readings, the latest of each kind, the sync line,
/// and one large button per task.
struct HomeView: View {
    @Environment(AppModel.self) private var app
    @State var model: HomeModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 20) {
                ActingForBanner(line: model.actingForLine)
                if let message = model.message { MessageBox(text: message) }

                NavigationLink(value: Route.chooseKind) { bigLabel(w(.homeRecord), prominent: true) }
                    .buttonStyle(.borderedProminent)
                    .tint(Color(role: .buttonFill))
                    .accessibilityLabel(Text(verbatim: w(.homeRecord)))
                // The list and chart of the kind recorded last (blood pressure before anything is).
                NavigationLink(value: Route.history(model.latest.first?.kind ?? .bloodPressure)) {
                    bigLabel(w(.homeHistory), prominent: false)
                }
                .buttonStyle(.bordered)
                .accessibilityLabel(Text(verbatim: w(.homeHistory)))

                section(w(.homeToday)) {
                    if let empty = model.todayEmptyLine {
                        Text(verbatim: empty).fixedSize(horizontal: false, vertical: true)
                    }
                    ForEach(model.today) { row in
                        NavigationLink(value: Route.reading(row.id)) { ReadingRowView(row: row) }
                    }
                }

                section(w(.homeLatest)) {
                    // A row reads as one reading, so it opens that reading (as on Android).
                    ForEach(model.latest) { row in
                        NavigationLink(value: Route.reading(row.id)) { ReadingRowView(row: row) }
                    }
                }

                if let bp = model.bpClassLine {
                    NavigationLink(value: Route.bpSummary) {
                        VStack(alignment: .leading, spacing: 4) {
                            Text(verbatim: w(.homeBpSummary)).font(.headline)
                            Text(verbatim: bp).fixedSize(horizontal: false, vertical: true)
                        }
                        .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                    }
                    .accessibilityLabel(Text(verbatim: w(.homeBpSummary) + "、" + bp))
                }

                NavigationLink(value: Route.medications) { bigLabel(w(.medTitle)) }
                    .buttonStyle(.bordered)
                    .accessibilityLabel(Text(verbatim: w(.medTitle)))

                if let line = model.latestCheckupLine, let id = model.latestCheckupId {
                    NavigationLink(value: Route.checkup(id)) {
                        Text(verbatim: line)
                            .font(.title3)
                            .fixedSize(horizontal: false, vertical: true)
                            .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                    }
                    .accessibilityLabel(Text(verbatim: line))
                }
                NavigationLink(value: Route.checkups) { bigLabel(model.checkupsTitle) }
                    .buttonStyle(.bordered)
                    .accessibilityLabel(Text(verbatim: model.checkupsTitle))

                NavigationLink(value: Route.emergencySheet) { bigLabel(w(.boxOpen)) }
                    .buttonStyle(.bordered)
                    .accessibilityLabel(Text(verbatim: w(.boxOpen)))

                SyncLineView(sync: model.sync) { await model.syncNow() }

                NavigationLink(value: Route.settings) { bigLabel(w(.homeSettings)) }
                    .buttonStyle(.bordered)
                    .accessibilityLabel(Text(verbatim: w(.homeSettings)))
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: w(.appTitle)))
        .task { await model.load() }
        // A run the loop or background refresh finished may have brought new readings.
        .onChange(of: app.sync?.runsFinished) { Task { await model.load() } }
        .refreshable { await model.syncNow() } // an extra; the sync button does the same
    }

    private var w: Wording { app.wording }

    private func bigLabel(_ title: String, prominent: Bool = false) -> some View {
        Text(verbatim: title)
            .font(prominent ? .title2.bold() : .title3.weight(.semibold))
            .multilineTextAlignment(.center)
            .fixedSize(horizontal: false, vertical: true)
            .frame(maxWidth: .infinity, minHeight: 56)
            .foregroundStyle(role: prominent ? .buttonText : nil) // not the system's white (BigButton)
    }

    private func section<Content: View>(_ title: String, @ViewBuilder content: () -> Content) -> some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(verbatim: title).font(.title3.bold()).accessibilityAddTraits(.isHeader)
            content()
        }
    }
}

/// Which kind of reading to record: one large button per kind.
struct ChooseKindView: View {
    @Environment(AppModel.self) private var app

    var body: some View {
        ScrollView {
            VStack(spacing: 12) {
                if let profile = app.activeProfile {
                    ActingForBanner(line: app.wording(.actingFor, profile.displayName))
                }
                ForEach(HomeModel.kindsInEntryOrder, id: \.self) { kind in
                    NavigationLink(value: Route.entry(kind)) {
                        Text(verbatim: app.wording.kindName(kind))
                            .font(.title2.weight(.semibold))
                            .frame(maxWidth: .infinity, minHeight: 56)
                    }
                    .buttonStyle(.bordered)
                    .accessibilityLabel(Text(verbatim: app.wording(.entryTitle, app.wording.kindName(kind))))
                }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: app.wording(.homeRecord)))
    }
}
