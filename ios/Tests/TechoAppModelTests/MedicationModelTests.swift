// The medication notebook screens over a real core: scanning a receipt's QR codes (as the
// codewords Vision gives, and as photos), importing a file, what is taken now, the history a
// page at a time, pharmacies, search, an entry in full, hiding it and exporting the notebook.
import Foundation
import TechoAppModel
import TechoKit
import XCTest

/// 2026-12-17 09:00 in Tokyo: the last day of the fixture's 28 days from 2026-11-20.
let medicationClock = LocalClock(now: { jstDate(2026, 12, 17, 9) }, timeZone: tokyo)

/// The data codewords of a Structured Append QR symbol as `CIQRCodeDescriptor.errorCorrectedPayload`
/// has them for a version 1–9 symbol: the header, one byte-mode segment and the terminator.
func structuredAppendCodewords(_ data: Data, position: Int, total: Int, parity: UInt8) -> Data {
    var bits: [Bool] = []
    func put(_ value: Int, _ width: Int) {
        for shift in stride(from: width - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
    }
    put(0b0011, 4)
    put(position, 4)
    put(total - 1, 4)
    put(Int(parity), 8)
    put(0b0100, 4)
    put(data.count, 8)
    for byte in data { put(Int(byte), 8) }
    put(0, 4)
    while bits.count % 8 != 0 { bits.append(false) }
    var out = Data()
    for start in stride(from: 0, to: bits.count, by: 8) {
        out.append(bits[start..<start + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) })
    }
    return out
}

@MainActor
final class MedicationModelTests: XCTestCase {
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

    /// A `.codewords` fixture: the first byte is the symbol version, the rest the codewords.
    private func codewords(_ i: Int) throws -> (Data, Int) {
        let file = try Data(contentsOf: try fixture("receipt-qr-\(i).codewords"))
        return (Data(file.dropFirst()), Int(file[file.startIndex]))
    }

    /// The fixture receipt with another dispensing date (yyyyMMdd): a different receipt.
    private func receipt(dispensedOn date: String) throws -> Data {
        let original = try Data(contentsOf: try fixture("receipt.jahis"))
        let from = Data("20261120".utf8), to = Data(date.utf8)
        let range = try XCTUnwrap(original.range(of: from))
        var changed = original
        changed.replaceSubrange(range, with: to)
        return changed
    }

    /// A notebook with the fixture receipt imported from its file.
    private func notebook(wording: Wording = ja) async throws -> (AppModel, MedicationsModel) {
        let app = try await readyApp(self, wording: wording, clock: medicationClock)
        let meds = try XCTUnwrap(app.makeMedications())
        await meds.importFile(try Data(contentsOf: try fixture("receipt.jahis")))
        XCTAssertNil(meds.message)
        return (app, meds)
    }

    func testAPrescriptionsQrCodeIsNamedForWhatItIs() async throws {
        let app = try await readyApp(self, clock: medicationClock)
        let scan = try XCTUnwrap(app.makeMedicationScan())
        let rx = Data("JAHIS10\r\n1,1,1234567\r\n".utf8)
        await scan.addCodewords(structuredAppendCodewords(rx, position: 0, total: 1, parity: rx.reduce(0, ^)), version: 2)
        XCTAssertEqual(scan.message, ja(.errorPrescriptionQr))
        XCTAssertNil(scan.resultLine)
    }

