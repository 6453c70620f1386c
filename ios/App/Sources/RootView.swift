import SwiftUI
import TechoAppModel

/// Opening, first run, or the notebook of the person being shown.
struct RootView: View {
    @Environment(AppModel.self) private var app
    @State private var confirmingStartOver = false

    var body: some View {
        phaseView
            .alert(app.startOverNotice ?? "", isPresented: Binding(
                get: { app.startOverNotice != nil },
                set: { if !$0 { app.dismissStartOverNotice() } }
            )) {
                Button(app.wording(.commonClose)) { app.dismissStartOverNotice() }
            }
    }

    @ViewBuilder private var phaseView: some View {
        switch app.phase {
        case .opening:
            ProgressView {
                Text(verbatim: app.wording(.commonLoading)).font(.title3)
            }
        case .cannotOpen(let message):
            ScrollView {
                VStack(spacing: 16) {
                    MessageBox(text: message)
                    BigButton(title: app.wording(.commonRetry), prominent: true) { [app] in
                        await Launch.start(app)
                    }
                    if app.canStartOver {
                        BigButton(title: app.wording(.startOverButton)) { confirmingStartOver = true }
                    }
                }
                .padding()
            }
            .confirmationDialog(app.wording(.startOverButton), isPresented: $confirmingStartOver,
                                titleVisibility: .visible) {
                Button(app.wording(.startOverButton), role: .destructive) {
                    Task { await Launch.startOver(app) }
                }
                Button(app.wording(.commonCancel), role: .cancel) {}
            } message: {
                Text(verbatim: app.wording(.startOverConfirm))
            }
        case .firstRun:
            if let model = app.makeFirstRun() {
                FirstRunView(model: model)
            }
        case .ready(let profile):
            NavigationStack {
                if let home = app.makeHome() {
                    HomeView(model: home)
                        .navigationDestination(for: Route.self) { route in
                            RouteView(route: route)
                        }
                }
            }
            // A switch of person starts again from that person's home screen.
            .id(profile.id)
        }
    }
}

/// Builds the screen for a route with its model.
struct RouteView: View {
    @Environment(AppModel.self) private var app
    let route: Route

    var body: some View {
        switch route {
        case .chooseKind: ChooseKindView()
        case .entry(let kind): app.makeEntry(kind).map { EntryView(model: $0) }
        case .history(let kind): app.makeHistory(kind).map { HistoryView(model: $0) }
        case .reading(let id): app.makeReading(id).map { ReadingView(model: $0) }
        case .bpSummary: app.makeBpSummary().map { BpSummaryView(model: $0) }
        case .profiles: app.makeProfiles().map { ProfilesView(model: $0) }
        case .settings: app.makeSettings().map { SettingsView(model: $0) }
        case .medications: app.makeMedications().map { MedicationsView(model: $0) }
        case .medication(let id): app.makeMedicationDetail(id).map { MedicationDetailView(model: $0) }
        case .medicationScan: app.makeMedicationScan().map { MedicationScanView(model: $0) }
        case .emergencySheet: app.makeEmergencySheet(printer: AirPrintSheetPrinter()).map { EmergencySheetView(model: $0) }
        case .checkups: app.makeCheckups().map { CheckupsView(model: $0) }
        case .checkup(let id): app.makeCheckupDetail(id).map { CheckupDetailView(model: $0) }
        case .checkupTrend(let code): app.makeCheckupTrend(code).map { CheckupTrendView(model: $0) }
        }
    }
}
