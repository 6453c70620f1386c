// 命の宝箱 over a real core: empty, fields saved by group, a refused value beside its field, a
// photo page added and removed, the versions; conflicts through ScriptedCore (a real conflict
// needs two devices and a server).
import Foundation
@testable import TechoAppModel
import TechoKit
import XCTest

@MainActor
final class EmergencySheetModelTests: XCTestCase {
    private func fixture(_ name: String) throws -> URL {
        guard let dir = ProcessInfo.processInfo.environment["TECHO_FIXTURES"], !dir.isEmpty else {
            throw XCTSkip("TECHO_FIXTURES is not set: run through bindings/tests/shells.rs")
        }
        return URL(fileURLWithPath: dir).appendingPathComponent(name)
    }

    private func sheet(wording: Wording = ja) async throws -> EmergencySheetModel {
        let app = try await readyApp(self, wording: wording)
        let model = try XCTUnwrap(app.makeEmergencySheet())
        await model.load()
        XCTAssertNil(model.message)
        return model
    }

    func testAnEmptySheetListsEveryGroupWithNothingWritten() async throws {
        let model = try await sheet()
        XCTAssertEqual(model.title, "命の宝箱")
        XCTAssertEqual(model.actingForLine, "山田 花子さんの手帳")
        XCTAssertEqual(model.emptyLine, "まだ何も書かれていません。「書く・直す」から書いてください。")
        XCTAssertEqual(model.groups.first?.label, "ご本人")
        XCTAssertEqual(model.groups.first?.fields.first?.label, "お名前")
        XCTAssertEqual(model.groups.first?.fields.first?.shown, "（まだ書かれていません）")
        XCTAssertEqual(model.pagesEmptyLine, "写真はまだありません。")
        XCTAssertEqual(model.historyEmptyLine, "まだありません。")
        XCTAssertNil(model.updatedLine)
        XCTAssertNil(model.reviewLine)
        XCTAssertEqual(model.conflicts, [])
    }

    func testSavedFieldsAreShownInTheirGroupAndInTheHistory() async throws {
        let model = try await sheet()
        model.startEdit("medical")
        XCTAssertEqual(model.editingGroup?.label, "病気・アレルギー・お薬")
        let bloodType = try XCTUnwrap(model.editingGroup?.fields.first { $0.key == "medical.blood_type" })
        XCTAssertEqual(bloodType.choices.map(\.label), ["A型", "B型", "O型", "AB型", "わからない"])
        model.setDraft("medical.blood_type", "AB")
        model.setDraft("medical.conditions", "高血圧\n糖尿病")
        await model.saveEdit()
        XCTAssertNil(model.message)
        XCTAssertNil(model.editingGroup)
        XCTAssertEqual(model.notice, "保存しました。")
        XCTAssertNil(model.emptyLine)
        XCTAssertTrue(model.updatedLine?.hasPrefix("最後に書き直した日：") ?? false, model.updatedLine ?? "none")
        XCTAssertEqual(model.unsentLine, "まだ送っていない書き直しがあります。")
        let medical = try XCTUnwrap(model.groups.first { $0.key == "medical" })
        XCTAssertEqual(medical.fields.first { $0.key == "medical.blood_type" }?.shown, "AB型")
        XCTAssertEqual(medical.fields.first { $0.key == "medical.conditions" }?.shown, "高血圧\n糖尿病")
        XCTAssertEqual(model.history.count, 1)
        XCTAssertTrue(model.history.first?.whenWho.hasSuffix("　この端末で") ?? false)
        XCTAssertEqual(model.history.first?.changed, "書き直したところ：治療中の病気、血液型")

        model.startEdit("identity")
        model.setDraft("identity.name", "山田 花子")
        await model.saveEdit()
        XCTAssertEqual(model.history.map(\.changed), ["書き直したところ：お名前", "書き直したところ：治療中の病気、血液型"])
        XCTAssertEqual(model.history.map(\.number), [2, 1])
    }

