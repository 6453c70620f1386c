import PhotosUI
import SwiftUI
import TechoAppModel
import UIKit

/// 命の宝箱: the sheet by group, photos of the paper sheet (chosen or taken), fields written
/// differently on two devices, and the versions. Every sentence is the model's.
struct EmergencySheetView: View {
    @State var model: EmergencySheetModel
    @State private var photo: PhotosPickerItem?
    @State private var showingCamera = false
    /// The field being typed in; 「次へ」 above the keyboard sets it to the model's next field.
    @FocusState private var focusedField: String?

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 20) {
                ActingForBanner(line: model.actingForLine)
                if let message = model.message { MessageBox(text: message) }
                if let notice = model.notice { MessageBox(text: notice, isProblem: false) }
                if let group = model.editingGroup {
                    editor(group)
                } else {
                    overview
                }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .task { await model.load() }
        .onChange(of: photo) { _, item in
            guard let item else { return }
            photo = nil
            Task { await hand(item) }
        }
        .sheet(isPresented: $showingCamera) {
            CameraPicker { jpeg in Task { await handJPEG(jpeg) } }
        }
    }

    @ViewBuilder private var overview: some View {
        Text(verbatim: model.introLine).font(.title3).fixedSize(horizontal: false, vertical: true)
        if let review = model.reviewLine { MessageBox(text: review, isProblem: false) }
        if let empty = model.emptyLine { Text(verbatim: empty).font(.title3) }
        if let updated = model.updatedLine { Text(verbatim: updated).font(.title3) }
        if let unsent = model.unsentLine { Text(verbatim: unsent).font(.title3) }

        if model.canPrint {
            Text(verbatim: model.printExplanation).font(.title3).fixedSize(horizontal: false, vertical: true)
            BigButton(title: model.printTitle, prominent: true, isBusy: model.isPrinting) { await model.printSheet() }
            if let problem = model.printProblem { MessageBox(text: problem) }
        }

        if !model.conflicts.isEmpty {
            Text(verbatim: model.conflictsTitle).font(.title2.bold())
            Text(verbatim: model.conflictIntro).font(.title3).fixedSize(horizontal: false, vertical: true)
            ForEach(model.conflicts) { c in
                Text(verbatim: c.label).font(.title3.bold())
                Text(verbatim: c.ours).font(.title3)
                Text(verbatim: c.theirs).font(.title3)
                BigButton(title: model.keepOursTitle) { await model.chooseOurs(c.key) }
                BigButton(title: model.keepTheirsTitle) { await model.chooseTheirs(c.key) }
            }
        }

        ForEach(model.groups) { group in
            Text(verbatim: group.label).font(.title2.bold())
            ForEach(group.fields) { field in
                VStack(alignment: .leading, spacing: 4) {
                    Text(verbatim: field.label).font(.headline)
                    Text(verbatim: field.shown).font(.title3).fixedSize(horizontal: false, vertical: true)
                }
                .accessibilityElement(children: .combine)
            }
            BigButton(title: model.editTitle) { model.startEdit(group.key) }
        }

        Text(verbatim: model.pagesTitle).font(.title2.bold())
        if let empty = model.pagesEmptyLine { Text(verbatim: empty).font(.title3) }
        ForEach(model.pages) { page in
            Text(verbatim: page.title).font(.title3.bold())
            thumbnail(page)
            if model.pendingRemoval == page, let question = model.removeQuestion {
                MessageBox(text: question)
                BigButton(title: model.removeYesTitle, role: .destructive, isBusy: model.isWorking) {
                    await model.confirmRemove()
                }
                BigButton(title: model.cancelTitle) { model.cancelRemove() }
            } else {
                BigButton(title: model.removePageTitle) { model.askToRemove(page) }
            }
        }
        if let waitingTitle = model.waitingTitle {
            Text(verbatim: waitingTitle).font(.title2.bold()).accessibilityAddTraits(.isHeader)
            if let explanation = model.waitingExplanation {
                Text(verbatim: explanation).font(.title3).fixedSize(horizontal: false, vertical: true)
            }
            ForEach(model.waitingPages) { page in
                Text(verbatim: page.title).font(.title3.bold())
                thumbnail(page)
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

        Text(verbatim: model.historyTitle).font(.title2.bold())
        if let note = model.historyNote { Text(verbatim: note).font(.title3) }
        if let empty = model.historyEmptyLine { Text(verbatim: empty).font(.title3) }
        ForEach(model.history) { version in
            VStack(alignment: .leading, spacing: 4) {
                Text(verbatim: version.whenWho).font(.headline)
                Text(verbatim: version.changed).font(.title3).fixedSize(horizontal: false, vertical: true)
            }
            .accessibilityElement(children: .combine)
        }
    }

    @ViewBuilder private func thumbnail(_ page: SheetPageRow) -> some View {
        if let path = page.thumbnailPath, let image = UIImage(contentsOfFile: path) {
            Image(uiImage: image).resizable().scaledToFit().frame(maxHeight: 240)
                .accessibilityLabel(Text(verbatim: page.accessibilityLabel))
        }
    }

    @ViewBuilder private func editor(_ group: SheetGroupRow) -> some View {
        Text(verbatim: group.label).font(.title2.bold())
        ForEach(group.fields) { field in
            let text = Binding(get: { model.drafts[field.key] ?? "" }, set: { model.setDraft(field.key, $0) })
            if field.kind == .choice {
                ChoiceList(title: field.label, options: field.choices.map { ($0.value, $0.label) }, selection: text)
                if let problem = model.fieldProblems[field.key] { MessageBox(text: problem) }
            } else {
                FieldBlock(label: field.hint.map { "\(field.label)（\($0)）" } ?? field.label, text: text,
                           problem: model.fieldProblems[field.key],
                           accessibilityLabel: field.label,
                           keyboard: field.kind == .phone ? .phonePad : .default,
                           chain: FieldChain(focus: $focusedField, id: field.key,
                                             next: model.nextField(after: field.key), nextTitle: model.nextTitle))
            }
        }
        BigButton(title: model.saveTitle, prominent: true, isBusy: model.isWorking) { await model.saveEdit() }
        BigButton(title: model.cancelTitle) { model.cancelEdit() }
    }

    /// The picked image as JPEG: HEIC (and anything else) is converted here, since the core reads
    /// JPEG and PNG only; the file is handed over by its path and removed afterwards.
    private func hand(_ item: PhotosPickerItem) async {
        guard let data = try? await item.loadTransferable(type: Data.self),
              let jpeg = UIImage(data: data)?.jpegData(compressionQuality: 0.95) else {
            await model.addPhoto(path: "")
            return
        }
        await handJPEG(jpeg)
    }

    private func handJPEG(_ jpeg: Data) async {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("box-\(UUID().uuidString).jpg")
        do {
            try jpeg.write(to: url, options: [.atomic, .completeFileProtection])
        } catch {
            return
        }
        await model.addPhoto(path: url.path)
        try? FileManager.default.removeItem(at: url)
    }
}
