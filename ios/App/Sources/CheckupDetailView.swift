import PhotosUI
import SwiftUI
import TechoAppModel
import TechoKit
import UIKit

/// One checkup: its details, the items with what each judgement means, photos of the sheet,
/// values saved differently on two devices, and the ways to correct, add and delete. Every
/// sentence is the model's.
struct CheckupDetailView: View {
    @State var model: CheckupDetailModel
    @Environment(\.dismiss) private var dismiss
    @State private var photo: PhotosPickerItem?
    @State private var showingCamera = false
    @State private var pickingItem = false
    @State private var largePage: LargePage?

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 20) {
                ActingForBanner(line: model.actingForLine)
                if let message = model.message { MessageBox(text: message) }
                if let notice = model.notice { MessageBox(text: notice, isProblem: false) }
                if model.isEditingDetails {
                    detailsEditor
                } else {
                    overview
                }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .task { await model.load() }
        .onChange(of: model.deleted) { _, deleted in
            if deleted { dismiss() }
        }
        .onChange(of: photo) { _, item in
            guard let item else { return }
            photo = nil
            Task {
                if let jpeg = await PhotoFiles.jpeg(from: item) {
                    await hand(jpeg)
                } else {
                    await model.addPage(path: "") // the core says the photo cannot be read
                }
            }
        }
        .sheet(isPresented: $showingCamera) {
            CameraPicker { jpeg in Task { await hand(jpeg) } }
        }
        .sheet(isPresented: $pickingItem) {
            CheckupItemPicker(title: model.pickItemTitle, closeTitle: model.cancelTitle, groups: model.pickerGroups) { code in
                model.startItem(code)
            }
        }
        .sheet(item: $largePage) { page in
            NavigationStack {
                ScrollView {
                    if let image = UIImage(contentsOfFile: page.path) {
                        Image(uiImage: image).resizable().scaledToFit()
                            .accessibilityLabel(Text(verbatim: page.title))
                    }
                }
                .navigationTitle(Text(verbatim: page.title))
                .toolbar {
                    ToolbarItem(placement: .cancellationAction) {
                        Button(model.closeTitle) { largePage = nil }.font(.title3)
                    }
                }
            }
        }
    }

    @ViewBuilder private var overview: some View {
        if let worst = model.worstLine { JudgementLabel(text: worst, judgement: model.worstJudgement) }
        if let line = model.institutionLine { Text(verbatim: line).font(.title3) }
        if let line = model.noteLine { Text(verbatim: line).font(.title3).fixedSize(horizontal: false, vertical: true) }
        if let line = model.unsentLine { Text(verbatim: line).font(.body).foregroundStyle(Color(role: .secondaryText)) }
        if let line = model.judgedForLine { Text(verbatim: line).font(.body) }
        if let openBox = model.openBoxTitle {
            NavigationLink(value: Route.emergencySheet) {
                Text(verbatim: openBox)
                    .font(.title3.weight(.semibold))
                    .multilineTextAlignment(.center)
                    .fixedSize(horizontal: false, vertical: true)
                    .frame(maxWidth: .infinity, minHeight: 52)
            }
            .buttonStyle(.bordered)
            .accessibilityLabel(Text(verbatim: openBox))
        }

        if !model.conflicts.isEmpty {
            Text(verbatim: model.conflictsTitle).font(.title2.bold()).accessibilityAddTraits(.isHeader)
            Text(verbatim: model.conflictIntro).font(.title3).fixedSize(horizontal: false, vertical: true)
            ForEach(model.conflicts) { c in
                Text(verbatim: c.label).font(.title3.bold())
                Text(verbatim: c.ours).font(.title3)
                Text(verbatim: c.theirs).font(.title3)
                BigButton(title: model.keepOursTitle, isBusy: model.isWorking) { await model.chooseOurs(c.field) }
                BigButton(title: model.keepTheirsTitle, isBusy: model.isWorking) { await model.chooseTheirs(c.field) }
            }
        }

        items
        pages

        BigButton(title: model.editTitle) { model.startEditDetails() }
        if let question = model.deleteQuestion {
            MessageBox(text: question)
            BigButton(title: model.deleteYesTitle, role: .destructive, isBusy: model.isWorking) { await model.confirmDelete() }
            BigButton(title: model.cancelTitle) { model.cancelDelete() }
        } else {
            BigButton(title: model.deleteTitle, role: .destructive) { model.askToDelete() }
        }
    }

    @ViewBuilder private var items: some View {
        Text(verbatim: model.itemsTitle).font(.title2.bold()).accessibilityAddTraits(.isHeader)
        if let empty = model.itemsEmptyLine { Text(verbatim: empty).font(.title3) }
        if let item = model.editingItem {
            itemEditor(item)
        }
        ForEach(model.items) { row in
            VStack(alignment: .leading, spacing: 4) {
                Text(verbatim: row.line).font(.title3.bold()).fixedSize(horizontal: false, vertical: true)
                if let variant = row.variant {
                    Text(verbatim: variant).font(.body).foregroundStyle(Color(role: .secondaryText))
                }
                JudgementLabel(text: row.judgementLine, judgement: row.judgement)
            }
            .frame(maxWidth: .infinity, alignment: .leading)
            .accessibilityElement(children: .ignore)
            .accessibilityLabel(Text(verbatim: row.accessibilityLabel))
            if row.isKnown {
                NavigationLink(value: Route.checkupTrend(row.code)) {
                    Text(verbatim: model.trendTitle)
                        .font(.title3.weight(.semibold))
                        .frame(maxWidth: .infinity, minHeight: 52)
                }
                .buttonStyle(.bordered)
                .accessibilityLabel(Text(verbatim: model.trendAccessibilityLabel(row)))
                BigButton(title: model.changeValueTitle) { model.startItem(row.code) }
            }
            if model.pendingItemRemoval == row, let question = model.removeItemQuestion {
                MessageBox(text: question)
                BigButton(title: model.deleteYesTitle, role: .destructive, isBusy: model.isWorking) {
                    await model.confirmRemoveItem()
                }
                BigButton(title: model.cancelTitle) { model.cancelRemoveItem() }
            } else {
                BigButton(title: model.removeItemTitle) { model.askToRemoveItem(row) }
            }
        }
        if model.editingItem == nil {
            BigButton(title: model.addItemTitle) { pickingItem = true }
        }
    }

    @ViewBuilder private func itemEditor(_ item: CheckupItemChoice) -> some View {
        VStack(alignment: .leading, spacing: 12) {
            if let title = model.itemDraftTitle { Text(verbatim: title).font(.title3.bold()) }
            CheckupValueField(item: item, problem: model.itemProblem,
                              accessibilityLabel: model.itemProblem ?? item.label, value: $model.itemDraft)
            BigButton(title: model.saveTitle, prominent: true, isBusy: model.isWorking) { await model.saveItem() }
            BigButton(title: model.cancelTitle) { model.cancelItem() }
        }
        .padding()
        .background(Color(role: .card), in: RoundedRectangle(cornerRadius: 12))
    }

    @ViewBuilder private var pages: some View {
        Text(verbatim: model.pagesTitle).font(.title2.bold()).accessibilityAddTraits(.isHeader)
        if let empty = model.pagesEmptyLine { Text(verbatim: empty).font(.title3) }
        ForEach(model.pages) { page in
            Text(verbatim: page.title).font(.title3.bold())
            thumbnail(page)
            BigButton(title: model.pageLargeTitle) {
                if let path = await model.pageFile(page) { largePage = LargePage(path: path, title: page.title) }
            }
            if model.pendingPageRemoval == page, let question = model.removePageQuestion {
                MessageBox(text: question)
                BigButton(title: model.removePageYesTitle, role: .destructive, isBusy: model.isWorking) {
                    await model.confirmRemovePage()
                }
                BigButton(title: model.cancelTitle) { model.cancelRemovePage() }
            } else {
                BigButton(title: model.removePageTitle) { model.askToRemovePage(page) }
            }
        }
        PhotosPicker(selection: $photo, matching: .images) {
            Text(verbatim: model.addPhotoTitle)
                .font(.title3.weight(.semibold))
                .frame(maxWidth: .infinity, minHeight: 52)
        }
        .buttonStyle(.bordered)
        .disabled(model.isWorking)
        if UIImagePickerController.isSourceTypeAvailable(.camera) {
            BigButton(title: model.takePhotoTitle) { showingCamera = true }
        }
        if let waitingTitle = model.waitingTitle {
            Text(verbatim: waitingTitle).font(.title2.bold()).accessibilityAddTraits(.isHeader)
            if let explanation = model.waitingExplanation {
                Text(verbatim: explanation).font(.title3).fixedSize(horizontal: false, vertical: true)
            }
            ForEach(model.waitingPages) { page in
                Text(verbatim: page.title).font(.title3.bold())
                thumbnail(page)
                BigButton(title: model.pageLargeTitle) {
                    if let path = await model.pageFile(page) {
                        largePage = LargePage(path: path, title: page.accessibilityLabel)
                    }
                }
                if model.pendingDiscard == page, let question = model.discardQuestion {
                    MessageBox(text: question)
                    BigButton(title: model.discardYesTitle, role: .destructive, isBusy: model.isWorking) {
                        await model.confirmDiscard()
                    }
                    BigButton(title: model.cancelTitle) { model.cancelDiscard() }
                } else {
                    BigButton(title: model.discardTitle) { model.askToDiscard(page) }
                }
            }
        }
    }

    @ViewBuilder private func thumbnail(_ page: CheckupPageRow) -> some View {
        if let path = page.thumbnailPath, let image = UIImage(contentsOfFile: path) {
            Image(uiImage: image).resizable().scaledToFit().frame(maxHeight: 240)
                .accessibilityLabel(Text(verbatim: page.accessibilityLabel))
        }
    }

    @ViewBuilder private var detailsEditor: some View {
        if let general = model.problems.general { MessageBox(text: general) }
        DateButtonField(line: model.draftDayLine, hint: model.dayHint, problem: model.problems.byField[.checkupDate],
                        doneTitle: model.doneTitle, timeZone: model.pickerTimeZone, date: $model.draftPickerDate)
        ChoiceList(title: model.kindTitle, options: model.kindChoices.map { ($0.kind, $0.label) },
                   selection: $model.draftKind)
        if let problem = model.problems.byField[.checkupKind] { MessageBox(text: problem) }
        FieldBlock(label: model.institutionTitle, text: $model.draftInstitution,
                   problem: model.problems.byField[.institution], accessibilityLabel: model.institutionTitle)
        FieldBlock(label: model.noteTitle, text: $model.draftNote, problem: model.problems.byField[.note],
                   accessibilityLabel: model.noteTitle)
        BigButton(title: model.saveTitle, prominent: true, isBusy: model.isWorking) { await model.saveDetails() }
        BigButton(title: model.cancelTitle) { model.cancelEditDetails() }
    }

    /// The photo as a file for the core, removed once the core has kept its own copy.
    private func hand(_ jpeg: Data) async {
        guard let url = PhotoFiles.write(jpeg, prefix: "checkup") else { return }
        await model.addPage(path: url.path)
        try? FileManager.default.removeItem(at: url)
    }
}

/// A page shown in full, in a sheet.
private struct LargePage: Identifiable {
    var id: String { path }
    let path: String
    let title: String
}