    func testARefusedValueIsShownBesideItsFieldAndNothingIsSaved() async throws {
        let model = try await sheet()
        model.startEdit("identity")
        model.setDraft("identity.name", "山田 花子")
        model.setDraft("identity.birth_date", "昭和16年3月9日")
        await model.saveEdit()
        XCTAssertNotNil(model.editingGroup)
        XCTAssertEqual(model.fieldProblems, ["identity.birth_date": "生年月日の書き方が違うようです。確かめて、入力し直してください。"])
        XCTAssertEqual(model.message, "赤い字のところを直してから、もう一度「保存する」を押してください。")
        XCTAssertEqual(model.editingGroup?.fields.first { $0.key == "identity.birth_date" }?.hint, "例：1941-03-09")
        await model.load()
        XCTAssertNotNil(model.emptyLine, "nothing was saved")
        XCTAssertEqual(model.history, [])

        model.setDraft("identity.birth_date", "1941-03-09")
        XCTAssertEqual(model.fieldProblems, [:])
        await model.saveEdit()
        XCTAssertNil(model.editingGroup)
        XCTAssertEqual(model.groups.first?.fields.first { $0.key == "identity.birth_date" }?.shown, "1941-03-09")
    }

    func testAPhotoPageIsAddedListedAndRemovedAfterAsking() async throws {
        let model = try await sheet()
        await model.addPhoto(path: try fixture("receipt-qr-1.png").path)
        XCTAssertNil(model.message)
        XCTAssertEqual(model.notice, "写真を加えました。")
        let page = try XCTUnwrap(model.pages.first)
        XCTAssertEqual(model.pages.count, 1)
        XCTAssertEqual(page.title, "1枚目")
        let thumb = try XCTUnwrap(page.thumbnailPath)
        XCTAssertGreaterThan(try Data(contentsOf: URL(fileURLWithPath: thumb)).count, 0)
        let full = await model.pageFile(page)
        XCTAssertGreaterThan(try Data(contentsOf: URL(fileURLWithPath: try XCTUnwrap(full))).count, 0)
        XCTAssertNil(model.pagesEmptyLine)
        XCTAssertEqual(model.history.first?.changed, "写真だけを変えました")

        await model.addPhoto(path: try fixture("receipt.jahis").path)
        XCTAssertEqual(model.message, ja(.errorPhotoFormat))
        XCTAssertEqual(model.pages.count, 1)

        model.askToRemove(page)
        XCTAssertEqual(model.removeQuestion, "1枚目の写真を外しますか。前の書き直しの記録には残ります。")
        model.cancelRemove()
        XCTAssertNil(model.pendingRemoval)
        model.askToRemove(page)
        await model.confirmRemove()
        XCTAssertEqual(model.notice, "写真を外しました。")
        XCTAssertEqual(model.pages, [])
        XCTAssertEqual(model.history.count, 2)
    }

    func testTheSameSheetInEnglish() async throws {
        let model = try await sheet(wording: en)
        model.startEdit("medical")
        model.setDraft("medical.blood_rh", "+")
        await model.saveEdit()
        XCTAssertEqual(model.title, "Emergency information sheet")
        XCTAssertEqual(model.groups.first { $0.key == "medical" }?.label, "Illnesses, allergies and medicines")
        XCTAssertEqual(model.groups.first { $0.key == "medical" }?.fields.first { $0.key == "medical.blood_rh" }?.shown,
                       "Positive (+)")
        XCTAssertEqual(model.history.first?.changed, "Changed: Rh")
        XCTAssertTrue(model.history.first?.whenWho.hasSuffix(", on this device") ?? false)
    }