    func testScanningInAnyOrderShowsProgressThenImportsOnce() async throws {
        let n = try symbolCount()
        let app = try await readyApp(self, clock: medicationClock)
        let scan = try XCTUnwrap(app.makeMedicationScan())
        XCTAssertEqual(scan.title, "明細書を読み取る")
        XCTAssertEqual(scan.actingForLine, "山田 花子さんの手帳")

        let (last, lastVersion) = try codewords(n)
        await scan.addCodewords(last, version: lastVersion)
        XCTAssertNil(scan.message)
        XCTAssertEqual(scan.progressLine, "\(n)枚中1枚 読み取りました")
        XCTAssertEqual(scan.nextStepLine, "続けて、残りのQRコードを写してください。")
        XCTAssertNil(scan.resultLine)
        XCTAssertTrue(scan.canStartOver)

        for i in stride(from: n - 1, through: 1, by: -1) {
            let (cw, version) = try codewords(i)
            await scan.addCodewords(cw, version: version)
            XCTAssertNil(scan.message)
            if i > 1 { XCTAssertEqual(scan.progressLine, "\(n)枚中\(n - i + 1)枚 読み取りました") }
        }
        XCTAssertNil(scan.progressLine)
        XCTAssertEqual(scan.resultLine, "お薬の記録を1件取り込みました。")
        XCTAssertEqual(scan.nextStepLine, ja(.medScanAnother))
        XCTAssertEqual(scan.importedCount, 1)

        // The camera still sees a code of the finished receipt: nothing changes.
        await scan.addCodewords(last, version: lastVersion)
        XCTAssertNil(scan.progressLine)
        XCTAssertNil(scan.message)
        XCTAssertEqual(scan.resultLine, "お薬の記録を1件取り込みました。")
        XCTAssertEqual(scan.importedCount, 1)

        // Another receipt after that one starts cleanly.
        let second = try receipt(dispensedOn: "20261201")
        let parity = second.reduce(UInt8(0), ^)
        let cut = second.startIndex + second.count / 2
        await scan.addCodewords(structuredAppendCodewords(second[cut...], position: 1, total: 2, parity: parity), version: 5)
        XCTAssertNil(scan.message)
        XCTAssertEqual(scan.progressLine, "2枚中1枚 読み取りました")
        XCTAssertNil(scan.resultLine)
        // Starting it again forgets its first code.
        await scan.reset()
        XCTAssertNil(scan.progressLine)
        await scan.addCodewords(structuredAppendCodewords(second[..<cut], position: 0, total: 2, parity: parity), version: 5)
        XCTAssertEqual(scan.progressLine, "2枚中1枚 読み取りました")
        await scan.addCodewords(structuredAppendCodewords(second[cut...], position: 1, total: 2, parity: parity), version: 5)
        XCTAssertEqual(scan.resultLine, "お薬の記録を1件取り込みました。")
        XCTAssertEqual(scan.importedCount, 2)

        let meds = try XCTUnwrap(app.makeMedications())
        await meds.load()
        XCTAssertEqual(meds.history.count, 2)
        XCTAssertEqual(meds.history.first?.arrivalLine, "明細書のQRコードから読み取り")
    }

    func testPhotosOfAnImportedReceiptAreAlreadyPresent() async throws {
        let n = try symbolCount()
        let (app, _) = try await notebook()
        let photos = try XCTUnwrap(app.makeMedicationScan())
        for i in 1...n { await photos.addPhoto(path: try fixture("receipt-qr-\(i).png").path) }
        XCTAssertNil(photos.message)
        XCTAssertEqual(photos.resultLine, "この明細書はもう取り込まれています。")
        XCTAssertEqual(photos.importedCount, 0)

        await photos.addPhoto(path: try fixture("receipt-qr-1.png").path)
        XCTAssertEqual(photos.resultLine, ja(.medPhotoAlreadyRead))

        await photos.addPhoto(path: try fixture("receipt.jahis").path)
        XCTAssertEqual(photos.message, ja(.errorPhotoFormat))

        let jpegless = try XCTUnwrap(app.makeMedicationScan())
        await jpegless.addPhoto(jpeg: Data("not a picture".utf8))
        XCTAssertEqual(jpegless.message, ja(.errorPhotoFormat))
    }

