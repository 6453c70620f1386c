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
                if let message = model.message { MessageBox(text: message, isProblem: isProblem(message)) }
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
                }

                Divider()
                Text(verbatim: model.addTitle).font(.title3.bold()).accessibilityAddTraits(.isHeader)
                if let general = model.problems.general { MessageBox(text: general) }
                FieldBlock(label: app.wording.fieldName(.hmCode), text: $model.newHmCode,
                           problem: model.problems.byField[.hmCode], accessibilityLabel: app.wording.fieldName(.hmCode),
                           keyboard: .asciiCapable)
                FieldBlock(label: app.wording.fieldName(.displayName), text: $model.newName,
                           problem: model.problems.byField[.displayName],
                           accessibilityLabel: app.wording.fieldName(.displayName))
                BigButton(title: model.addButtonTitle) { await model.addFamilyMember() }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .task { await model.load() }
    }

    /// The model's one message is either "now showing X" after a switch or a problem; only the
    /// former is shown as done.
    private func isProblem(_ message: String) -> Bool {
        !model.people.contains { message == app.wording(.profilesSwitched, $0.name) }
    }
}
