// Activation then sign-in, when the sign-in fails after the one-time code was already spent.
import Foundation
@testable import TechoAppModel
import TechoKit
import XCTest

@MainActor
final class ActivationTests: XCTestCase {
    func testASignInThatFailsAfterActivationLeavesAPlainSignInThatDoesNotResendTheCode() async throws {
        let real = try TechoCore.open(
            config: CoreConfig(dataDir: try temporaryDirectory(self).path, serverUrl: offlineServerURL),
            keystore: MemoryKeyStore()
        )
        let core = ScriptedCore(real, loginFailures: [.Network(reason: "offline")])
        var finished: Profile?
        let firstRun = FirstRunModel(access: CoreAccess(core), wording: ja) { finished = $0 }
        firstRun.hmCode = "34001234"
        firstRun.displayName = "山田 花子"
        await firstRun.linkCard()
        firstRun.showActivation()
        firstRun.activationCode = "ABCD-EFGH-JKLM"
        firstRun.newPassword = "kenko-new-pass-7"

        await firstRun.activate()
        XCTAssertEqual(core.activations, ["ABCD-EFGH-JKLM"])
        XCTAssertEqual(firstRun.step, .signIn, "the code is spent: what is left is signing in")
        XCTAssertEqual(firstRun.problems.general, ja(.errorNetwork))
        XCTAssertEqual(firstRun.password, "kenko-new-pass-7", "nobody should have to type the new password again")
        XCTAssertEqual(firstRun.activationCode, "")
        XCTAssertNil(finished)

        await firstRun.signIn()
        XCTAssertEqual(core.activations.count, 1, "the retry did not send the code again")
        XCTAssertEqual(core.logins, 2)
        XCTAssertEqual(firstRun.step, .done)
        XCTAssertEqual(firstRun.password, "")
        XCTAssertEqual(finished?.hmCode, "34001234")
    }
}