    func testAFileIsImportedAndTheNotebookListedFilteredAndSearched() async throws {
        let app = try await readyApp(self, clock: medicationClock)
        let meds = try XCTUnwrap(app.makeMedications())
        await meds.load()
        XCTAssertEqual(meds.title, "お薬手帳")
        XCTAssertEqual(meds.sectionTitle(.current), "いま飲んでいる薬")
        XCTAssertEqual(meds.currentEmptyLine, ja(.medCurrentEmpty))
        XCTAssertEqual(meds.historyEmptyLine, ja(.medHistoryEmpty))
        XCTAssertEqual(meds.pharmaciesEmptyLine, ja(.medPharmaciesEmpty))

        let data = try Data(contentsOf: try fixture("receipt.jahis"))
        await meds.importFile(data)
        XCTAssertNil(meds.message)
        XCTAssertEqual(meds.notice, "お薬の記録を1件取り込みました。")
        XCTAssertEqual(meds.current.map(\.title), ["テスト薬局 本通店"])
        let row = try XCTUnwrap(meds.current.first)
        XCTAssertEqual(row.kindName, "薬局でもらった薬")
        XCTAssertEqual(row.arrivalLine, "ファイルから取り込み")
        XCTAssertTrue(row.dayLine?.contains("11月20日") ?? false, row.dayLine ?? "no day")
        XCTAssertTrue(row.dayLine?.hasSuffix("にもらった薬") ?? false)
        XCTAssertEqual(row.names.count, 2)
        XCTAssertTrue(row.accessibilityLabel.contains("テスト薬局 本通店"))
        XCTAssertNil(meds.currentEmptyLine)
        XCTAssertEqual(meds.history.map(\.id), [row.id])
        XCTAssertFalse(meds.canLoadMore)

        XCTAssertEqual(meds.pharmacies.map(\.name), ["テスト薬局 本通店"])
        XCTAssertEqual(meds.pharmacies.first?.countLine, "1回 お薬をもらいました")
        XCTAssertTrue(meds.pharmacies.first?.latestLine?.hasPrefix("最後にもらった日：") ?? false)
        meds.show(.pharmacies)
        XCTAssertEqual(meds.section, .pharmacies)
        await meds.choosePharmacy("0123456")
        XCTAssertEqual(meds.pharmacyHistoryTitle, "テスト薬局 本通店 でもらった薬")
        XCTAssertEqual(meds.pharmacyHistory.map(\.id), [row.id])
        await meds.choosePharmacy(nil)
        XCTAssertNil(meds.selectedPharmacy)
        XCTAssertEqual(meds.pharmacyHistory, [])

        await meds.search("あむろじぴん")
        XCTAssertEqual(meds.searchResults?.map(\.id), [row.id])
        XCTAssertEqual(meds.searchResultsTitle, "「あむろじぴん」で見つかった記録")
        await meds.search("ロキソニン")
        XCTAssertEqual(meds.searchResults, [])
        XCTAssertEqual(meds.searchEmptyLine, ja(.medSearchEmpty, "ロキソニン"))
        await meds.search("  ")
        XCTAssertNil(meds.searchResults)
        XCTAssertNil(meds.searchEmptyLine)

        await meds.importFile(data)
        XCTAssertEqual(meds.notice, "このファイルの記録は、もう取り込まれています。")
        XCTAssertEqual(meds.history.count, 1)

        await meds.importFile(Data("JAHIS10\r\n".utf8))
        XCTAssertEqual(meds.message, ja(.errorPrescriptionQr))
        XCTAssertNil(meds.notice)

        // Offline: the sync says so, and the notebook is read again.
        await meds.syncNow()
        XCTAssertEqual(meds.current.map(\.id), [row.id])
        XCTAssertNil(meds.message)
    }

