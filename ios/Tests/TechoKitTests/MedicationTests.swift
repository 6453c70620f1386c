// The medication notebook through the generated Swift: a receipt's QR codes as the codewords
// Vision gives, in any order; photos; a shared file; the history, search, detail, export.
import Foundation
import TechoKit
import XCTest

final class MedicationTests: XCTestCase {
    private func fixture(_ name: String) throws -> URL {
        guard let dir = ProcessInfo.processInfo.environment["TECHO_FIXTURES"], !dir.isEmpty else {
            throw XCTSkip("TECHO_FIXTURES is not set: run through bindings/tests/shells.rs")
        }
        return URL(fileURLWithPath: dir).appendingPathComponent(name)
    }

    private func symbolCount() throws -> Int {
        var n = 1
        while FileManager.default.fileExists(atPath: try fixture("receipt-qr-\(n + 1).png").path) { n += 1 }
        return n
    }

    private func openWithProfile() throws -> (TechoCore, String) {
        let core = try TechoCore.open(
            config: CoreConfig(dataDir: try temporaryDirectory(self), serverUrl: offlineServerURL),
            keystore: InMemoryKeyStore())
        let profile = try core.addProfile(hmCode: "34001234", displayName: "広島 花子", relationship: .myself)
        return (core, profile.id)
    }

    func testAReceiptScannedInAnyOrderImportsOnceAndWhole() throws {
        let (core, p) = try openWithProfile()
        let n = try symbolCount()
        let scanner = try core.startMedicationScan(profileId: p)
        var steps: [ScanProgress] = []
        for i in stride(from: n, through: 1, by: -1) {
            let cw = try Data(contentsOf: try fixture("receipt-qr-\(i).codewords"))
            steps.append(try scanner.addCodewords(codewords: cw.dropFirst(), version: cw[cw.startIndex]))
        }
        XCTAssertEqual(steps.first?.outcome, .waiting)
        XCTAssertEqual(steps.first?.waiting.first?.have, 1)
        XCTAssertEqual(steps.first?.waiting.first?.total, UInt16(n))
        XCTAssertEqual(steps.last?.outcome, .completed)
        XCTAssertEqual(steps.last?.imports.first?.added, 1)

        let photos = try core.startMedicationScan(profileId: p)
        var last: ScanProgress?
        for i in 1...n { last = try photos.addPhoto(path: try fixture("receipt-qr-\(i).png").path) }
        XCTAssertEqual(last?.imports.first?.alreadyPresent, 1)
        assertApiError(try photos.addPhoto(path: try fixture("receipt.jahis").path)) {
            if case .Photo(problem: .unsupportedFormat, reason: _) = $0 { return true } else { return false }
        }
        photos.reset()

        let data = try Data(contentsOf: try fixture("receipt.jahis"))
        let parity = data.reduce(UInt8(0), ^)
        let bySymbol = try core.startMedicationScan(profileId: p)
        let cut = data.startIndex + data.count / 2
        _ = try bySymbol.addSymbol(data: data[cut...], header: StructuredAppendHeader(position: 1, total: 2, parity: parity))
        let done = try bySymbol.addSymbol(data: data[..<cut], header: StructuredAppendHeader(position: 0, total: 2, parity: parity))
        XCTAssertEqual(done.imports.first?.alreadyPresent, 1)
        XCTAssertEqual(try core.importMedicationFile(profileId: p, data: data).alreadyPresent, 1)
        assertApiError(try core.importMedicationFile(profileId: p, data: Data("JAHIS10\r\n".utf8))) {
            if case .Import(problem: .prescriptionSymbol, reason: _) = $0 { return true } else { return false }
        }
    }

    func testTheNotebookIsListedSearchedShownHiddenAndExported() throws {
        let (core, p) = try openWithProfile()
        _ = try core.importMedicationFile(profileId: p, data: try Data(contentsOf: try fixture("receipt.jahis")))
        let items = try core.listMedications(
            profileId: p, filter: MedicationFilter(kind: .dispensing, pharmacyCode: nil, limit: 0, cursor: nil)
        ).items
        XCTAssertEqual(items.count, 1)
        let d = items[0]
        XCTAssertEqual(d.title, "テスト薬局 本通店")
        XCTAssertEqual(d.arrival, .file)
        XCTAssertEqual(d.until, CalendarDay(year: 2026, month: 12, day: 18))
        XCTAssertEqual(try core.currentMedications(profileId: p, today: CalendarDay(year: 2026, month: 12, day: 17)).map(\.id), [d.id])
        XCTAssertEqual(try core.currentMedications(profileId: p, today: CalendarDay(year: 2026, month: 12, day: 18)).count, 0)
        XCTAssertEqual(try core.searchMedications(profileId: p, text: "あむろじぴん").map(\.id), [d.id])
        XCTAssertEqual(try core.medicationPharmacies(profileId: p).first?.code, "0123456")
        let rp = try XCTUnwrap(try core.getMedication(medicationId: d.id).dispensing?.rps.first)
        XCTAssertEqual(rp.quantity, 28)
        XCTAssertEqual(rp.quantityUnit, .days)
        XCTAssertEqual(rp.drugs[1].doseMeaning, .daily)
        XCTAssertEqual(rp.drugs[1].supplements, ["朝１錠、夕１錠"])
        let export = try core.exportMedications(profileId: p)
        XCTAssertEqual(String(decoding: export.data.prefix(11), as: UTF8.self), "JAHISTC08,2")
        try core.deleteMedication(medicationId: d.id)
        XCTAssertTrue(try core.getMedication(medicationId: d.id).summary.hidden)
        XCTAssertEqual(try core.listMedications(profileId: p, filter: MedicationFilter(kind: nil, pharmacyCode: nil, limit: 0, cursor: nil)).items.count, 0)
    }
}
