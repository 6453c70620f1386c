import PhotosUI
import SwiftUI
import TechoAppModel
import TechoKit
import UIKit

/// Adding a checkup: the day, the kind, where, a note, photos of the result sheet and the items
/// typed from it. Shown as a sheet over the list; it closes once the core has saved. Every
/// sentence and every decision is the model's.
struct CheckupFormView: View {
    @State var model: CheckupFormModel
    /// Called with the saved notice, or nil when the person stopped.
    let onClose: (String?) -> Void
    @State private var photo: PhotosPickerItem?
    @State private var showingCamera = false
    @State private var pickingItem = false
    /// The item value field being typed in; 「次へ」 sets it to the model's next field.
    @FocusState private var focusedValue: String?

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 20) {
                ActingForBanner(line: model.actingForLine)
                if let message = model.message { MessageBox(text: message) }

                DateButtonField(line: model.dayLine, hint: model.dayHint, problem: model.dayProblem,
                                doneTitle: model.doneTitle, timeZone: model.pickerTimeZone, date: $model.pickerDate)

                ChoiceList(title: model.kindTitle, options: model.kindChoices.map { ($0.kind, $0.label) },
                           selection: $model.kind)
                if let problem = model.kindProblem { MessageBox(text: problem) }

                FieldBlock(label: model.institutionTitle, text: $model.institution, problem: model.institutionProblem,
                           accessibilityLabel: model.institutionTitle)
                FieldBlock(label: model.noteTitle, text: $model.note, problem: model.noteProblem,
                           accessibilityLabel: model.noteTitle)

                photos
                items

                BigButton(title: model.saveTitle, prominent: true, isBusy: model.isSaving) { await model.save() }
                BigButton(title: model.cancelTitle) { close(nil) }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .onChange(of: photo) { _, item in
            guard let item else { return }
            photo = nil
            Task {
                if let jpeg = await PhotoFiles.jpeg(from: item) { keep(jpeg) } else { model.photoUnreadable() }
            }
        }
        .sheet(isPresented: $showingCamera) {
            CameraPicker { jpeg in keep(jpeg) }
        }
        .sheet(isPresented: $pickingItem) {
            CheckupItemPicker(title: model.pickItemTitle, closeTitle: model.cancelTitle, groups: model.pickerGroups) { code in
                model.addItem(code)
            }
        }
        .onChange(of: model.savedId) { _, id in
            if id != nil { close(model.notice) }
        }
    }

    @ViewBuilder private var photos: some View {
        Text(verbatim: model.photosTitle).font(.title2.bold()).accessibilityAddTraits(.isHeader)
        if let empty = model.photosEmptyLine { Text(verbatim: empty).font(.title3) }
        if let problem = model.photosProblem { MessageBox(text: problem) }
        ForEach(model.photos) { row in
            Text(verbatim: row.title).font(.title3.bold())
            if let image = UIImage(contentsOfFile: row.path) {
                Image(uiImage: image).resizable().scaledToFit().frame(maxHeight: 240)
                    .accessibilityLabel(Text(verbatim: row.title))
            }
            BigButton(title: model.removePhotoTitle) {
                model.removePhoto(path: row.path)
                try? FileManager.default.removeItem(atPath: row.path)
            }
        }
        PhotosPicker(selection: $photo, matching: .images) {
            Text(verbatim: model.addPhotoTitle)
                .font(.title3.weight(.semibold))
                .frame(maxWidth: .infinity, minHeight: 52)
        }
        .buttonStyle(.bordered)
        .disabled(model.isSaving)
        if UIImagePickerController.isSourceTypeAvailable(.camera) {
            BigButton(title: model.takePhotoTitle) { showingCamera = true }
        }
    }

    @ViewBuilder private var items: some View {
        Text(verbatim: model.itemsTitle).font(.title2.bold()).accessibilityAddTraits(.isHeader)
        if let empty = model.itemsEmptyLine { Text(verbatim: empty).font(.title3) }
        if let problem = model.itemsProblem { MessageBox(text: problem) }
        ForEach(model.items) { row in
            CheckupValueField(item: row.item, problem: row.problem, accessibilityLabel: row.accessibilityLabel,
                              value: Binding(get: { model.value(row.item.code) },
                                             set: { model.setValue(row.item.code, $0) }),
                              chain: FieldChain(focus: $focusedValue, id: row.item.code,
                                                next: model.nextValueField(after: row.item.code),
                                                nextTitle: model.nextTitle))
            BigButton(title: model.removeItemTitle) { model.removeItem(row.item.code) }
        }
        BigButton(title: model.addItemTitle) { pickingItem = true }
    }

    /// The core has read the photos when it saved; they are not needed once the form closes,
    /// saved or not.
    private func close(_ notice: String?) {
        for photo in model.photos { try? FileManager.default.removeItem(atPath: photo.path) }
        onClose(notice)
    }

    private func keep(_ jpeg: Data) {
        if let url = PhotoFiles.write(jpeg, prefix: "checkup") { model.addPhoto(path: url.path) }
    }
}

/// An item's value: a number typed on the decimal pad (the unit beside its name), or an ordinal
/// result chosen among the sheet's marks (−, ±, +…), saved as the code the model gives. The
/// problem the model found as it was typed shows underneath at once.
struct CheckupValueField: View {
    let item: CheckupItemChoice
    let problem: String?
    let accessibilityLabel: String
    @Binding var value: String
    /// On the add form, 「次へ」 above the decimal pad moves to the next value field.
    var chain: FieldChain?

    var body: some View {
        if item.choices.isEmpty {
            FieldBlock(label: item.fieldLabel, text: $value, problem: problem,
                       accessibilityLabel: accessibilityLabel, keyboard: .decimalPad, chain: chain)
        } else {
            ChoiceList(title: item.label, options: item.choices.map { ($0.value, $0.label) }, selection: $value)
                .accessibilityElement(children: .contain)
                .accessibilityLabel(Text(verbatim: accessibilityLabel))
            if let problem { MessageBox(text: problem) }
        }
    }
}

/// The code list's items by group, one large button each; choosing one closes the list.
struct CheckupItemPicker: View {
    let title: String
    let closeTitle: String
    let groups: [CheckupItemGroup]
    let onPick: (String) -> Void
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            List {
                ForEach(groups) { group in
                    Section {
                        ForEach(group.items) { item in
                            Button {
                                onPick(item.code)
                                dismiss()
                            } label: {
                                Text(verbatim: item.label)
                                    .font(.title3)
                                    .fixedSize(horizontal: false, vertical: true)
                                    .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                                    .foregroundStyle(Color(role: .link))
                            }
                            .accessibilityLabel(Text(verbatim: item.label))
                        }
                    } header: {
                        Text(verbatim: group.name).font(.title3.bold()).foregroundStyle(Color(role: .text))
                    }
                }
            }
            .navigationTitle(Text(verbatim: title))
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button(closeTitle) { dismiss() }.font(.title3)
                }
            }
        }
    }
}