    func testTheHistoryAddsPagesBelowWhatIsShown() async throws {
        let app = try await readyApp(self, clock: medicationClock)
        let meds = try XCTUnwrap(app.makeMedications())
        for day in 1...31 {
            await meds.importFile(try receipt(dispensedOn: String(format: "202610%02d", day)))
            XCTAssertNil(meds.message)
        }
        XCTAssertEqual(meds.history.count, Int(MedicationsModel.pageSize))
        XCTAssertTrue(meds.canLoadMore)
        let firstPage = meds.history.map(\.id)
        await meds.loadMore()
        XCTAssertEqual(meds.history.count, 31)
        XCTAssertEqual(Array(meds.history.map(\.id).prefix(firstPage.count)), firstPage)
        XCTAssertEqual(Set(meds.history.map(\.id)).count, 31)
        XCTAssertFalse(meds.canLoadMore)
        XCTAssertEqual(meds.current, [], "October's 28 days are over by December 17")

        await meds.choosePharmacy("0123456")
        XCTAssertEqual(meds.pharmacyHistory.count, Int(MedicationsModel.pageSize))
        XCTAssertTrue(meds.canLoadMorePharmacy)
        await meds.loadMorePharmacy()
        XCTAssertEqual(meds.pharmacyHistory.count, 31)
        XCTAssertEqual(meds.pharmacies.first?.countLine, "31回 お薬をもらいました")
    }

    func testTheDetailIsReadyToDrawAndCanBeHidden() async throws {
        let (app, meds) = try await notebook()
        let id = try XCTUnwrap(meds.history.first?.id)
        let detail = try XCTUnwrap(app.makeMedicationDetail(id))
        await detail.load()
        XCTAssertNil(detail.message)
        XCTAssertEqual(detail.title, "薬局でもらった薬")
        XCTAssertEqual(detail.provenanceLine, "ファイルから取り込み")
        XCTAssertEqual(detail.pharmacy?.name, "テスト薬局 本通店")
        XCTAssertEqual(detail.pharmacy?.heading, "お薬をもらった薬局")

        let rp = try XCTUnwrap(detail.rps.first)
        XCTAssertEqual(rp.formName, "飲み薬")
        XCTAssertEqual(rp.drugs.map(\.name), ["アムロジピン錠５ｍｇ「テスト」", "ﾒﾄﾎﾙﾐﾝ塩酸塩錠250mg"])
        XCTAssertEqual(rp.drugs[0].doseLine, "1日量 1錠")
        let metformin = rp.drugs[1]
        let dose = try XCTUnwrap(metformin.doseLine)
        XCTAssertTrue(dose.contains("1日量") && dose.contains("2錠"), dose)
        XCTAssertEqual(metformin.notes, ["※朝１錠、夕１錠"])
        XCTAssertTrue(metformin.accessibilityLabel.contains("※朝１錠、夕１錠"))
        let howToTake = try XCTUnwrap(rp.howToTakeLine)
        XCTAssertTrue(howToTake.contains("28日分"), howToTake)
        XCTAssertEqual(howToTake, "【１日２回 朝夕食後】　28日分")
        let everyNote = detail.cautions + detail.notes + rp.notes + rp.drugs.flatMap(\.notes)
        XCTAssertTrue(everyNote.contains { $0.contains("めまいが出たら相談してください。") }, "\(everyNote)")
        XCTAssertTrue(detail.cautions.allSatisfy { $0.hasPrefix("※") })
        XCTAssertTrue(rp.notes.allSatisfy { $0.hasPrefix("※") })

        XCTAssertTrue(detail.canHide)
        detail.askToHide()
        XCTAssertTrue(detail.confirmingHide)
        detail.cancelHide()
        XCTAssertFalse(detail.confirmingHide)
        XCTAssertFalse(detail.hidden)
        detail.askToHide()
        await detail.confirmHide()
        XCTAssertFalse(detail.confirmingHide)
        XCTAssertTrue(detail.hidden)
        XCTAssertFalse(detail.canHide)
        XCTAssertEqual(detail.message, ja(.medHiddenDone))
        XCTAssertEqual(detail.row?.notes, [ja(.medHiddenNote)])

        await meds.load()
        XCTAssertEqual(meds.history, [])
        XCTAssertEqual(meds.current, [])
    }

