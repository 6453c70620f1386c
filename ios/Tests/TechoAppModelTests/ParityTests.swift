// The scenario of wording/parity.tsv through this app's screen models against the real core; the
// Android app's ParityTest runs the same scenario and compares with the same file, so both apps
// show the same thing.
import Foundation
import TechoAppModel
import TechoKit
import XCTest

@MainActor
final class ParityTests: XCTestCase {
    func testTheScenarioShowsWhatBothAppsShow() async throws {
        let path = try XCTUnwrap(ProcessInfo.processInfo.environment["TECHO_PARITY"], "run through ios/scripts/test-linux.sh")
        var expected: [String: String] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        where !line.hasPrefix("#") && line.contains("\t") {
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            expected[parts[0]] = parts[1]
        }

        var shown: [String: String] = [:]
        let app = try await readyApp(self) // 34001234 「山田 花子」, oneself, never signed in
        let profiles = try XCTUnwrap(app.makeProfiles())
        profiles.newHmCode = "34005678"
        profiles.newName = "山田 トメ"
        await profiles.addFamilyMember()
        shown["profiles.added"] = profiles.message
        shown["profiles.title"] = profiles.title
        shown["profiles.relationships"] = profiles.people.map(\.relationship).joined(separator: "・")
        shown["kind.names"] = [VitalKind.weight, .temperature, .bloodPressure, .glucose, .steps]
            .map { ja.kindName($0) }.joined(separator: "・")

        let at = jstDate(2025, 11, 20, 7)
        let bp = try await record(app, .bloodPressure, at: at) {
            $0.systolic = "185"
            $0.diastolic = "95"
            $0.pulse = "70"
            $0.bpContext = .morning
        }
        shown["reading.bp"] = try ReadingRow(XCTUnwrap(bp.saved), wording: ja).value
        shown["warning.bp"] = bp.warnings.first
        let glucose = try await record(app, .glucose, at: at.addingTimeInterval(60)) {
            $0.glucose = "5.5"
            $0.glucoseUnit = .mmolPerL
            $0.glucoseTiming = .fasting
        }
        shown["reading.glucose"] = try ReadingRow(XCTUnwrap(glucose.saved), wording: ja).value
        let weight = try await record(app, .weight, at: at.addingTimeInterval(120)) { $0.weight = "60.25" }
        shown["reading.weight"] = try ReadingRow(XCTUnwrap(weight.saved), wording: ja).value
        let steps = try await record(app, .steps, at: at.addingTimeInterval(180)) { $0.steps = "8000" }
        shown["reading.steps"] = try ReadingRow(XCTUnwrap(steps.saved), wording: ja).value

        let sync = try XCTUnwrap(app.sync)
        await sync.refresh()
        shown["sync.line"] = sync.line

        let history = try XCTUnwrap(app.makeHistory(.bloodPressure))
        await history.load()
        for (i, line) in history.referenceLines.enumerated() { shown["chart.bp.reference.\(i + 1)"] = line.label }
        shown["chart.bp.point.day"] = history.points.first?.accessibilityLabel
        await history.choose(history.periods[1])
        shown["chart.bp.point.week"] = history.points.first?.accessibilityLabel
        await history.choose(history.periods[2])
        shown["chart.bp.point.month"] = history.points.first?.accessibilityLabel

        await profiles.load()
        let mother = try XCTUnwrap(profiles.people.first { $0.name == "山田 トメ" })
        await profiles.askToRemove(mother.id)
        shown["profiles.removeQuestion"] = profiles.pendingRemoval?.question
        profiles.cancelRemoval()
        // 花子's readings are not sent yet, and this phone never signed in: only removing without
        // sending is offered.
        await profiles.askToRemove(try XCTUnwrap(profiles.people.first { $0.name == "山田 花子" }).id)
        shown["profiles.sendThenRemove"] = profiles.pendingRemoval.map { $0.sendFirstTitle ?? "(none)" }
        shown["profiles.removeWithoutSending"] = profiles.pendingRemoval?.removeTitle
        profiles.cancelRemoval()

        let summary = try XCTUnwrap(app.makeBpSummary())
        await summary.load()
        shown["bp.title"] = summary.title
        shown["bp.headline"] = summary.classLine
        shown["bp.morning"] = summary.morningLine
        shown["bp.evening"] = summary.eveningLine
        shown["bp.disclaimer"] = summary.disclaimer

        // Refused input, each through the form that would show it beside its field.
        let weight2 = try await record(app, .weight, at: at) { $0.weight = "abc" }
        shown["problem.weight.notANumber"] = weight2.problem(.weight)
        let noUpper = try await record(app, .bloodPressure, at: at) { $0.diastolic = "80" }
        shown["problem.systolic.empty"] = noUpper.problem(.systolic)
        let swapped = try await record(app, .bloodPressure, at: at) {
            $0.systolic = "120"
            $0.diastolic = "130"
        }
        shown["problem.diastolic.notBelowSystolic"] = swapped.problem(.diastolic)
        let people: [(code: String, name: String, key: String, field: Field)] = [
            ("34005678", "山田 トメ", "error.profileExists", .hmCode),
            ("x", "山田 次郎", "problem.hmCode.invalid", .hmCode),
            ("34009999", "", "problem.displayName.empty", .displayName),
        ]
        for (code, name, key, field) in people {
            profiles.newHmCode = code
            profiles.newName = name
            await profiles.addFamilyMember()
            shown[key] = profiles.problems.byField[field]
        }

        // Texts that need no data: the first run (already behind this phone) and a missing person.
        shown["firstRun.title"] = ja(.firstRunWelcome)
        shown["home.history"] = ja(.homeHistory)
        shown["firstRun.intro"] = ja(.firstRunIntro)
        shown["firstRun.link"] = ja(.firstRunLink)
        shown["firstRun.signInIntro"] = ja(.firstRunSignInIntro)
        shown["firstRun.haveAccount"] = ja(.firstRunHaveAccount)
        shown["firstRun.firstTime"] = ja(.firstRunFirstTime)
        shown["firstRun.activationCode"] = ja(.firstRunActivationCode)
        shown["firstRun.activate"] = ja(.firstRunActivate)
        shown["firstRun.later"] = ja(.firstRunLater)
        shown["error.noActiveProfile"] = ja.message(for: ApiError.NoActiveProfile)
        let sevenFive = Date(timeIntervalSince1970: 1_763_589_900)  // 2025-11-20 07:05 JST
        shown["date.dateTime"] = ja.dateTime(sevenFive, utcOffsetMinutes: 540)
        shown["date.long"] = ja.day(CalendarDay(year: 2025, month: 11, day: 20))
        for (key, why) in [("invalidData", RefusalReason.invalidData), ("notAllowed", .notAllowed), ("tooLarge", .tooLarge),
                           ("changedElsewhere", .changedElsewhere), ("notAccepted", .notAccepted),
                           ("waitsForAnother", .waitsForAnother), ("storageFull", .storageFull), ("photoMissing", .photoMissing),
                           ("other", .other)] {
            shown["refused.reason.\(key)"] = ja.refusedReason(why)
        }
        for (key, family) in [("vital", RecordFamily.vital), ("medication", .medication), ("emergencySheet", .emergencySheet),
                              ("checkup", .checkup), ("photo", .photo), ("other", .other)] {
            shown["refused.family.\(key)"] = ja.familyName(family)
        }
        // A run sending a photo of 5 bytes, 2 of which the server holds.
        shown["sync.uploading"] = ja.syncRunning(SyncProgress(phase: .uploading, pushed: 0, pulled: 0, pending: 1, lastError: nil,
                                                              uploadSent: 2, uploadSize: 5, uploadPercent: 40))
        // A checkup entry's fields and the problems only checkups have, and a refused 命の宝箱 field.
        for (key, field) in [("checkupDate", Field.checkupDate), ("checkupKind", .checkupKind), ("institution", .institution),
                             ("pages", .pages), ("items", .items), ("itemCode", .itemCode), ("itemValue", .itemValue),
                             ("itemUnit", .itemUnit), ("itemMethod", .itemMethod)] {
            shown["field.\(key)"] = ja.fieldName(field)
        }
        shown["problem.pages.tooMany"] = ja.problem(.tooMany(max: 20), field: .pages)
        shown["problem.itemCode.duplicate"] = ja.problem(.duplicate, field: .itemCode)
        shown["error.documentField.empty"] =
            ja.message(for: ApiError.DocumentField(key: "medical.blood_type", problem: .empty, reason: "must not be empty"))

        // 命の宝箱 of 花子: a refused date beside its field, then the blood type saved.
        let box = try XCTUnwrap(app.makeEmergencySheet())
        await box.load()
        shown["box.title"] = box.title
        shown["box.empty"] = box.emptyLine
        box.startEdit("identity")
        box.setDraft("identity.birth_date", "昭和16年3月9日")
        await box.saveEdit()
        shown["box.problem.birthDate"] = box.fieldProblems["identity.birth_date"]
        box.startEdit("medical")
        box.setDraft("medical.blood_type", "AB")
        await box.saveEdit()
        shown["box.bloodType"] = box.groups.first { $0.key == "medical" }?.fields.first { $0.key == "medical.blood_type" }?.shown
        shown["box.history.changed"] = box.history.first?.changed
        shown["box.reviewDue"] = ja(.boxReviewDue)

        // 花子's checkups (step 7): the empty list, one added through the form, and what the list,
        // the detail, the trend and the home screen say about it.
        let checkups = try XCTUnwrap(app.makeCheckups())
        await checkups.load()
        shown["checkup.title"] = checkups.title
        shown["checkup.empty"] = checkups.emptyLine
        shown["checkup.add"] = checkups.addTitle
        let fixtures = try XCTUnwrap(ProcessInfo.processInfo.environment["TECHO_FIXTURES"], "the receipt fixtures")
        let form = try await addScenarioCheckup(app, photo: URL(fileURLWithPath: fixtures).appendingPathComponent("receipt-qr-1.png"))
        shown["checkup.saved"] = form.notice
        await checkups.load()
        let entry = try XCTUnwrap(checkups.entries.first)
        shown["checkup.entry.title"] = entry.title
        shown["checkup.entry.institution"] = entry.institution
        shown["checkup.entry.counts"] = entry.counts
        shown["checkup.entry.worst"] = entry.worst
        let checkup = try XCTUnwrap(app.makeCheckupDetail(entry.id))
        await checkup.load()
        let item = { (code: String) in checkup.items.first { $0.code == code } }
        shown["checkup.item.hba1c"] = item(hba1cCode)?.line
        shown["checkup.judgement.seeDoctor"] = item(hba1cCode)?.judgementLine
        shown["checkup.judgement.guidance"] = item(fastingGlucoseCode)?.judgementLine
        shown["checkup.judgement.normal"] = item(systolicCode)?.judgementLine
        shown["checkup.judgement.noThresholds"] = ja.checkupJudgement(.noThresholds)
        shown["checkup.judgement.sexNeeded"] = ja.checkupJudgement(.sexNeeded)
        shown["checkup.judgement.unknownItem"] = ja.checkupJudgement(.unknownItem)
        shown["checkup.worst.normal"] = ja.checkupWorst(.normal)
        shown["checkup.worst.guidance"] = ja.checkupWorst(.guidance)
        let trend = try XCTUnwrap(app.makeCheckupTrend(hba1cCode))
        await trend.load()
        shown["checkup.trend.title"] = trend.title
        shown["checkup.trend.point"] = trend.points.first?.line
        let home = try XCTUnwrap(app.makeHome())
        await home.load()
        shown["home.latestCheckup"] = home.latestCheckupLine
        for (key, kind) in [("tokutei", CheckupKind.tokutei), ("teiki", .teiki), ("other", .other)] {
            shown["checkup.kind.\(key)"] = ja.checkupKindName(kind)
        }
        checkup.askToDelete()
        shown["checkup.deleteQuestion"] = checkup.deleteQuestion
        checkup.cancelDelete()

        // Photos that did not fit after a merge (step 8), read from the wording tables as the
        // texts of step 6 are: the two-phone scenario that shows them is in the sheet's tests.
        shown["pages.waiting.title"] = ja(.pagesWaitingTitle)
        shown["pages.waiting.explain.box"] = ja(.pagesWaitingExplainBox)
        shown["pages.waiting.explain.checkup"] = ja(.pagesWaitingExplainCheckup)
        shown["pages.waiting.discardQuestion"] = ja(.pagesWaitingDiscardQuestion)
        shown["checkup.removePageQuestion"] = ja(.checkupRemovePageQuestion, "2")

        // Printing 命の宝箱 (step 9), read from the wording tables as step 8's texts are: the
        // sheet's tests print through a recording printer.
        shown["box.print.button"] = ja(.boxPrintButton)
        shown["box.print.explain"] = ja(.boxPrintExplain)
        shown["box.print.failed"] = ja(.boxPrintFailed)
        // Versions other phones saved, when the server could not be asked (step 10): the sheet's
        // tests show it offline after a second phone's sync.
        shown["box.history.onlyHere"] = ja(.boxHistoryOnlyHere)

        await profiles.switchTo(mother.id)
        shown["profiles.switched"] = profiles.message

        XCTAssertEqual(shown, expected)
    }
}