    /// Scripted: the real core cannot hold a conflict without a second device and a server.
    func testAConflictShowsBothValuesAndIsSettledByChoosing() async throws {
        let real = try TechoCore.open(
            config: CoreConfig(dataDir: try temporaryDirectory(self).path, serverUrl: offlineServerURL),
            keystore: MemoryKeyStore()
        )
        let core = ScriptedCore(real, loginFailures: [])
        let profile = try real.addProfile(hmCode: "34001234", displayName: "山田 花子", relationship: .myself)
        _ = try real.saveEmergencyFields(profileId: profile.id,
                                         fields: [SheetFieldValue(key: "care.doctor", value: "佐藤 先生")])
        core.sheetConflicts = [
            SheetConflict(key: "care.doctor", labelJa: "主治医", labelEn: "Doctor", ours: "", theirs: "佐藤 先生"),
            SheetConflict(key: "medical.blood_type", labelJa: "血液型", labelEn: "Blood type", ours: "A", theirs: "O"),
        ]
        let model = EmergencySheetModel(access: CoreAccess(core), wording: ja, clock: pinnedClock, profile: profile)
        await model.load()
        XCTAssertEqual(model.conflictsTitle, "ほかの端末と内容が違うところ")
        XCTAssertEqual(model.conflicts.map(\.label), ["主治医", "血液型"])
        XCTAssertEqual(model.conflicts.first?.ours, "この端末：（空欄）")
        XCTAssertEqual(model.conflicts.first?.theirs, "ほかの端末：佐藤 先生")
        XCTAssertEqual(model.conflicts.last?.ours, "この端末：A")

        await model.chooseOurs("medical.blood_type")
        XCTAssertEqual(core.settled.map(\.key), ["medical.blood_type"])
        XCTAssertEqual(core.settled.map(\.keepOurs), [true])
        XCTAssertEqual(model.notice, "選んだ内容で保存しました。")
        XCTAssertEqual(model.conflicts.map(\.key), ["care.doctor"])
        XCTAssertEqual(model.groups.first { $0.key == "medical" }?.fields.first { $0.key == "medical.blood_type" }?.shown,
                       "A型")
        await model.chooseTheirs("care.doctor")
        XCTAssertEqual(core.settled.last?.keepOurs, false)
        XCTAssertEqual(model.conflicts, [])
    }

    /// Two devices of one account save the same field differently: the second one's screen shows both.
    func testAConflictBetweenTwoDevicesIsShownAndSettled() async throws {
        let server = try TestServer.fromEnvironment()
        func device() async throws -> (TechoCore, Profile) {
            let core = try TechoCore.open(
                config: CoreConfig(dataDir: try temporaryDirectory(self).path, serverUrl: server.url),
                keystore: MemoryKeyStore())
            let profile = try core.addProfile(hmCode: server.hmCode, displayName: "テスト 花子", relationship: .myself)
            _ = try await core.login(hmCode: server.hmCode, password: server.password)
            return (core, profile)
        }
        let (first, a) = try await device()
        let (second, b) = try await device()
        _ = try first.saveEmergencyFields(profileId: a.id, fields: [SheetFieldValue(key: "care.doctor", value: "佐藤 先生")])
        _ = try await first.syncNow(observer: nil)
        _ = try await second.syncNow(observer: nil)
        _ = try first.saveEmergencyFields(profileId: a.id, fields: [SheetFieldValue(key: "care.doctor", value: "鈴木 先生")])
        _ = try await first.syncNow(observer: nil)
        _ = try second.saveEmergencyFields(profileId: b.id, fields: [SheetFieldValue(key: "care.doctor", value: "田中 先生")])
        _ = try await second.syncNow(observer: nil)

        let model = EmergencySheetModel(access: CoreAccess(second), wording: ja, clock: pinnedClock, profile: b)
        await model.load()
        XCTAssertEqual(model.conflicts.count, 1)
        XCTAssertEqual(model.conflicts.first?.label, "主治医")
        XCTAssertEqual(model.conflicts.first?.ours, "この端末：田中 先生")
        XCTAssertEqual(model.conflicts.first?.theirs, "ほかの端末：鈴木 先生")
        XCTAssertTrue(model.history.contains { $0.whenWho.contains("HMカードの番号 \(server.hmCode) の方が") },
                      "\(model.history)")
        await model.chooseOurs("care.doctor")
        XCTAssertEqual(model.conflicts, [])
        XCTAssertEqual(model.groups.first { $0.key == "care" }?.fields.first { $0.key == "care.doctor" }?.shown, "田中 先生")
    }

