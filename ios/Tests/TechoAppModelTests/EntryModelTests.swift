// The entry form sends text as typed and shows what the core says, beside the right field.
import Foundation
import TechoAppModel
import TechoKit
import XCTest

@MainActor
final class EntryModelTests: XCTestCase {
    func testTextGoesToTheCoreAsTyped() async throws {
        let app = try await readyApp(self)
        let entry = try await record(app, .weight, at: jstDate(2025, 11, 20, 7)) { $0.weight = "６１．２" }
        XCTAssertTrue(entry.problems.isEmpty)
        XCTAssertEqual(entry.saved?.asInput, .weight(kg: "61.2"))
        XCTAssertEqual(entry.savedLine, "保存しました。")
        XCTAssertEqual(entry.title, "体重を記録する")
        XCTAssertEqual(entry.actingForLine, "山田 花子さんの手帳")
    }

    func testTheRefusedFieldGetsTheMessage() async throws {
        let app = try await readyApp(self)
        let entry = try await record(app, .weight, at: jstDate(2025, 11, 20, 7)) { $0.weight = "abc" }
        XCTAssertNil(entry.saved)
        XCTAssertEqual(entry.problem(.weight), "体重は数字で入力してください。")
        XCTAssertEqual(entry.problems.general, ja(.entryFixErrors))
        XCTAssertEqual(entry.accessibilityLabel(.weight), "体重は数字で入力してください。", "the field named once")

        let bp = try await record(app, .bloodPressure, at: jstDate(2025, 11, 20, 7)) {
            $0.systolic = "80"
            $0.diastolic = "120"
        }
        XCTAssertNil(bp.problem(.systolic))
        XCTAssertEqual(bp.problem(.diastolic), ja(.problemNotBelowSystolic))

        let far = try await record(app, .temperature, at: jstDate(2025, 11, 20, 7)) { $0.temperature = "45" }
        XCTAssertEqual(far.problem(.temperature), "体温は30〜43 ℃の間で入力してください。測った値を確かめてください。")

        let fixed = try await record(app, .temperature, at: jstDate(2025, 11, 20, 7)) { $0.temperature = "36.8" }
        XCTAssertTrue(fixed.problems.isEmpty)
    }

    func testTwoQuickTapsOnSaveRecordOnce() async throws {
        let app = try await readyApp(self)
        let entry = try XCTUnwrap(app.makeEntry(.weight))
        entry.pick(try pickedDateTime(at: jstDate(2025, 11, 20, 7), utcOffsetMinutes: 540))
        entry.weight = "60.1"
        async let first: Void = entry.save()
        async let second: Void = entry.save()
        _ = await (first, second)
        let history = try XCTUnwrap(app.makeHistory(.weight))
        await history.load()
        XCTAssertEqual(history.rows.count, 1, "the second tap saved nothing")
    }

    func testImplausibleReadingsAreSavedWithWordedWarnings() async throws {
        let app = try await readyApp(self)
        let entry = try await record(app, .bloodPressure, at: jstDate(2025, 11, 20, 7)) {
            $0.systolic = "185"
            $0.diastolic = "95"
            $0.pulse = "72"
        }
        XCTAssertNotNil(entry.saved)
        XCTAssertEqual(entry.warnings, ["上の血圧が180 mmHg以上です。"])
        XCTAssertEqual(entry.savedLine, ja(.warningNextStep))

        entry.startAnother()
        XCTAssertEqual(entry.systolic, "")
        XCTAssertNil(entry.savedLine)
    }

    func testDefaultsComeFromTheCoreAndGlucoseShowsTheCoresConversion() async throws {
        let app = try await readyApp(self)
        let entry = try XCTUnwrap(app.makeEntry(.bloodPressure))
        entry.pick(try pickedDateTime(at: jstDate(2025, 11, 20, 7), utcOffsetMinutes: 540))
        await entry.loadDefaults()
        XCTAssertEqual(entry.bpContext, .morning)

        let glucose = try await record(app, .glucose, at: jstDate(2025, 11, 20, 7)) {
            $0.glucose = "5.5"
            $0.glucoseUnit = .mmolPerL
            $0.glucoseTiming = .fasting
        }
        let vital = try XCTUnwrap(glucose.saved)
        XCTAssertEqual(ReadingRow(vital, wording: ja).value, "5.5 mmol/L（99 mg/dL）・空腹時")
    }

