import SwiftUI
import TechoAppModel

/// Whose notebook is shown: one explicit button per person, and adding a family member.
struct ProfilesView: View {
    @Environment(AppModel.self) private var app
    @State var model: ProfilesModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                if let current = model.currentLine {
                    Text(verbatim: current).font(.title3.bold()).fixedSize(horizontal: false, vertical: true)
                }
                if let message = model.message { MessageBox(text: message, isProblem: model.messageIsProblem) }
                ForEach(model.people) { person in
                    if person.isActive {
                        Label {
                            Text(verbatim: "\(person.name)（\(person.relationship)）")
                        } icon: {
                            Image(systemName: "checkmark.circle.fill")
                        }
                        .font(.title3)
                        .frame(minHeight: 44)
                        .accessibilityAddTraits(.isSelected)
                    } else {
                        BigButton(title: person.switchTitle) { await model.switchTo(person.id) }
                    }
                    PersonActions(model: model, person: person)
                }

                Divider()
                Text(verbatim: model.addTitle).font(.title3.bold()).accessibilityAddTraits(.isHeader)
                if let general = model.problems.general { MessageBox(text: general) }
                FieldBlock(label: app.wording.fieldName(.hmCode), text: $model.newHmCode,
                           problem: model.problems.byField[.hmCode],
                           accessibilityLabel: app.wording.fieldLabel(.hmCode, problem: model.problems.byField[.hmCode]),
                           keyboard: .asciiCapable)
                FieldBlock(label: app.wording.fieldName(.displayName), text: $model.newName,
                           problem: model.problems.byField[.displayName],
                           accessibilityLabel: app.wording.fieldLabel(.displayName, problem: model.problems.byField[.displayName]))
                BigButton(title: model.addButtonTitle) { await model.addFamilyMember() }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .task { await model.load() }
    }
}

/// Renaming and removing one person; removal always asks first, saying what would be lost.
private struct PersonActions: View {
    @Environment(AppModel.self) private var app
    let model: ProfilesModel
    let person: ProfilesModel.Person
    @State private var renaming = false
    @State private var newName = ""

    var body: some View {
        HStack {
            Button(model.renameTitle) {
                newName = person.name
                renaming = true
            }
            .frame(minHeight: 44)
            Spacer()
            Button(role: .destructive) { Task { await model.askToRemove(person.id) } } label: {
                // The palette's problem colour: the system red is 3.6:1 on white.
                Text(verbatim: model.removeTitle).foregroundStyle(Color(role: .problem))
            }
            .disabled(model.isBusy)
            .frame(minHeight: 44)
        }
        .font(.body)
        .alert(model.renameTitle, isPresented: $renaming) {
            TextField(person.name, text: $newName)
            Button(model.renameTitle) { Task { await model.rename(person.id, to: newName) } }
            Button(role: .cancel) {} label: { Text(verbatim: app.wording(.commonCancel)) }
        }
        .confirmationDialog(
            model.pendingRemoval?.question ?? "",
            isPresented: Binding(
                get: { model.pendingRemoval?.personId == person.id },
                set: { if !$0 { model.cancelRemoval() } }),
            titleVisibility: .visible
        ) {
            // The removal is taken as the dialog shows it: answering closes the dialog, which
            // clears the model's pending removal before the task runs.
            if let removal = model.pendingRemoval {
                if let sendFirst = removal.sendFirstTitle {
                    Button(sendFirst) { Task { await model.sendThenRemove(removal) } }
                }
                Button(removal.removeTitle, role: .destructive) { Task { await model.confirmRemoval(removal) } }
            }
        }
    }
}