    /// A phone that joins late received only the sheet as it stands; its screen adds the versions
    /// the other phone saved before, from the server, and keeps them. Offline, it says the others
    /// come once it is connected.
    func testTheHistoryGainsWhatAnotherPhoneSavedBeforeAndSaysWhenItCannotAsk() async throws {
        let server = try TestServer.fromEnvironment()
        let firstDir = try temporaryDirectory(self).path
        let secondDir = try temporaryDirectory(self).path
        let secondKeys = MemoryKeyStore()
        let first = try TechoCore.open(config: CoreConfig(dataDir: firstDir, serverUrl: server.url), keystore: MemoryKeyStore())
        let a = try first.addProfile(hmCode: server.hmCode, displayName: "テスト 花子", relationship: .myself)
        _ = try await first.login(hmCode: server.hmCode, password: server.password)
        _ = try await first.syncNow(observer: nil)
        for pharmacy in ["みどり薬局", "あおば薬局"] {
            _ = try first.saveEmergencyFields(profileId: a.id, fields: [SheetFieldValue(key: "care.pharmacy", value: pharmacy)])
            _ = try await first.syncNow(observer: nil)
        }
        let firstModel = EmergencySheetModel(access: CoreAccess(first), wording: ja, clock: pinnedClock, profile: a)
        await firstModel.load()

        var history: [SheetVersionRow] = []
        var b: Profile?
        do {
            let second = try TechoCore.open(config: CoreConfig(dataDir: secondDir, serverUrl: server.url), keystore: secondKeys)
            b = try second.addProfile(hmCode: server.hmCode, displayName: "テスト 花子", relationship: .myself)
            _ = try await second.login(hmCode: server.hmCode, password: server.password)
            _ = try await second.syncNow(observer: nil)
            let model = EmergencySheetModel(access: CoreAccess(second), wording: ja, clock: pinnedClock, profile: try XCTUnwrap(b))
            await model.load()
            history = model.history
            XCTAssertEqual(history.prefix(2).map(\.changed), firstModel.history.prefix(2).map(\.changed))
            XCTAssertTrue(history.count >= 2 && history[1].whenWho.contains("HMカードの番号 \(server.hmCode) の方が"), "\(history)")
            XCTAssertNil(model.historyNote)
        }

        let offline = try TechoCore.open(config: CoreConfig(dataDir: secondDir, serverUrl: "http://127.0.0.1:9"), keystore: secondKeys)
        let model = EmergencySheetModel(access: CoreAccess(offline), wording: ja, clock: pinnedClock, profile: try XCTUnwrap(b))
        await model.load()
        XCTAssertEqual(model.historyNote, "ほかの端末で書き直した分は、インターネットにつながると表示されます。")
        XCTAssertEqual(model.history, history)
    }

