import SwiftUI
import TechoAppModel

/// The account, signing out or in, and changes the server refused with a button to resend.
struct SettingsView: View {
    @Environment(AppModel.self) private var app
    @State var model: SettingsModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                if let account = model.accountLine {
                    Text(verbatim: account).font(.title3).fixedSize(horizontal: false, vertical: true)
                }
                if let message = model.message { MessageBox(text: message, isProblem: model.messageIsProblem) }
                SyncLineView(sync: model.sync) { await model.sync.syncNow() }

                if model.isSignedIn {
                    BigButton(title: model.signOutTitle) { await model.signOut() }
                } else {
                    FieldBlock(label: model.hmCodeLabel, text: $model.signInHmCode,
                               accessibilityLabel: model.hmCodeLabel, keyboard: .asciiCapable)
                    FieldBlock(label: model.passwordLabel, text: $model.password,
                               accessibilityLabel: model.passwordLabel, secure: true)
                    BigButton(title: model.signInTitle, prominent: true) { await model.signIn() }
                }

                Divider()
                Text(verbatim: model.refusedTitle).font(.title3.bold()).accessibilityAddTraits(.isHeader)
                if let none = model.refusedEmptyLine { Text(verbatim: none) }
                ForEach(model.refused) { change in
                    VStack(alignment: .leading, spacing: 8) {
                        Text(verbatim: change.line).fixedSize(horizontal: false, vertical: true)
                        BigButton(title: model.retryTitle) { await model.retry(change) }
                    }
                }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .task { await model.load() }
    }
}
