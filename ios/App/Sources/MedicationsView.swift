import SwiftUI
import TechoAppModel
import TechoKit
import UniformTypeIdentifiers

/// The medication notebook: scan a receipt, search, then what is taken now, the history or the
/// records by pharmacy (large buttons instead of a segmented control, which truncates at AX5),
/// and importing or sharing the notebook as a file.
struct MedicationsView: View {
    @Environment(AppModel.self) private var app
    @State var model: MedicationsModel
    @State private var searchText = ""
    @State private var importing = false

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 20) {
                ActingForBanner(line: model.actingForLine)
                if let message = model.message { MessageBox(text: message) }
                if let notice = model.notice { MessageBox(text: notice, isProblem: false) }

                NavigationLink(value: Route.medicationScan) {
                    Text(verbatim: model.scanTitle)
                        .font(.title2.bold())
                        .multilineTextAlignment(.center)
                        .fixedSize(horizontal: false, vertical: true)
                        .frame(maxWidth: .infinity, minHeight: 56)
                        .foregroundStyle(Color(role: .buttonText)) // not the system's white (BigButton)
                }
                .buttonStyle(.borderedProminent)
                .tint(Color(role: .buttonFill))
                .accessibilityLabel(Text(verbatim: model.scanTitle))

                FieldBlock(label: model.searchLabel, text: $searchText, accessibilityLabel: model.searchLabel)
                    .onChange(of: searchText) { _, text in
                        Task { await model.search(text) }
                    }

                if let title = model.searchResultsTitle {
                    header(title)
                    if let empty = model.searchEmptyLine { plain(empty) }
                    rows(model.searchResults ?? [])
                    BigButton(title: model.searchClearTitle) {
                        searchText = ""
                        await model.clearSearch()
                    }
                } else {
                    ForEach(MedicationsModel.Section.allCases, id: \.self) { section in
                        BigButton(title: model.sectionTitle(section), prominent: section == model.section) {
                            model.show(section)
                        }
                        .accessibilityAddTraits(section == model.section ? .isSelected : [])
                    }
                    sectionContent
                }

                BigButton(title: model.importTitle, isBusy: model.isWorking) { importing = true }
                BigButton(title: model.exportTitle, isBusy: model.isWorking) { await model.export() }
                if let file = model.exported {
                    ShareLink(item: file.url) {
                        Text(verbatim: model.shareTitle)
                            .font(.title3.weight(.semibold))
                            .frame(maxWidth: .infinity, minHeight: 52)
                            .foregroundStyle(Color(role: .buttonText))
                    }
                    .buttonStyle(.borderedProminent)
                    .tint(Color(role: .buttonFill))
                    .accessibilityLabel(Text(verbatim: model.shareTitle))
                }

                SyncLineView(sync: model.sync) { await model.syncNow() }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .task { await model.load() }
        .refreshable { await model.syncNow() } // an extra; the sync button does the same
        .fileImporter(isPresented: $importing, allowedContentTypes: [.data]) { result in
            if case let .success(url) = result {
                Task { await model.importFile(at: url) }
            }
        }
    }

    @ViewBuilder private var sectionContent: some View {
        switch model.section {
        case .current:
            header(model.sectionTitle(.current))
            if let empty = model.currentEmptyLine { plain(empty) }
            rows(model.current)
        case .history:
            header(model.sectionTitle(.history))
            if let empty = model.historyEmptyLine { plain(empty) }
            rows(model.history)
            if model.canLoadMore {
                BigButton(title: model.moreTitle, isBusy: model.isLoading) { await model.loadMore() }
            }
        case .pharmacies:
            if let title = model.pharmacyHistoryTitle {
                header(title)
                rows(model.pharmacyHistory)
                if model.canLoadMorePharmacy {
                    BigButton(title: model.moreTitle) { await model.loadMorePharmacy() }
                }
                BigButton(title: app.wording(.commonBack)) { await model.choosePharmacy(nil) }
            } else {
                header(model.sectionTitle(.pharmacies))
                if let empty = model.pharmaciesEmptyLine { plain(empty) }
                ForEach(model.pharmacies) { pharmacy in
                    Button {
                        Task { await model.choosePharmacy(pharmacy.code) }
                    } label: {
                        PharmacyRowView(row: pharmacy)
                    }
                    .buttonStyle(.bordered)
                    .accessibilityLabel(Text(verbatim: pharmacy.chooseTitle + "、" + pharmacy.accessibilityLabel))
                }
            }
        }
    }

    private func rows(_ rows: [MedicationRow]) -> some View {
        ForEach(rows) { row in
            NavigationLink(value: Route.medication(row.id)) { MedicationRowView(row: row) }
            Divider()
        }
    }

    private func header(_ title: String) -> some View {
        Text(verbatim: title)
            .font(.title3.bold())
            .fixedSize(horizontal: false, vertical: true)
            .accessibilityAddTraits(.isHeader)
    }

    private func plain(_ text: String) -> some View {
        Text(verbatim: text).fixedSize(horizontal: false, vertical: true)
    }
}

/// One notebook entry as a row that wraps at any text size.
struct MedicationRowView: View {
    let row: MedicationRow

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(verbatim: row.title).font(.title3.bold())
            if let day = row.dayLine { Text(verbatim: day).font(.body) }
            ForEach(Array(row.names.enumerated()), id: \.offset) { _, name in
                Text(verbatim: name).font(.body)
            }
            Text(verbatim: row.arrivalLine).font(.callout).foregroundStyle(Color(role: .secondaryText))
            if !row.notes.isEmpty {
                Text(verbatim: row.notes.joined(separator: "・")).font(.callout.weight(.semibold))
            }
        }
        .multilineTextAlignment(.leading)
        .fixedSize(horizontal: false, vertical: true)
        .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
        .accessibilityElement(children: .ignore)
        .accessibilityLabel(Text(verbatim: row.accessibilityLabel))
    }
}

/// A pharmacy with how often and when the person last got medicines there.
struct PharmacyRowView: View {
    let row: PharmacyRow

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(verbatim: row.name).font(.title3.bold())
            Text(verbatim: row.countLine).font(.body)
            if let latest = row.latestLine { Text(verbatim: latest).font(.body) }
        }
        .multilineTextAlignment(.leading)
        .fixedSize(horizontal: false, vertical: true)
        .frame(maxWidth: .infinity, minHeight: 52, alignment: .leading)
    }
}