    /// The two-phone scenario of the CLI's `box_photos_beyond_twelve_after_a_merge_wait_for_room`:
    /// the first phone fills the sheet to 12 while the second adds 2 offline; after the second
    /// syncs, its screen shows the 2 that did not fit under their own heading, removing a page
    /// lets the first of them in, and discarding the other empties the section.
    func testPhotosBeyondTwelveAfterAMergeWaitForRoomOnTheScreen() async throws {
        let server = try TestServer.fromEnvironment()
        let (first, a) = try await signedInDevice(self, server)
        let (second, b) = try await signedInDevice(self, server)
        _ = try first.addEmergencyPage(profileId: a.id, path: try tinyPhoto(self, 0).path)
        _ = try await first.syncNow(observer: nil)
        _ = try await second.syncNow(observer: nil)
        for n in 1..<12 { _ = try first.addEmergencyPage(profileId: a.id, path: try tinyPhoto(self, n).path) }
        _ = try await first.syncNow(observer: nil)
        for n in 20..<22 { _ = try second.addEmergencyPage(profileId: b.id, path: try tinyPhoto(self, n).path) }
        _ = try await second.syncNow(observer: nil)

        let model = EmergencySheetModel(access: CoreAccess(second), wording: ja, clock: pinnedClock, profile: b)
        await model.load()
        XCTAssertNil(model.message)
        XCTAssertEqual(model.pages.count, 12)
        XCTAssertEqual(model.waitingTitle, "入りきらなかった写真")
        XCTAssertEqual(model.waitingExplanation,
                       "ほかの端末で加えた写真と合わせて12枚を超えたため、まだ加わっていない写真です。どれか1枚を外すと、ここから順に加わります。")
        XCTAssertEqual(model.waitingPages.map(\.title), ["1枚目", "2枚目"])
        XCTAssertEqual(model.waitingPages.map(\.accessibilityLabel), ["入りきらなかった写真　1枚目", "入りきらなかった写真　2枚目"])
        XCTAssertTrue(model.waitingPages.allSatisfy { $0.thumbnailPath.map(FileManager.default.fileExists) == true },
                      "a waiting photo's preview is on this device")
        XCTAssertEqual(model.discardTitle, "この写真を捨てる")
        let waitingFile = await model.pageFile(model.waitingPages[0])
        XCTAssertNotNil(waitingFile)
        let (comesIn, discarded) = (model.waitingPages[0], model.waitingPages[1])

        model.askToRemove(model.pages[0])
        XCTAssertEqual(model.removeQuestion, "1枚目の写真を外しますか。前の書き直しの記録には残ります。")
        await model.confirmRemove()
        XCTAssertNil(model.message)
        XCTAssertEqual(model.notice, "写真を外しました。")
        XCTAssertEqual(model.pages.count, 12)
        XCTAssertEqual(model.pages.last?.imageSha256, comesIn.imageSha256, "the first waiting photo took the room")
        XCTAssertEqual(model.pages.last?.accessibilityLabel, "12枚目")
        XCTAssertEqual(model.waitingPages.map(\.imageSha256), [discarded.imageSha256])
        XCTAssertEqual(model.waitingPages.first?.title, "1枚目", "numbered again among those waiting")

        model.askToDiscard(try XCTUnwrap(model.waitingPages.first))
        XCTAssertEqual(model.discardQuestion, "この写真を捨てますか。この端末にしかない写真です。")
        XCTAssertNil(model.removeQuestion)
        await model.confirmDiscard()
        XCTAssertNil(model.message)
        XCTAssertEqual(model.notice, "写真を捨てました。")
        XCTAssertNil(model.discardQuestion)
        XCTAssertEqual(model.waitingPages, [])
        XCTAssertNil(model.waitingTitle)
        XCTAssertNil(model.waitingExplanation)
        XCTAssertEqual(model.pages.count, 12)
        await model.confirmDiscard()
        XCTAssertEqual(model.pages.count, 12, "a second tap after the first has nothing to discard")
    }

    /// 「次へ」 above the keyboard goes through the group's typed fields in the sheet's order,
    /// passing over a choice; the last has none.
    func testNextFieldFollowsTheGroupsTypedFields() async throws {
        let model = try await sheet()
        XCTAssertNil(model.nextField(after: "identity.name"), "nothing is being written")
        model.startEdit("identity")
        XCTAssertEqual(model.nextField(after: "identity.name"), "identity.kana")
        XCTAssertEqual(model.nextField(after: "identity.birth_date"), "identity.address")
        XCTAssertEqual(model.nextField(after: "identity.address"), "identity.phone")
        XCTAssertNil(model.nextField(after: "identity.phone"))
        XCTAssertEqual(model.nextTitle, "次へ")
        XCTAssertEqual(model.doneTitle, "完了")
    }
}