    func testAPickedTimeIsReadInThePhoneZoneAndACorrectionKeepsTheOffsetItWasTakenIn() async throws {
        // A phone in New York at 11:00 on 8 March 2026, the day its clocks went from 02:00 to 03:00.
        let newYork = try XCTUnwrap(TimeZone(identifier: "America/New_York"))
        let app = try await readyApp(self, clock: LocalClock(now: { Date(timeIntervalSince1970: 1_772_982_000) }, timeZone: newYork))
        func march8(_ hour: UInt32, _ minute: UInt32) -> PickedDateTime {
            PickedDateTime(day: CalendarDay(year: 2026, month: 3, day: 8), hour: hour, minute: minute)
        }
        let entry = try XCTUnwrap(app.makeEntry(.weight))
        XCTAssertEqual(entry.picked, march8(11, 0))
        entry.pick(march8(2, 30))
        XCTAssertEqual(entry.measuredAt, Date(timeIntervalSince1970: 1_772_955_000))
        XCTAssertEqual(entry.utcOffsetMinutes, -240)
        XCTAssertEqual(entry.picked, march8(3, 30), "the time the clocks skipped moved forward")
        XCTAssertEqual(entry.dayLine, "2026年3月8日（日）")
        XCTAssertEqual(entry.timeLine, "3:30")
        XCTAssertEqual(entry.changeTimeHint, "時刻を変える")
        entry.pickerDay = entry.pickerDay
        entry.pickerTime = entry.pickerTime
        XCTAssertEqual(entry.picked, march8(3, 30), "the pickers hand back the day and time they show")
        // The calendar shows the phone's today; the day read from it is the day on it.
        var newYorkCalendar = Calendar(identifier: .gregorian)
        newYorkCalendar.timeZone = newYork
        entry.pickerDay = try XCTUnwrap(newYorkCalendar.date(from: DateComponents(year: 2026, month: 3, day: 7, hour: 23)))
        XCTAssertEqual(entry.picked, PickedDateTime(day: CalendarDay(year: 2026, month: 3, day: 7), hour: 3, minute: 30))
        entry.pick(march8(3, 30))
        entry.weight = "61.2"
        await entry.save()
        let saved = try XCTUnwrap(entry.saved)

        // Corrected to 02:30, a time New York skipped that day: read in the reading's own -04:00.
        let reading = try XCTUnwrap(app.makeReading(saved.id))
        await reading.load()
        let correction = try XCTUnwrap(reading.makeCorrection())
        XCTAssertEqual(correction.picked, march8(3, 30))
        correction.pick(march8(2, 30))
        XCTAssertEqual(correction.picked, march8(2, 30))
        await correction.save()
        let corrected = try XCTUnwrap(correction.saved)
        XCTAssertEqual(corrected.measuredAt, Date(timeIntervalSince1970: 1_772_951_400))
        XCTAssertEqual(corrected.utcOffsetMinutes, -240)
    }

    func testACorrectionIsPrefilledAndKeepsTheOriginalInTheHistory() async throws {
        let app = try await readyApp(self)
        let first = try await record(app, .weight, at: jstDate(2025, 11, 20, 7)) { $0.weight = "61.2" }
        let reading = try XCTUnwrap(app.makeReading(try XCTUnwrap(first.saved?.id)))
        await reading.load()
        XCTAssertTrue(reading.canChange)

        let correction = try XCTUnwrap(reading.makeCorrection())
        XCTAssertEqual(correction.weight, "61.2")
        XCTAssertEqual(correction.title, "体重を訂正する")
        XCTAssertEqual(correction.picked, PickedDateTime(day: CalendarDay(year: 2025, month: 11, day: 20), hour: 7, minute: 0),
                       "the pickers show the time the reading was taken in")
        correction.weight = "60.8"
        await correction.save()
        let corrected = try XCTUnwrap(correction.saved)
        await reading.corrected(to: corrected)
        XCTAssertEqual(reading.versions.count, 2)
        XCTAssertEqual(reading.versions.first?.value, "60.8 kg", "newest first")
        XCTAssertTrue(reading.versions.last?.notes.contains("訂正前") ?? false)

        // Deleting takes two explicit presses: ask, then confirm.
        reading.askToDelete()
        XCTAssertTrue(reading.confirmingDelete)
        reading.cancelDelete()
        XCTAssertFalse(reading.deleted)
        reading.askToDelete()
        await reading.confirmDelete()
        XCTAssertTrue(reading.deleted)
        XCTAssertFalse(reading.canChange)
        XCTAssertTrue(reading.current?.notes.contains("削除済み") ?? false)
        XCTAssertEqual(reading.message, "削除しました。")
    }
}
