// Printing 命の宝箱 and sending photos in a longer background run, over a real core: the page the
// core makes reaches a printer that records what it was given (the app's is AirPrint), each way
// a print can end is said (or not) as the model decides, and a photo waiting to be sent asks iOS
// for the longer run.
import Foundation
@testable import TechoAppModel
import TechoKit
import XCTest

/// A printer that keeps every job and answers with `outcome`; with `holding`, it waits until
/// `release()` as the print screen would while the person chooses.
@MainActor
final class RecordingPrinter: SheetPrinter {
    struct Job: Equatable {
        let html: String
        let jobName: String
    }

    private(set) var jobs: [Job] = []
    /// What the next job answers.
    var outcome: PrintOutcome
    private let holding: Bool
    private var waiting: CheckedContinuation<Void, Never>?

    init(_ outcome: PrintOutcome = .printed, holding: Bool = false) {
        self.outcome = outcome
        self.holding = holding
    }

    func print(html: String, jobName: String) async -> PrintOutcome {
        jobs.append(Job(html: html, jobName: jobName))
        if holding { await withCheckedContinuation { waiting = $0 } }
        return outcome
    }

    var isHolding: Bool { waiting != nil }

    func release() {
        waiting?.resume()
        waiting = nil
    }
}

@MainActor
final class SheetPrintingTests: XCTestCase {
    private func sheet(_ printer: RecordingPrinter?, wording: Wording = ja) async throws -> (AppModel, EmergencySheetModel) {
        let app = try await readyApp(self, wording: wording)
        let model = try XCTUnwrap(app.makeEmergencySheet(printer: printer))
        await model.load()
        XCTAssertNil(model.message)
        return (app, model)
    }

    func testTheSavedSheetIsPrintedUnderThePersonsName() async throws {
        let printer = RecordingPrinter()
        let (_, model) = try await sheet(printer)
        XCTAssertTrue(model.canPrint)
        XCTAssertEqual(model.printTitle, "印刷する")
        XCTAssertEqual(model.printExplanation, "A4の紙に印刷できます。冷蔵庫に入れておくと、救急隊が見つけられます。")
        model.startEdit("medical")
        model.setDraft("medical.blood_type", "AB")
        await model.saveEdit()
        XCTAssertNil(model.message)

        await model.printSheet()
        XCTAssertEqual(printer.jobs.count, 1)
        let job = try XCTUnwrap(printer.jobs.first)
        XCTAssertEqual(job.jobName, "命の宝箱 山田 花子")
        XCTAssertTrue(job.html.contains("<th>血液型</th><td>AB型</td>"), "the saved blood type is on the page")
        XCTAssertTrue(job.html.contains("size: A4"), "laid out for one A4 page")
        XCTAssertNil(model.printProblem)
        XCTAssertFalse(model.isPrinting)
    }

    func testANewSheetPrintsAsABlankFormToFillInByHand() async throws {
        let printer = RecordingPrinter()
        let (_, model) = try await sheet(printer)
        XCTAssertNotNil(model.emptyLine)
        await model.printSheet()
        XCTAssertTrue(printer.jobs.first?.html.contains("<th>お名前</th>") ?? false)
        XCTAssertNil(model.printProblem)
    }

    func testAPrinterThatFailsIsSaidAndTheNextTryClearsIt() async throws {
        let failing = RecordingPrinter(.failed)
        let (_, model) = try await sheet(failing)
        await model.printSheet()
        XCTAssertEqual(failing.jobs.count, 1)
        XCTAssertEqual(model.printProblem, "印刷できませんでした。もう一度お試しください。")
        XCTAssertFalse(model.isPrinting, "the button can be pressed again")
        XCTAssertNil(model.notice)
        failing.outcome = .printed
        await model.printSheet()
        XCTAssertEqual(failing.jobs.count, 2)
        XCTAssertNil(model.printProblem, "printed this time: the problem is gone")
    }

    func testClosingThePrintScreenSaysNothing() async throws {
        let cancelling = RecordingPrinter(.cancelled)
        let (_, model) = try await sheet(cancelling)
        await model.printSheet()
        XCTAssertEqual(cancelling.jobs.count, 1)
        XCTAssertNil(model.printProblem)
        XCTAssertNil(model.message)
        XCTAssertNil(model.notice)
    }

