// 健診結果 over a real core: the empty list, a checkup added through the form with a photo and
// items and read back (list entry, detail, home line), a refused value beside its field with
// nothing saved, an item's trend, correcting and removing items, and deleting.
import Foundation
@testable import TechoAppModel
import TechoKit
import XCTest

let hba1cCode = "3D046000001906202"
let fastingGlucoseCode = "3D010000001926101"
let systolicCode = "9A751000000000001"

/// The parity scenario's checkup (step 7): a 特定健診 on 2026-06-12 at 広島市民病院 with one
/// photo and HbA1c 6.8, 空腹時血糖 105 and 上の血圧 1回目 120, added through the form.
@MainActor
func addScenarioCheckup(_ app: AppModel, photo: URL) async throws -> CheckupFormModel {
    let form = try XCTUnwrap(app.makeCheckupForm())
    form.pickerDate = CheckupDayPicking(timeZone: app.clock.timeZone).date(of: CalendarDay(year: 2026, month: 6, day: 12))
    form.kind = .tokutei
    form.institution = "広島市民病院"
    form.addPhoto(path: photo.path)
    for (code, value) in [(hba1cCode, "6.8"), (fastingGlucoseCode, "105"), (systolicCode, "120")] {
        form.addItem(code)
        form.setValue(code, value)
    }
    await form.save()
    return form
}

@MainActor
final class CheckupModelTests: XCTestCase {
    private func fixture(_ name: String) throws -> URL {
        guard let dir = ProcessInfo.processInfo.environment["TECHO_FIXTURES"], !dir.isEmpty else {
            throw XCTSkip("TECHO_FIXTURES is not set: run through bindings/tests/shells.rs")
        }
        return URL(fileURLWithPath: dir).appendingPathComponent(name)
    }

    private func listCount(_ app: AppModel) async throws -> Int {
        let list = try XCTUnwrap(app.makeCheckups())
        await list.load()
        XCTAssertNil(list.message)
        return list.entries.count
    }

    func testTheEmptyListSaysHowToBegin() async throws {
        let app = try await readyApp(self)
        let list = try XCTUnwrap(app.makeCheckups())
        XCTAssertNil(list.emptyLine, "nothing is said before the list is read")
        await list.load()
        XCTAssertEqual(list.title, "健診結果")
        XCTAssertEqual(list.actingForLine, "山田 花子さんの手帳")
        XCTAssertEqual(list.entries, [])
        XCTAssertEqual(list.emptyLine, "まだ健診結果がありません。「健診結果を加える」から、結果の用紙を写真に撮って残せます。")
        XCTAssertEqual(list.addTitle, "健診結果を加える")
    }

