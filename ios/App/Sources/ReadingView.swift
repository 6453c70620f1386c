import SwiftUI
import TechoAppModel
import TechoKit

/// One reading and its history; correcting and deleting are plain buttons, and deleting asks
/// once more with its own button (no swipe, no long press).
struct ReadingView: View {
    @Environment(AppModel.self) private var app
    @State var model: ReadingModel
    @State private var correction: EntryModel?

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 20) {
                ActingForBanner(line: model.actingForLine)
                if let current = model.current { ReadingRowView(row: current) }
                if let message = model.message { MessageBox(text: message, isProblem: !model.deleted) }

                if model.canChange {
                    BigButton(title: model.correctTitle, prominent: true) { correction = model.makeCorrection() }
                    if model.confirmingDelete {
                        Text(verbatim: model.deleteQuestion).font(.title3).fixedSize(horizontal: false, vertical: true)
                        BigButton(title: model.deleteYesTitle, role: .destructive) { await model.confirmDelete() }
                        BigButton(title: model.cancelTitle) { model.cancelDelete() }
                    } else {
                        BigButton(title: model.deleteTitle, role: .destructive) { model.askToDelete() }
                    }
                }

                Text(verbatim: model.versionsTitle).font(.title3.bold()).accessibilityAddTraits(.isHeader)
                ForEach(model.versions) { version in
                    ReadingRowView(row: version)
                    Divider()
                }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .task { await model.load() }
        .sheet(item: $correction) { entry in
            // The stack only gives the sheet its title bar; a sheet has no back button, so its
            // way out and its save sit where iOS puts them, as in the system's own edit sheets.
            NavigationStack {
                EntryView(model: entry) { saved in
                    Task { await model.corrected(to: saved) }
                }
                .navigationBarTitleDisplayMode(.inline)
                .toolbar {
                    ToolbarItem(placement: .cancellationAction) {
                        Button(app.wording(entry.saved == nil ? .commonCancel : .commonClose)) { correction = nil }
                    }
                    if entry.saved == nil {
                        ToolbarItem(placement: .confirmationAction) {
                            Button(app.wording(.entrySave)) {
                                Task {
                                    await entry.save()
                                    if let saved = entry.saved { await model.corrected(to: saved) }
                                }
                            }
                            .disabled(entry.isSaving)
                        }
                    }
                }
            }
            .interactiveDismissDisabled(entry.isSaving)
            .environment(app)
        }
    }
}
