// 命の宝箱 through the generated Swift: the field catalogue, saves, a photo page, history.
import Foundation
import TechoKit
import XCTest

final class EmergencySheetTests: XCTestCase {
    private func fixture(_ name: String) throws -> URL {
        guard let dir = ProcessInfo.processInfo.environment["TECHO_FIXTURES"], !dir.isEmpty else {
            throw XCTSkip("TECHO_FIXTURES is not set: run through bindings/tests/shells.rs")
        }
        return URL(fileURLWithPath: dir).appendingPathComponent(name)
    }

    func testFieldsPhotoPagesHistoryAndARefusedValue() async throws {
        let groups = emergencySheetFields()
        XCTAssertEqual(groups.first?.key, "identity")
        let blood = try XCTUnwrap(groups.flatMap { $0.fields }.first { $0.key == "medical.blood_type" })
        XCTAssertEqual(blood.kind, .choice)
        XCTAssertEqual(blood.labelJa, "血液型")
        XCTAssertTrue(blood.choices.contains("AB"))

        let core = try TechoCore.open(
            config: CoreConfig(dataDir: try temporaryDirectory(self), serverUrl: offlineServerURL),
            keystore: InMemoryKeyStore())
        let p = try core.addProfile(hmCode: "34001234", displayName: "広島 花子", relationship: .myself).id
        XCTAssertNil(try core.emergencySheet(profileId: p))
        assertApiError(try core.saveEmergencyFields(
            profileId: p, fields: [SheetFieldValue(key: "medical.blood_type", value: "C")])) {
            if case .DocumentField(key: "medical.blood_type", problem: _, reason: _) = $0 { return true } else { return false }
        }
        XCTAssertNil(try core.emergencySheet(profileId: p), "nothing saved")

        let saved = try core.saveEmergencyFields(profileId: p, fields: [
            SheetFieldValue(key: "identity.name", value: "広島 花子"),
            SheetFieldValue(key: "medical.blood_type", value: "A"),
        ])
        XCTAssertEqual(saved.fields.map(\.key), ["identity.name", "medical.blood_type"])
        XCTAssertTrue(saved.unsent && saved.savedOnThisDevice && !saved.reviewDue)
        let page = try XCTUnwrap(try core.addEmergencyPage(profileId: p, path: try fixture("receipt-qr-1.png").path).pages.first)
        XCTAssertGreaterThanOrEqual(try core.syncStatus().pendingUploads, 1, "the photo waits to be sent")
        assertApiError(try core.addEmergencyPage(profileId: p, path: try fixture("receipt.jahis").path)) {
            if case .Photo = $0 { return true } else { return false }
        }
        let path = try await core.emergencyPageFile(profileId: p, imageSha256: page.imageSha256, thumbnail: false)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(bytes.prefix(2), Data([0xff, 0xd8]))
        try core.clearPhotoCache()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        assertApiError(try core.resolveEmergencyConflict(profileId: p, key: "medical.blood_type", keepOurs: true)) {
            if case .NotFound = $0 { return true } else { return false }
        }
        XCTAssertTrue(try core.removeEmergencyPage(profileId: p, imageSha256: page.imageSha256).pages.isEmpty)
        let history = try core.emergencySheetHistory(profileId: p)
        XCTAssertEqual(history.map(\.pages), [0, 1, 0])
        XCTAssertEqual(history.last?.changedFields, ["identity.name", "medical.blood_type"])
        // Never signed in: there is no server history to add.
        try await core.refreshEmergencySheetHistory(profileId: p)
        XCTAssertEqual(try core.emergencySheetHistory(profileId: p), history)
        let printed = try core.emergencySheetPrint(profileId: p, utcOffsetMinutes: 540)
        XCTAssertTrue(printed.contains("<th>お名前</th>") && printed.contains("size: A4"))
        // What the notebook knows is offered for the fields still empty.
        _ = try core.importMedicationFile(profileId: p, data: try Data(contentsOf: try fixture("receipt.jahis")))
        let offered = try core.emergencySheetSuggestions(profileId: p, today: CalendarDay(year: 2026, month: 11, day: 21)).map(\.key)
        XCTAssertTrue(offered.contains("medical.medicines"), "\(offered)")
        XCTAssertFalse(offered.contains("identity.name"))
    }
}