    func testACheckupAddedWithAPhotoAndItemsIsReadBack() async throws {
        let app = try await readyApp(self)
        let form = try await addScenarioCheckup(app, photo: try fixture("receipt-qr-1.png"))
        XCTAssertNil(form.message)
        XCTAssertEqual(form.problems, FormProblems())
        XCTAssertEqual(form.notice, "健診結果を保存しました。")
        let id = try XCTUnwrap(form.savedId)

        let list = try XCTUnwrap(app.makeCheckups())
        await list.load()
        let entry = try XCTUnwrap(list.entries.first)
        XCTAssertEqual(list.entries.count, 1)
        XCTAssertEqual(entry.id, id)
        XCTAssertEqual(entry.title, "2026年6月12日（金）　特定健診")
        XCTAssertEqual(entry.institution, "広島市民病院")
        XCTAssertEqual(entry.counts, "写真1枚・検査項目3つ")
        XCTAssertEqual(entry.worst, "受診をすすめる値があります")
        XCTAssertEqual(entry.unsent, "まだ送っていません。")
        XCTAssertNil(entry.conflicts)
        XCTAssertNil(list.emptyLine)

        let detail = try XCTUnwrap(app.makeCheckupDetail(id))
        await detail.load()
        XCTAssertNil(detail.message)
        XCTAssertEqual(detail.title, "2026年6月12日（金）　特定健診")
        XCTAssertEqual(detail.institutionLine, "健診機関：広島市民病院")
        XCTAssertNil(detail.noteLine)
        XCTAssertEqual(detail.items.map(\.line), ["上の血圧　120 mmHg", "血糖値（食事前）　105 mg/dL",
                                                  "HbA1c（ヘモグロビン・エーワンシー）　6.8 %"])
        XCTAssertEqual(detail.items.map(\.judgement), [.normal, .guidance, .seeDoctor])
        XCTAssertEqual(detail.items.first?.variant, "1回目")
        XCTAssertEqual(detail.items.last?.judgementLine, "受診をすすめる値です。かかりつけ医に相談してください。")
        XCTAssertEqual(detail.worstLine, "受診をすすめる値があります", "the headline, as the list entry has it")
        XCTAssertEqual(detail.worstJudgement, .seeDoctor)
        XCTAssertEqual(detail.pages.map(\.title), ["1枚目"])
        let thumbnail = try XCTUnwrap(detail.pages.first?.thumbnailPath)
        XCTAssertTrue(FileManager.default.fileExists(atPath: thumbnail))
        let page = try XCTUnwrap(detail.pages.first)
        let full = await detail.pageFile(page)
        XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(full)))
        XCTAssertNil(detail.openBoxTitle, "none of these items differs by sex")

        let home = try XCTUnwrap(app.makeHome())
        await home.load()
        XCTAssertEqual(home.latestCheckupLine, "最近の健診：2026年6月12日（金）　受診をすすめる値があります")
        XCTAssertEqual(home.latestCheckupId, id)
    }

    func testTheFormOffersTheCodeListByGroupAndOrdinalResultsToChoose() async throws {
        let app = try await readyApp(self)
        let form = try XCTUnwrap(app.makeCheckupForm())
        XCTAssertEqual(form.dayLine, "健診日：2025年11月20日（木）", "today on the pinned clock")
        XCTAssertEqual(form.kindChoices.map(\.label), ["特定健診", "職場の健康診断", "そのほかの健診"])
        XCTAssertEqual(form.pickerGroups.map(\.name), ["身体計測", "血圧", "脂質", "肝機能", "血糖", "尿", "腎機能", "貧血"])
        let urine = try XCTUnwrap(form.pickerGroups.first { $0.name == "尿" }?.items.first)
        XCTAssertEqual(urine.choices.map(\.value), ["1", "2", "3", "4", "5"])
        XCTAssertEqual(urine.choices.count, 5)
        XCTAssertNil(urine.unit)
        form.addItem(systolicCode)
        XCTAssertEqual(form.items.map(\.item.label), ["上の血圧（1回目）"])
        XCTAssertFalse(form.pickerGroups.flatMap(\.items).contains { $0.code == systolicCode }, "offered once")
        form.removeItem(systolicCode)
        XCTAssertEqual(form.items, [])
        XCTAssertEqual(form.itemsEmptyLine, "検査項目はまだありません。")
    }

    func testARefusedValueIsShownBesideItsFieldAndNothingIsSaved() async throws {
        let app = try await readyApp(self)
        let form = try XCTUnwrap(app.makeCheckupForm())
        form.pickerDate = CheckupDayPicking(timeZone: tokyo).date(of: CalendarDay(year: 2026, month: 6, day: 12))
        form.institution = "広島市民病院"
        form.addItem(hba1cCode)
        form.setValue(hba1cCode, "abc")
        await form.save()
        XCTAssertNil(form.savedId)
        XCTAssertEqual(form.items.first?.problem, "HbA1c（ヘモグロビン・エーワンシー）（免疫学的方法）は数字で入力してください。")
        XCTAssertEqual(form.items.first?.accessibilityLabel, form.items.first?.problem)
        XCTAssertEqual(form.message, "赤い字のところを直してから、もう一度「保存する」を押してください。")
        XCTAssertNil(form.itemsProblem)
        let count = try await listCount(app)
        XCTAssertEqual(count, 0)

        // Typing again checks the line at once: a value out of the item's range shows its bounds
        // before the save, which refuses it the same way.
        form.setValue(hba1cCode, "68")
        XCTAssertEqual(form.items.first?.problem,
                       "HbA1c（ヘモグロビン・エーワンシー）（免疫学的方法）は2〜25 %の間で入力してください。測った値を確かめてください。")
        await form.save()
        XCTAssertNil(form.savedId)
        XCTAssertEqual(form.items.first?.problem,
                       "HbA1c（ヘモグロビン・エーワンシー）（免疫学的方法）は2〜25 %の間で入力してください。測った値を確かめてください。")

        // With several items each line is checked as the save did: every refused line has its
        // own problem beside it, a fine line none, and nothing is said over the items.
        form.addItem(systolicCode)
        form.setValue(systolicCode, "120")
        form.addItem(fastingGlucoseCode)
        form.setValue(fastingGlucoseCode, "9999")
        form.setValue(hba1cCode, "abc")
        await form.save()
        XCTAssertNil(form.savedId)
        let byCode = Dictionary(uniqueKeysWithValues: form.items.map { ($0.item.code, $0) })
        XCTAssertEqual(byCode[hba1cCode]?.problem, "HbA1c（ヘモグロビン・エーワンシー）（免疫学的方法）は数字で入力してください。")
        let glucose = try XCTUnwrap(byCode[fastingGlucoseCode]?.problem)
        XCTAssertTrue(glucose.hasPrefix(try XCTUnwrap(byCode[fastingGlucoseCode]?.item.label)), glucose)
        XCTAssertTrue(glucose.contains("の間で入力してください"), glucose)
        XCTAssertEqual(byCode[fastingGlucoseCode]?.accessibilityLabel, glucose)
        XCTAssertNil(byCode[systolicCode]?.problem, "a fine line has no problem")
        XCTAssertEqual(byCode[systolicCode]?.accessibilityLabel, "上の血圧（1回目）の値")
        XCTAssertNil(form.itemsProblem)
        XCTAssertEqual(form.message, "赤い字のところを直してから、もう一度「保存する」を押してください。")
        let none = try await listCount(app)
        XCTAssertEqual(none, 0, "nothing saved")

        // Correcting one line clears its own problem; the other keeps its own.
        form.setValue(fastingGlucoseCode, "105")
        XCTAssertNil(form.items.first { $0.item.code == fastingGlucoseCode }?.problem)
        XCTAssertNotNil(form.items.first { $0.item.code == hba1cCode }?.problem)

        // A day in the future is refused beside the date.
        form.setValue(hba1cCode, "6.8")
        form.pickerDate = CheckupDayPicking(timeZone: tokyo).date(of: CalendarDay(year: 2100, month: 1, day: 1))
        await form.save()
        XCTAssertNil(form.savedId)
        XCTAssertEqual(form.dayProblem, "健診日が、これから先の日時になっています。日付と時刻を確かめてください。")
        let after = try await listCount(app)
        XCTAssertEqual(after, 0)
    }

    func testTheTrendListsAnItemOldestFirstWithItsJudgements() async throws {
        let app = try await readyApp(self)
        for (day, value) in [(CalendarDay(year: 2025, month: 6, day: 10), "5.4"), (CalendarDay(year: 2024, month: 6, day: 11), "5.9")] {
            let form = try XCTUnwrap(app.makeCheckupForm())
            form.pickerDate = CheckupDayPicking(timeZone: tokyo).date(of: day)
            form.kind = .teiki
            form.addItem(hba1cCode)
            form.setValue(hba1cCode, value)
            await form.save()
            XCTAssertNotNil(form.savedId, form.message ?? "")
        }
        let trend = try XCTUnwrap(app.makeCheckupTrend(hba1cCode))
        XCTAssertNil(trend.emptyLine)
        await trend.load()
        XCTAssertEqual(trend.title, "HbA1c（ヘモグロビン・エーワンシー）の移り変わり")
        XCTAssertEqual(trend.points.map(\.line), [
            "2024年6月11日（火）　5.9 %　保健指導の目安を超えています。",
            "2025年6月10日（火）　5.4 %　基準の範囲内です。",
        ])
        XCTAssertEqual(trend.points.map(\.number), [5.9, 5.4])
        XCTAssertEqual(trend.chartPoints.count, 2)
        XCTAssertEqual(trend.unit, "%", "the points' own unit")

        let list = try XCTUnwrap(app.makeCheckups())
        await list.load()
        XCTAssertEqual(list.entries.map(\.title), ["2025年6月10日（火）　職場の健康診断", "2024年6月11日（火）　職場の健康診断"],
                       "newest first")
        XCTAssertEqual(list.entries.map(\.worst), ["すべて基準の範囲内です", "保健指導の目安を超えた項目があります"])

        let empty = try XCTUnwrap(app.makeCheckupTrend(systolicCode))
        await empty.load()
        XCTAssertEqual(empty.emptyLine, "まだ記録がありません。")
    }

    func testItemsAreCorrectedAddedAndRemovedInTheDetail() async throws {
        let app = try await readyApp(self)
        let form = try await addScenarioCheckup(app, photo: try fixture("receipt-qr-1.png"))
        let detail = try XCTUnwrap(app.makeCheckupDetail(try XCTUnwrap(form.savedId)))
        await detail.load()

        detail.startItem(hba1cCode)
        XCTAssertEqual(detail.itemDraft, "6.8")
        detail.itemDraft = "6,8"
        await detail.saveItem()
        XCTAssertEqual(detail.itemProblem, "HbA1c（ヘモグロビン・エーワンシー）（免疫学的方法）は数字で入力してください。")
        XCTAssertNotNil(detail.editingItem)
        detail.itemDraft = "5.8"
        await detail.saveItem()
        XCTAssertNil(detail.editingItem)
        XCTAssertEqual(detail.notice, "保存しました。")
        XCTAssertEqual(detail.items.last?.line, "HbA1c（ヘモグロビン・エーワンシー）　5.8 %")
        XCTAssertEqual(detail.items.last?.judgement, .guidance)

        // An ordinal item: its result chosen, saved as its code.
        let protein = "1A010000000191111"
        XCTAssertTrue(detail.pickerGroups.flatMap(\.items).contains { $0.code == protein })
        detail.startItem(protein)
        XCTAssertEqual(detail.editingItem?.choices.count, 5)
        detail.itemDraft = try XCTUnwrap(detail.editingItem?.choices[2].value)
        await detail.saveItem()
        XCTAssertNil(detail.itemProblem)
        let urine = try XCTUnwrap(detail.items.first { $0.code == protein })
        XCTAssertEqual(urine.value, "3")
        XCTAssertEqual(urine.judgement, .seeDoctor)

        let systolic = try XCTUnwrap(detail.items.first { $0.code == systolicCode })
        detail.askToRemoveItem(systolic)
        XCTAssertEqual(detail.removeItemQuestion, "上の血圧（1回目）を消しますか。")
        await detail.confirmRemoveItem()
        XCTAssertEqual(detail.notice, "検査項目を消しました。")
        XCTAssertFalse(detail.items.contains { $0.code == systolicCode })

        detail.startEditDetails()
        XCTAssertEqual(detail.draftInstitution, "広島市民病院")
        detail.draftNote = "再検査の案内あり"
        detail.draftKind = .other
        await detail.saveDetails()
        XCTAssertFalse(detail.isEditingDetails)
        XCTAssertEqual(detail.noteLine, "メモ：再検査の案内あり")
        XCTAssertEqual(detail.title, "2026年6月12日（金）　そのほかの健診")
        XCTAssertEqual(detail.institutionLine, "健診機関：広島市民病院", "left as it was")

        detail.startEditDetails()
        XCTAssertEqual(detail.draftDayLine, "健診日：2026年6月12日（金）")
        detail.draftPickerDate = CheckupDayPicking(timeZone: tokyo).date(of: CalendarDay(year: 2100, month: 1, day: 1))
        await detail.saveDetails()
        XCTAssertTrue(detail.isEditingDetails)
        XCTAssertEqual(detail.problems.byField[.checkupDate], "健診日が、これから先の日時になっています。日付と時刻を確かめてください。")
        XCTAssertEqual(detail.title, "2026年6月12日（金）　そのほかの健診", "nothing saved")
        detail.cancelEditDetails()
        XCTAssertFalse(detail.isEditingDetails)

        await detail.addPage(path: try fixture("receipt-qr-2.png").path)
        XCTAssertEqual(detail.notice, "写真を加えました。")
        XCTAssertEqual(detail.pages.map(\.title), ["1枚目", "2枚目"])
    }

    /// 腹囲 is judged by sex: until 命の宝箱 has 性別 the item says so and the screen offers the
    /// sheet; once it is written there, the item is judged for it.
    func testAnItemJudgedBySexOffersTheSheetUntilItsSexIsWritten() async throws {
        let app = try await readyApp(self)
        let waist = "9N016160100000001"
        let form = try XCTUnwrap(app.makeCheckupForm())
        form.pickerDate = CheckupDayPicking(timeZone: tokyo).date(of: CalendarDay(year: 2026, month: 6, day: 12))
        form.addItem(waist)
        XCTAssertEqual(form.items.first?.item.fieldLabel, "おなかまわり（腹囲）（実測）（cm）")
        form.setValue(waist, "88")
        await form.save()
        let detail = try XCTUnwrap(app.makeCheckupDetail(try XCTUnwrap(form.savedId)))
        await detail.load()
        XCTAssertEqual(detail.items.first?.judgement, .sexNeeded)
        XCTAssertEqual(detail.items.first?.judgementLine, "男性と女性で目安が違う項目です。命の宝箱に性別を書くと判定できます。")
        XCTAssertEqual(detail.openBoxTitle, "命の宝箱に性別を書く")
        XCTAssertNil(detail.judgedForLine)
        let list = try XCTUnwrap(app.makeCheckups())
        await list.load()
        XCTAssertNil(list.entries.first?.worst, "nothing judged yet")

        let box = try XCTUnwrap(app.makeEmergencySheet())
        await box.load()
        box.startEdit("identity")
        box.setDraft("identity.sex", "female")
        await box.saveEdit()
        XCTAssertNil(box.message)
        await detail.load()
        XCTAssertEqual(detail.items.first?.judgement, .normal, "88 cm is below 女性's 90")
        XCTAssertEqual(detail.judgedForLine, "女性の目安で判定しています。")
        XCTAssertNil(detail.openBoxTitle)
    }

    func testDeletingAsksFirstAndEmptiesTheList() async throws {
        let app = try await readyApp(self)
        let form = try await addScenarioCheckup(app, photo: try fixture("receipt-qr-1.png"))
        let detail = try XCTUnwrap(app.makeCheckupDetail(try XCTUnwrap(form.savedId)))
        await detail.load()
        XCTAssertNil(detail.deleteQuestion)
        detail.askToDelete()
        XCTAssertEqual(detail.deleteQuestion, "2026年6月12日（金）の健診結果を消しますか。ほかの端末からも消えます。")
        detail.cancelDelete()
        await detail.confirmDelete()
        var count = try await listCount(app)
        XCTAssertEqual(count, 1, "nothing is deleted without the yes")
        detail.askToDelete()
        await detail.confirmDelete()
        XCTAssertTrue(detail.deleted)
        XCTAssertEqual(detail.deletedNotice, "健診結果を消しました。")
        count = try await listCount(app)
        XCTAssertEqual(count, 0)
        let home = try XCTUnwrap(app.makeHome())
        await home.load()
        XCTAssertNil(home.latestCheckupLine)
    }

    func testEnglishWording() async throws {
        let app = try await readyApp(self, wording: en)
        let form = try await addScenarioCheckup(app, photo: try fixture("receipt-qr-1.png"))
        let list = try XCTUnwrap(app.makeCheckups())
        await list.load()
        XCTAssertEqual(form.notice, "Checkup results saved.")
        XCTAssertEqual(list.entries.first?.title, "Fri 12 June 2026 — Specific health checkup")
        XCTAssertEqual(list.entries.first?.worst, "A value at which a doctor's visit is advised")
    }

    /// Two devices of one account write a checkup's date, kind, institution and an ordinal item
    /// differently: the second one's screen shows both sides worded as the checkup is (a long
    /// date, the kind's name, ＋ for the code 3) in 命の宝箱's words, and choosing keeps that one.
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
        let urineGlucose = "1A020000000191111"
        let added = try first.addCheckup(profileId: a.id, date: CalendarDay(year: 2026, month: 5, day: 20), kind: .tokutei,
                                         institution: "広島市民病院", note: "", photoPaths: [],
                                         items: [CheckupItemValue(code: hba1cCode, value: "6.8"),
                                                 CheckupItemValue(code: urineGlucose, value: "1")])
        _ = try await first.syncNow(observer: nil)
        _ = try await second.syncNow(observer: nil)
        _ = try first.editCheckup(profileId: a.id, checkupId: added.id, date: CalendarDay(year: 2026, month: 5, day: 21),
                                  kind: .teiki, institution: "安佐市民病院", note: nil)
        _ = try first.setCheckupItems(profileId: a.id, checkupId: added.id,
                                      items: [CheckupItemValue(code: urineGlucose, value: "2")])
        _ = try await first.syncNow(observer: nil)
        _ = try second.editCheckup(profileId: b.id, checkupId: added.id, date: CalendarDay(year: 2026, month: 5, day: 22),
                                   kind: .other, institution: "舟入市民病院", note: nil)
        _ = try second.setCheckupItems(profileId: b.id, checkupId: added.id,
                                       items: [CheckupItemValue(code: urineGlucose, value: "3")])
        _ = try await second.syncNow(observer: nil)

        let list = CheckupsModel(access: CoreAccess(second), wording: ja, profile: b)
        await list.load()
        XCTAssertEqual(list.entries.first { $0.id == added.id }?.conflicts, "ほかの端末と内容が違うところがあります。")
        let model = CheckupDetailModel(access: CoreAccess(second), wording: ja, clock: pinnedClock, profile: b,
                                       checkupId: added.id)
        await model.load()
        XCTAssertNil(model.message)
        XCTAssertEqual(model.conflictsTitle, "ほかの端末と内容が違うところ")
        let shown = Dictionary(uniqueKeysWithValues: model.conflicts.map { ($0.label, [$0.ours, $0.theirs]) })
        XCTAssertEqual(shown, [
            "健診日": ["この端末：2026年5月22日（金）", "ほかの端末：2026年5月21日（木）"],
            "健診の種類": ["この端末：そのほかの健診", "ほかの端末：職場の健康診断"],
            "健診機関": ["この端末：舟入市民病院", "ほかの端末：安佐市民病院"],
            "尿の糖": ["この端末：+", "ほかの端末：±"],
        ])
        for conflict in model.conflicts {
            await model.chooseOurs(conflict.field)
        }
        XCTAssertEqual(model.notice, "選んだ内容で保存しました。")
        XCTAssertEqual(model.conflicts, [])
        XCTAssertEqual(model.institutionLine, "健診機関：舟入市民病院")
        let settled = try second.checkup(profileId: b.id, checkupId: added.id)
        XCTAssertEqual(settled.kind, .other)
        XCTAssertEqual(settled.date, CalendarDay(year: 2026, month: 5, day: 22))
        XCTAssertEqual(settled.items.first { $0.code == urineGlucose }?.value, "3")
    }

    /// Each line is checked as it is typed, worded as a refused save words it, beside that line
    /// only; an untouched or emptied line says nothing; nothing is saved by checking.
    func testItemLinesAreCheckedAsTheyAreTyped() async throws {
        let app = try await readyApp(self)
        let form = try XCTUnwrap(app.makeCheckupForm())
        form.addItem(hba1cCode)
        form.addItem(systolicCode)
        XCTAssertEqual(form.items.map(\.problem), [nil, nil], "untouched lines")
        form.setValue(hba1cCode, "68")
        let outOfRange = "HbA1c（ヘモグロビン・エーワンシー）（免疫学的方法）は2〜25 %の間で入力してください。測った値を確かめてください。"
        XCTAssertEqual(form.items.map(\.problem), [outOfRange, nil])
        XCTAssertEqual(form.items.first?.accessibilityLabel, outOfRange)
        XCTAssertNil(form.itemsProblem, "said beside its line, not over the items")
        XCTAssertNil(form.message, "no save was tried")
        form.setValue(systolicCode, "1")
        XCTAssertTrue(form.items.last?.problem?.hasPrefix("上の血圧（1回目）") ?? false, form.items.last?.problem ?? "none")
        form.setValue(hba1cCode, "6.8")
        XCTAssertNil(form.items.first?.problem, "fixed")
        form.setValue(systolicCode, "")
        XCTAssertNil(form.items.last?.problem, "an emptied line says nothing until a save")
        let count = try await listCount(app)
        XCTAssertEqual(count, 0)

        // The detail's item editor checks the same way; opening it on a recorded value says nothing.
        form.setValue(systolicCode, "120")
        await form.save()
        let detail = try XCTUnwrap(app.makeCheckupDetail(try XCTUnwrap(form.savedId)))
        await detail.load()
        detail.startItem(hba1cCode)
        XCTAssertNil(detail.itemProblem)
        detail.itemDraft = "68"
        XCTAssertEqual(detail.itemProblem, outOfRange)
        XCTAssertEqual(detail.items.first { $0.code == hba1cCode }?.value, "6.8", "nothing saved by checking")
        detail.itemDraft = ""
        XCTAssertNil(detail.itemProblem)
        detail.itemDraft = "7.1"
        XCTAssertNil(detail.itemProblem)
        detail.cancelItem()
        XCTAssertNil(detail.itemProblem)
    }

    /// 「次へ」 above the number pad goes to the next value typed in, passing over a result chosen
    /// from marks; the last field has none.
    func testNextValueFieldPassesOverChosenResults() async throws {
        let app = try await readyApp(self)
        let form = try XCTUnwrap(app.makeCheckupForm())
        let protein = "1A010000000191111"
        for code in [hba1cCode, protein, systolicCode] { form.addItem(code) }
        XCTAssertEqual(form.nextValueField(after: hba1cCode), systolicCode)
        XCTAssertEqual(form.nextValueField(after: protein), systolicCode)
        XCTAssertNil(form.nextValueField(after: systolicCode))
        form.removeItem(systolicCode)
        XCTAssertNil(form.nextValueField(after: hba1cCode))
        XCTAssertEqual(form.nextTitle, "次へ")
        XCTAssertEqual(form.doneTitle, "完了")
    }

    /// A photo of the checkup is removed after the question, everywhere; the page is gone and
    /// the notice says so.
    func testRemovingAPhotoAsksFirstAndTakesItAway() async throws {
        let app = try await readyApp(self)
        let form = try XCTUnwrap(app.makeCheckupForm())
        form.pickerDate = CheckupDayPicking(timeZone: tokyo).date(of: CalendarDay(year: 2026, month: 6, day: 12))
        form.addPhoto(path: try tinyPhoto(self, 1).path)
        form.addPhoto(path: try tinyPhoto(self, 2).path)
        await form.save()
        let detail = try XCTUnwrap(app.makeCheckupDetail(try XCTUnwrap(form.savedId)))
        await detail.load()
        XCTAssertEqual(detail.pages.map(\.title), ["1枚目", "2枚目"])
        XCTAssertEqual(detail.pages.map(\.accessibilityLabel), ["1枚目", "2枚目"])
        XCTAssertNil(detail.waitingTitle, "nothing waits")
        XCTAssertEqual(detail.removePageTitle, "この写真を外す")
        let second = detail.pages[1]

        detail.askToRemovePage(second)
        XCTAssertEqual(detail.removePageQuestion, "2枚目の写真を外しますか。ほかの端末からも外れます。")
        XCTAssertEqual(detail.removePageYesTitle, "外す")
        detail.cancelRemovePage()
        XCTAssertNil(detail.removePageQuestion)
        XCTAssertEqual(detail.pages.count, 2, "nothing removed without the yes")

        detail.askToRemovePage(second)
        await detail.confirmRemovePage()
        XCTAssertNil(detail.message)
        XCTAssertEqual(detail.notice, "写真を外しました。")
        XCTAssertNil(detail.removePageQuestion)
        XCTAssertEqual(detail.pages.count, 1)
        XCTAssertFalse(detail.pages.contains { $0.imageSha256 == second.imageSha256 })
        await detail.confirmRemovePage()
        XCTAssertEqual(detail.pages.count, 1, "a second tap has nothing left to remove")
        let list = try XCTUnwrap(app.makeCheckups())
        await list.load()
        XCTAssertTrue(list.entries.first?.counts.hasPrefix("写真1枚") ?? false, list.entries.first?.counts ?? "none")
    }
}
