import SwiftUI
import TechoAppModel
import TechoKit

/// First run, one step per screen: the HM card number, then the password (or the letter's
/// code to set one), or going on without signing in.
struct FirstRunView: View {
    @Environment(AppModel.self) private var app
    @State var model: FirstRunModel

    var body: some View {
        NavigationStack {
            ScrollViewReader { scroller in
                ScrollView {
                    VStack(alignment: .leading, spacing: 20) {
                        // Above the fields, so it is seen before them; MessageBox also has
                        // VoiceOver read it out as it appears.
                        if let general = model.problems.general {
                            MessageBox(text: general).id(Self.problemBox)
                        }
                        switch model.step {
                        case .linkCard: linkCard
                        case .signIn: signIn
                        case .activate: activate
                        case .done: ProgressView()
                        }
                    }
                    .padding()
                }
                .onChange(of: model.problems.general) { _, problem in
                    // At large text sizes the button is far below the top: bring the message
                    // into view.
                    guard problem != nil else { return }
                    withAnimation { scroller.scrollTo(Self.problemBox, anchor: .top) }
                }
            }
            .navigationTitle(Text(verbatim: app.wording(.firstRunWelcome)))
        }
    }

    private static let problemBox = "firstRun.problem"

    private var w: Wording { app.wording }

    @ViewBuilder private var linkCard: some View {
        Text(verbatim: w(.firstRunIntro)).font(.title3).fixedSize(horizontal: false, vertical: true)
        FieldBlock(label: w(.fieldHmCode), text: $model.hmCode, problem: model.problem(.hmCode),
                   accessibilityLabel: label(.hmCode), keyboard: .asciiCapable)
        Text(verbatim: w(.firstRunHmCodeHint)).font(.body).foregroundStyle(Color(role: .secondaryText))
        FieldBlock(label: w(.fieldDisplayName), text: $model.displayName, problem: model.problem(.displayName),
                   accessibilityLabel: label(.displayName))
        BigButton(title: w(.firstRunLink), prominent: true, isBusy: model.isBusy) { await model.linkCard() }
    }

    @ViewBuilder private var signIn: some View {
        Text(verbatim: w(.firstRunSignInIntro)).font(.title3).fixedSize(horizontal: false, vertical: true)
        FieldBlock(label: w(.firstRunPassword), text: $model.password, accessibilityLabel: w(.firstRunPassword),
                   secure: true)
        BigButton(title: w(.firstRunSignIn), prominent: true, isBusy: model.isBusy) { await model.signIn() }
        BigButton(title: w(.firstRunFirstTime)) { model.showActivation() }
        BigButton(title: w(.firstRunLater)) { model.continueWithoutSignIn() }
        BigButton(title: model.backTitle) { await model.back() }
    }

    @ViewBuilder private var activate: some View {
        Text(verbatim: w(.firstRunActivateIntro)).font(.title3).fixedSize(horizontal: false, vertical: true)
        // Pasting the code is allowed (WCAG 3.3.8): no custom field that blocks it.
        FieldBlock(label: w(.firstRunActivationCode), text: $model.activationCode,
                   accessibilityLabel: w(.firstRunActivationCode), keyboard: .asciiCapable)
        FieldBlock(label: w(.firstRunNewPassword), text: $model.newPassword, accessibilityLabel: w(.firstRunNewPassword),
                   secure: true)
        BigButton(title: w(.firstRunActivate), prominent: true, isBusy: model.isBusy) { await model.activate() }
        BigButton(title: w(.firstRunHaveAccount)) { model.showSignIn() }
        BigButton(title: w(.firstRunLater)) { model.continueWithoutSignIn() }
        BigButton(title: model.backTitle) { await model.back() }
    }

    private func label(_ field: Field) -> String {
        w.fieldLabel(field, problem: model.problem(field))
    }
}
