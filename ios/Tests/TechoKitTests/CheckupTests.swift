// 健診結果 through the generated Swift: the code list, checkups with photos and judged items,
// edits, a trend, refused items.
import Foundation
import TechoKit
import XCTest

private let systolic = "9A751000000000001"
private let hba1c = "3D046000001906202"
private let urineGlucose = "1A020000000191111"
private let waist = "9N016160100000001"

final class CheckupTests: XCTestCase {
    private func fixture(_ name: String) throws -> URL {
        guard let dir = ProcessInfo.processInfo.environment["TECHO_FIXTURES"], !dir.isEmpty else {
            throw XCTSkip("TECHO_FIXTURES is not set: run through bindings/tests/shells.rs")
        }
        return URL(fileURLWithPath: dir).appendingPathComponent(name)
    }

    func testCheckupsWithAPhotoJudgedItemsEditsATrendAndRefusedItems() async throws {
        let codes = checkupItemCodes()
        let sbp = try XCTUnwrap(codes.first { $0.code == systolic })
        XCTAssertEqual(sbp.plainName, "上の血圧")
        XCTAssertEqual(sbp.unit, "mmHg")
        XCTAssertEqual(sbp.valueKind, .decimal)
        XCTAssertEqual(sbp.guidance?.shown, "≥130")
        XCTAssertEqual(sbp.seeDoctor?.male, CheckupCut(direction: .atLeast, value: "140"))
        XCTAssertEqual(codes.first { $0.code == waist }?.guidance?.bySex, true)
        XCTAssertEqual(codes.first { $0.code == urineGlucose }?.valueLabels, ["−", "±", "+", "++", "+++"])

        let core = try TechoCore.open(
            config: CoreConfig(dataDir: try temporaryDirectory(self), serverUrl: offlineServerURL),
            keystore: InMemoryKeyStore())
        let p = try core.addProfile(hmCode: "34001234", displayName: "広島 花子", relationship: .myself).id
        let june2025 = CalendarDay(year: 2025, month: 6, day: 12)
        let photo = try fixture("receipt-qr-1.png").path
        // A bad code or value is refused by field, without echoing the value; nothing is saved.
        assertApiError(try core.addCheckup(profileId: p, date: june2025, kind: .tokutei, institution: "", note: "",
                                           photoPaths: [], items: [CheckupItemValue(code: "12345", value: "128")])) {
            guard case let .Validation(field, _, _) = $0 else { return false }
            return field == .itemCode
        }
        assertApiError(try core.addCheckup(profileId: p, date: june2025, kind: .tokutei, institution: "", note: "",
                                           photoPaths: [photo], items: [CheckupItemValue(code: systolic, value: "999")])) {
            guard case let .Validation(field, .outOfRange(_, _, unit), reason) = $0 else { return false }
            return field == .itemValue && unit == "mmHg" && !reason.contains("999")
        }
        XCTAssertTrue(try core.checkups(profileId: p).isEmpty, "nothing saved")
        // A form checks each line before saving, so the problem stands beside that line.
        try checkCheckupItem(code: " \(systolic.lowercased()) ", value: " 128 ")
        assertApiError(try checkCheckupItem(code: systolic, value: "999")) {
            guard case let .Validation(field, .outOfRange(_, _, unit), _) = $0 else { return false }
            return field == .itemValue && unit == "mmHg"
        }
        assertApiError(try checkCheckupItem(code: "12345", value: "1")) {
            guard case let .Validation(field, _, _) = $0 else { return false }
            return field == .itemCode
        }

        let first = try core.addCheckup(
            profileId: p, date: june2025, kind: .tokutei, institution: "広島市民病院", note: "", photoPaths: [photo],
            items: [CheckupItemValue(code: systolic, value: "128"), CheckupItemValue(code: hba1c, value: "5.8"),
                    CheckupItemValue(code: urineGlucose, value: "1"), CheckupItemValue(code: waist, value: "87")])
        XCTAssertEqual(first.date, june2025)
        XCTAssertTrue(first.unsent)
        XCTAssertNil(first.judgedFor, "no 性別 on 命の宝箱")
        let judged = Dictionary(uniqueKeysWithValues: first.items.map { ($0.code, $0.judgement) })
        XCTAssertEqual(judged[systolic], .normal)
        XCTAssertEqual(judged[hba1c], .guidance)
        XCTAssertEqual(judged[urineGlucose], .noThresholds)
        XCTAssertEqual(judged[waist], .sexNeeded)
        XCTAssertEqual(first.items.first { $0.code == urineGlucose }?.shownValue, "−")
        let page = try XCTUnwrap(first.pages.first)
        XCTAssertTrue(page.previewOnDevice)
        let thumb = try await core.checkupPageFile(profileId: p, checkupId: first.id, imageSha256: page.imageSha256, thumbnail: true)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: thumb)).prefix(2), Data([0xff, 0xd8]))

        let second = try core.addCheckup(
            profileId: p, date: CalendarDay(year: 2026, month: 6, day: 10), kind: .teiki, institution: "", note: "",
            photoPaths: [], items: [CheckupItemValue(code: systolic, value: "142")])
        let otherPhoto = try fixture("receipt-qr-2.png").path
        let withPage = try core.addCheckupPage(profileId: p, checkupId: second.id, path: otherPhoto)
        XCTAssertEqual(withPage.pages.count, 1)
        let sha = withPage.pages[0].imageSha256
        let removed = try core.removeCheckupPage(profileId: p, checkupId: second.id, imageSha256: sha)
        XCTAssertEqual([removed.pages.count, removed.waitingPages.count], [0, 0])
        assertApiError(try core.removeCheckupPage(profileId: p, checkupId: second.id, imageSha256: sha)) {
            if case .NotFound = $0 { return true } else { return false }
        }
        XCTAssertEqual(try core.addCheckupPage(profileId: p, checkupId: second.id, path: otherPhoto).pages.count, 1)
        let set = try core.setCheckupItems(profileId: p, checkupId: second.id, items: [CheckupItemValue(code: hba1c, value: "6.6")])
        XCTAssertEqual(set.items.first { $0.code == hba1c }?.judgement, .seeDoctor)
        XCTAssertFalse(try core.removeCheckupItems(profileId: p, checkupId: first.id, codes: [waist]).items.contains { $0.code == waist })
        let edited = try core.editCheckup(profileId: p, checkupId: first.id, date: nil, kind: .other,
                                          institution: "広島中央健診センター", note: "空腹で")
        XCTAssertEqual(edited.kind, .other)
        XCTAssertEqual(edited.note, "空腹で")
        XCTAssertEqual(edited.worstJudgement, .guidance, "the detail's headline, as the list has it")
        assertApiError(try core.resolveCheckupConflict(profileId: p, checkupId: first.id, field: systolic, keepOurs: true)) {
            if case .NotFound = $0 { return true } else { return false }
        }

        let list = try core.checkups(profileId: p)
        XCTAssertEqual(list.map(\.id), [second.id, first.id])
        XCTAssertEqual(list.map(\.worstJudgement), [.seeDoctor, .guidance])
        XCTAssertEqual(list.map(\.itemCount), [2, 3])
        let trend = try core.checkupSeries(profileId: p, code: systolic)
        XCTAssertEqual(trend.map(\.value), ["128", "142"])
        XCTAssertEqual(trend.map(\.judgement), [.normal, .seeDoctor])
        XCTAssertEqual(Set(trend.map(\.plainName)), ["上の血圧"])
        XCTAssertEqual(Set(trend.map(\.unit)), ["mmHg"])

        try core.deleteCheckup(profileId: p, checkupId: first.id)
        XCTAssertEqual(try core.checkups(profileId: p).map(\.id), [second.id])
        assertApiError(try core.checkup(profileId: p, checkupId: first.id)) {
            if case .NotFound = $0 { return true } else { return false }
        }
        XCTAssertEqual(try core.checkup(profileId: p, checkupId: second.id).id, second.id)
    }
}