    func testAPageTheCoreCannotMakeIsSaidTheSameWay() async throws {
        let printer = RecordingPrinter()
        let app = try await readyApp(self)
        let access = try XCTUnwrap(app.access)
        let mother = try await access.run { try $0.addProfile(hmCode: "34005678", displayName: "山田 トメ", relationship: .family) }
        let model = EmergencySheetModel(access: access, wording: ja, clock: pinnedClock, profile: mother, printer: printer)
        _ = try await access.run { try $0.removeProfile(profileId: mother.id, discardUnsent: true) }
        await model.printSheet()
        XCTAssertEqual(printer.jobs, [], "nothing reaches the printer")
        XCTAssertEqual(model.printProblem, "印刷できませんでした。もう一度お試しください。")
    }

    func testASecondPressWhileTheFirstIsUnderWayPrintsOnce() async throws {
        let printer = RecordingPrinter(holding: true)
        let (_, model) = try await sheet(printer)
        let first = Task { await model.printSheet() }
        let holding = await eventually(within: 10) { printer.isHolding }
        XCTAssertTrue(holding, "the first press reached the print screen")
        XCTAssertTrue(model.isPrinting)
        await model.printSheet()
        XCTAssertEqual(printer.jobs.count, 1)
        printer.release()
        await first.value
        XCTAssertEqual(printer.jobs.count, 1)
        XCTAssertFalse(model.isPrinting, "once the first is over, the button prints again")
    }

    func testWithoutAPrinterNoButtonIsOffered() async throws {
        let (_, model) = try await sheet(nil)
        XCTAssertFalse(model.canPrint)
        await model.printSheet()
        XCTAssertNil(model.printProblem)
    }

    func testPrintingInEnglish() async throws {
        let printer = RecordingPrinter(.failed)
        let (_, model) = try await sheet(printer, wording: en)
        XCTAssertEqual(model.printTitle, "Print")
        XCTAssertEqual(model.printExplanation,
                       "You can print this on A4 paper. Keep it in your refrigerator, where paramedics can find it.")
        await model.printSheet()
        XCTAssertEqual(printer.jobs.first?.jobName, "Emergency information sheet, 山田 花子")
        XCTAssertEqual(model.printProblem, "It could not be printed. Please try again.")
    }

    // MARK: Photos in a longer background run

    func testAPhotoWaitingToBeSentAsksForTheLongerBackgroundRun() async throws {
        let (app, model) = try await sheet(nil)
        let nothingYet = await app.photosWaitingToSend()
        XCTAssertFalse(nothingYet, "nothing to send: no longer run")

        model.startEdit("medical")
        model.setDraft("medical.blood_type", "AB")
        await model.saveEdit()
        let onlyAField = await app.photosWaitingToSend()
        XCTAssertFalse(onlyAField, "a field alone goes in the ordinary refresh")

        await model.addPhoto(path: try tinyPhoto(self, 1).path)
        XCTAssertNil(model.message)
        let notSignedIn = await app.photosWaitingToSend()
        XCTAssertFalse(notSignedIn, "nobody signed in on this phone: no run could send it")
        let status = try XCTUnwrap(app.sync?.status)
        XCTAssertEqual(status.pendingUploads, 1)

        // The same count on a phone a run could send it from, as the core words it.
        func on(_ state: SyncState) -> SyncStatus {
            SyncStatus(state: state,
                       account: Account(serverUrl: "http://127.0.0.1:9", hmCode: "34001234", patients: ["34001234"]),
                       pending: status.pending, wedged: 0, pendingUploads: status.pendingUploads, running: false,
                       lastProgress: nil, lastReport: nil, lastSuccess: nil)
        }
        XCTAssertTrue(SyncCoordinator.wantsLongerRun(on(.pending(count: status.pending))),
                      "the photo waits to be sent: ask for the longer run")
        XCTAssertTrue(SyncCoordinator.wantsLongerRun(on(.offline(pending: status.pending))),
                      "offline now: the run waits for a network")
        XCTAssertFalse(SyncCoordinator.wantsLongerRun(on(.needsLogin)), "asked to sign in again: the person acts first")
    }
}