    func testTheDetailInEnglish() async throws {
        let (app, meds) = try await notebook(wording: en)
        XCTAssertEqual(meds.notice, "Medication records imported: 1.")
        let detail = try XCTUnwrap(app.makeMedicationDetail(try XCTUnwrap(meds.history.first?.id)))
        await detail.load()
        let rp = try XCTUnwrap(detail.rps.first)
        XCTAssertEqual(rp.formName, "Medicine to swallow")
        XCTAssertEqual(rp.drugs[1].doseLine, "2 錠 per day")
        XCTAssertEqual(rp.drugs[1].notes, ["Note: 朝１錠、夕１錠"])
        XCTAssertEqual(rp.howToTakeLine, "【１日２回 朝夕食後】, for 28 days")
        XCTAssertEqual(detail.provenanceLine, "Imported from a file")
    }

    func testTheNotebookIsExportedForSharing() async throws {
        let (_, meds) = try await notebook()
        await meds.export()
        XCTAssertNil(meds.message)
        let file = try XCTUnwrap(meds.exported)
        XCTAssertEqual(String(decoding: file.data.prefix(11), as: UTF8.self), "JAHISTC08,2")
        XCTAssertEqual(file.fileName, "okusuri-techo.jahis")
        XCTAssertEqual(file.url.lastPathComponent, "okusuri-techo.jahis")
        XCTAssertEqual(try Data(contentsOf: file.url), file.data)
        XCTAssertEqual(meds.notice, ja(.medExportReady))
        addTeardownBlock { try? FileManager.default.removeItem(at: file.url.deletingLastPathComponent()) }
    }

    func testMedicationWordingInBothLanguages() {
        XCTAssertEqual(ja.doseMeaningName(.daily), "1日量")
        XCTAssertEqual(ja.doseMeaningName(.perDose), "1回量")
        XCTAssertEqual(ja.doseMeaningName(.total), "全量")
        XCTAssertEqual(ja.quantityLine(28, unit: .days), "28日分")
        XCTAssertEqual(ja.quantityLine(10, unit: .times), "10回分")
        XCTAssertEqual(en.quantityLine(10, unit: .times), "10 doses")
        XCTAssertEqual(ja.dosageFormName(.asNeeded), "頓服（必要なときに飲む薬）")
        XCTAssertEqual(ja.dosageFormName(.external), "塗り薬・貼り薬など")
        XCTAssertEqual(ja.arrivalLine(.synced), "HMネットから届きました")
        XCTAssertEqual(ja.scanProgressLine(ScanGroup(have: 1, total: 2, qrCodes: true)), "2枚中1枚 読み取りました")
        XCTAssertEqual(en.scanProgressLine(ScanGroup(have: 1, total: 2, qrCodes: true)), "Read 1 of 2")
        let skipped = MedicationImportResult(added: 3, alreadyPresent: 0, skippedDispensings: 1, issues: [])
        XCTAssertEqual(ja.importLines([skipped]), [
            "お薬の記録を3件取り込みました。",
            "一部の記録は、データに誤りがあったため取り込めませんでした。明細書を持って、薬局にご相談ください。",
        ])
        let present = MedicationImportResult(added: 0, alreadyPresent: 1, skippedDispensings: 0, issues: [])
        XCTAssertEqual(ja.importLines([present]), ["この明細書はもう取り込まれています。"])
        XCTAssertEqual(en.importLines([present]), ["This receipt is already in your notebook."])
        let nothing = MedicationImportResult(added: 0, alreadyPresent: 0, skippedDispensings: 0, issues: [])
        XCTAssertEqual(ja.importLines([nothing]), [ja(.medNothingImported)])
        XCTAssertEqual(ja.message(for: ApiError.Import(problem: .prescriptionSymbol, reason: "x")), ja(.errorPrescriptionQr))
    }
}
