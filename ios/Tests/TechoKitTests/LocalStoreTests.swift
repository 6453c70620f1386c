// The facade's database half through the generated Swift: profiles, readings typed as text,
// corrections, pages, charts and summaries. No server is needed (the URL answers nothing).
import Foundation
import TechoKit
import XCTest

final class LocalStoreTests: XCTestCase {
    private func openFresh() throws -> TechoCore {
        try TechoCore.open(
            config: CoreConfig(dataDir: try temporaryDirectory(self), serverUrl: offlineServerURL),
            keystore: InMemoryKeyStore())
    }

    private func openWithProfile() throws -> (TechoCore, Profile) {
        let core = try openFresh()
        let profile = try core.addProfile(hmCode: "34001234", displayName: "山田 花子", relationship: .myself)
        try core.setActiveProfile(profileId: profile.id)
        return (core, profile)
    }

    func testFreshStoreHasADeviceIdAndNoProfile() throws {
        let core = try openFresh()
        XCTAssertFalse(core.deviceId().isEmpty)
        XCTAssertNil(try core.activeProfile())
        XCTAssertEqual(try core.profiles(), [])
        XCTAssertNil(try core.account())
    }

    func testProfilesNormaliseFullWidthCodesRefuseDuplicatesAndSwitchExplicitly() async throws {
        let core = try openFresh()
        let me = try core.addProfile(hmCode: fullWidth("3400-1234"), displayName: "山田 花子", relationship: .myself)
        XCTAssertEqual(me.hmCode, "34001234")
        XCTAssertEqual(me.displayName, "山田 花子")
        assertApiError(try core.addProfile(hmCode: "34001234", displayName: "別名", relationship: .family)) {
            if case .Conflict(kind: .alreadyExists, reason: _) = $0 { return true } else { return false }
        }
        assertApiError(try core.addProfile(hmCode: "", displayName: "空", relationship: .family)) {
            $0 == .Validation(field: .hmCode, problem: .empty, reason: reasonOf($0))
        }

        let mother = try core.addProfile(hmCode: "34005678", displayName: "山田 トメ", relationship: .family)
        try core.setActiveProfile(profileId: me.id)
        XCTAssertEqual(try core.activeProfile()?.id, me.id)
        try core.setActiveProfile(profileId: mother.id)
        XCTAssertEqual(try core.activeProfile(), mother)
        XCTAssertEqual(Set(try core.profiles().map(\.id)), [me.id, mother.id])

        XCTAssertEqual(try core.renameProfile(profileId: mother.id, displayName: "母").displayName, "母")
        _ = try core.recordVital(profileId: mother.id, entry: entry(.weight(kg: "48.5"), at: jstDate(2025, 11, 20, 7)))
        XCTAssertEqual(try core.unsentChanges(profileId: mother.id), 1)
        assertApiError(try core.removeProfile(profileId: mother.id, discardUnsent: false)) {
            if case .Conflict(kind: .unsentChanges, reason: _) = $0 { return true } else { return false }
        }
        XCTAssertFalse(try core.canSendChanges(profileId: mother.id), "never signed in")
        do {
            _ = try await core.sendThenRemoveProfile(profileId: mother.id, observer: nil)
            XCTFail("never signed in, nothing can be sent first, so nothing is removed")
        } catch ApiError.Conflict(kind: .unsentChanges, reason: _) {}
        XCTAssertEqual(try core.unsentChanges(profileId: mother.id), 1)
        XCTAssertEqual(try core.removeProfile(profileId: mother.id, discardUnsent: true), 1)
        XCTAssertEqual(try core.profiles().map(\.id), [me.id])
        XCTAssertEqual(try core.activeProfile()?.id, me.id, "the person left is shown")
    }

    func testEntryDefaultsFollowTheTimeOfDay() throws {
        let core = try openFresh()
        let morning = try core.entryDefaults(at: jstDate(2025, 11, 20, 7), utcOffsetMinutes: jst)
        XCTAssertEqual(morning.bpContext, .morning)
        let evening = try core.entryDefaults(at: jstDate(2025, 11, 20, 21), utcOffsetMinutes: jst)
        XCTAssertEqual(evening.bpContext, .evening)
    }

    func testAllFiveKindsAreParsedByTheCore() throws {
        let (core, profile) = try openWithProfile()
        let at = jstDate(2025, 11, 20, 7, 10)

        let weight = try core.recordVital(profileId: profile.id, entry: entry(.weight(kg: "６１．２"), at: at))
        XCTAssertEqual(weight.vital.value, .weight(kg: 61.2))
        XCTAssertEqual(weight.vital.asInput, .weight(kg: "61.2"))
        XCTAssertEqual(weight.vital.utcOffsetMinutes, jst)
        XCTAssertFalse(weight.vital.synced)

        let bp = try core.recordVital(profileId: profile.id, entry: entry(
            .bloodPressure(systolic: "185", diastolic: "95", pulse: "72", context: .morning), at: at))
        XCTAssertEqual(bp.vital.value, .bloodPressure(systolic: 185, diastolic: 95, pulse: 72, context: .morning))
        XCTAssertFalse(bp.warnings.isEmpty, "185 mmHg is saved with a warning")
        XCTAssertTrue(bp.warnings.contains { $0.field == .systolic && $0.code == .atOrAbove })

        let glucose = try core.recordVital(profileId: profile.id, entry: entry(
            .glucose(value: "5.5", unit: .mmolPerL, timing: .fasting), at: at))
        guard case let .glucose(value, unit, timing, mgDl) = glucose.vital.value else {
            return XCTFail("glucose stays glucose")
        }
        XCTAssertEqual(value, 5.5)
        XCTAssertEqual(unit, .mmolPerL)
        XCTAssertEqual(timing, .fasting)
        XCTAssertEqual(mgDl, 99, "the core converts mmol/L")

        let steps = try core.recordVital(profileId: profile.id, entry: entry(.steps(count: "8,000"), at: at))
        XCTAssertEqual(steps.vital.value, .steps(count: 8000))

        let temperature = try core.recordVital(profileId: profile.id, entry: entry(.temperature(celsius: "36.6"), at: at))
        XCTAssertEqual(temperature.vital.value, .temperature(celsius: 36.6))
        XCTAssertEqual(temperature.warnings, [])
    }

    func testImpossibleInputNamesTheFieldAndTheProblem() throws {
        let (core, profile) = try openWithProfile()
        let at = jstDate(2025, 11, 20, 7)
        assertApiError(try core.recordVital(profileId: profile.id, entry: entry(.weight(kg: "abc"), at: at))) {
            $0 == .Validation(field: .weight, problem: .notANumber, reason: reasonOf($0))
        }
        assertApiError(try core.recordVital(profileId: profile.id, entry: entry(.weight(kg: "500"), at: at))) {
            guard case let .Validation(field, .outOfRange(min, max, unit), _) = $0 else { return false }
            return field == .weight && !min.isEmpty && !max.isEmpty && unit == "kg"
        }
        assertApiError(try core.recordVital(profileId: profile.id, entry: entry(
            .bloodPressure(systolic: "120", diastolic: "130", pulse: nil, context: .other), at: at))) {
            $0 == .Validation(field: .diastolic, problem: .notBelowSystolic, reason: reasonOf($0))
        }
        assertApiError(try core.recordVital(profileId: profile.id, entry: entry(
            .weight(kg: "60"), at: Date().addingTimeInterval(86_400)))) {
            $0 == .Validation(field: .measuredAt, problem: .inTheFuture, reason: reasonOf($0))
        }
        XCTAssertTrue(try core.listVitals(profileId: profile.id, filter: everything(limit: 10)).items.isEmpty,
                      "nothing refused was saved")
    }

    func testListPagesFollowTheCursorNewestFirst() throws {
        let (core, profile) = try openWithProfile()
        for day in 1...7 {
            _ = try core.recordVital(profileId: profile.id,
                                     entry: entry(.steps(count: "\(1000 * day)"), at: jstDate(2025, 11, day, 20)))
        }
        var seen: [Vital] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try core.listVitals(profileId: profile.id, filter: VitalFilter(
                kind: .steps, since: nil, until: nil, limit: 3, cursor: cursor))
            XCTAssertLessThanOrEqual(page.items.count, 3)
            seen += page.items
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 10
        XCTAssertEqual(seen.count, 7)
        XCTAssertEqual(Set(seen.map(\.id)).count, 7)
        XCTAssertEqual(seen.map(\.measuredAt), seen.map(\.measuredAt).sorted(by: >))
        XCTAssertGreaterThanOrEqual(pages, 3)
    }

    func testCorrectionsAndDeletionsKeepTheirHistory() throws {
        let (core, profile) = try openWithProfile()
        let at = jstDate(2025, 11, 20, 7)
        let original = try core.recordVital(profileId: profile.id, entry: entry(.weight(kg: "61.2"), at: at)).vital
        let corrected = try core.amendVital(vitalId: original.id, entry: entry(.weight(kg: "60.8"), at: at)).vital
        XCTAssertEqual(corrected.amends, original.id)
        XCTAssertEqual(corrected.asInput, .weight(kg: "60.8"))

        let history = try core.vitalHistory(vitalId: corrected.id)
        XCTAssertEqual(history.count, 2)
        XCTAssertEqual(history.first?.asInput, .weight(kg: "61.2"), "oldest first")
        assertApiError(try core.amendVital(vitalId: original.id, entry: entry(.weight(kg: "59"), at: at))) {
            if case .Conflict(kind: .correctedSince, reason: _) = $0 { return true } else { return false }
        }
        assertApiError(try core.amendVital(vitalId: corrected.id, entry: entry(.temperature(celsius: "36.5"), at: at))) {
            if case .Conflict(kind: .differentKind, reason: _) = $0 { return true } else { return false }
        }

        _ = try core.deleteVital(vitalId: corrected.id)
        XCTAssertNotNil(try core.getVital(vitalId: corrected.id).deletedAt)
        assertApiError(try core.deleteVital(vitalId: corrected.id)) {
            if case .Conflict(kind: .deleted, reason: _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(try core.listVitals(profileId: profile.id, filter: everything(limit: 10)).items.isEmpty)
        XCTAssertGreaterThanOrEqual(try core.vitalHistory(vitalId: corrected.id).count, 2)
        assertApiError(try core.getVital(vitalId: UUID().uuidString)) {
            if case .NotFound = $0 { return true } else { return false }
        }
    }

    /// US Eastern in 2026, by its two changes (no zone database needed in the chroot).
    final class NewYork2026: PhoneZone, @unchecked Sendable {
        func utcOffsetSecondsAt(at: Date) -> Int32 {
            let summer = Date(timeIntervalSince1970: 1_772_953_200)..<Date(timeIntervalSince1970: 1_793_512_800)
            return (summer.contains(at) ? -4 : -5) * 3600
        }
    }

    func testAPickedTimeIsReadInThePhoneZoneOrInTheCorrectedReadingsOwnOffset() throws {
        func picked(_ month: UInt32, _ day: UInt32, _ hour: UInt32, _ minute: UInt32) -> PickedDateTime {
            PickedDateTime(day: CalendarDay(year: 2026, month: month, day: day), hour: hour, minute: minute)
        }
        let skipped = try readingTime(picked: picked(3, 8, 2, 30), correctingOffsetMinutes: nil, zone: NewYork2026())
        XCTAssertEqual(skipped.at, Date(timeIntervalSince1970: 1_772_955_000))
        XCTAssertEqual(skipped.utcOffsetMinutes, -240)
        XCTAssertEqual(skipped.shown, picked(3, 8, 3, 30), "a time the clocks skipped moves forward by the gap")
        let twice = try readingTime(picked: picked(11, 1, 1, 30), correctingOffsetMinutes: nil, zone: NewYork2026())
        XCTAssertEqual(twice.at, Date(timeIntervalSince1970: 1_793_511_000), "a time shown twice is the earlier")
        let kept = try readingTime(picked: picked(3, 8, 2, 30), correctingOffsetMinutes: jst, zone: NewYork2026())
        XCTAssertEqual(kept.at, jstDate(2026, 3, 8, 2, 30))
        XCTAssertEqual(kept.utcOffsetMinutes, jst)
        XCTAssertEqual(try pickedDateTime(at: kept.at, utcOffsetMinutes: jst), picked(3, 8, 2, 30))
        XCTAssertThrowsError(try readingTime(picked: picked(2, 30, 7, 0), correctingOffsetMinutes: nil, zone: NewYork2026()))
    }

    func testLatestSeriesAndSummaries() throws {
        let (core, profile) = try openWithProfile()
        for day in 14...20 {
            _ = try core.recordVital(profileId: profile.id, entry: entry(
                .bloodPressure(systolic: "\(130 + day - 14)", diastolic: "80", pulse: "70", context: .morning),
                at: jstDate(2025, 11, day, 7)))
            _ = try core.recordVital(profileId: profile.id, entry: entry(
                .bloodPressure(systolic: "125", diastolic: "78", pulse: nil, context: .evening),
                at: jstDate(2025, 11, day, 21)))
        }
        _ = try core.recordVital(profileId: profile.id, entry: entry(.weight(kg: "61.0"), at: jstDate(2025, 11, 19, 7)))
        let newestWeight = try core.recordVital(
            profileId: profile.id, entry: entry(.weight(kg: "61.4"), at: jstDate(2025, 11, 20, 7))).vital

        let latest = try core.latestVitals(profileId: profile.id)
        XCTAssertEqual(Set(latest.map(\.kind)), [.bloodPressure, .weight])
        XCTAssertEqual(latest.first { $0.kind == .weight }?.id, newestWeight.id)

        let last = try calendarDayAt(at: jstDate(2025, 11, 20, 23), utcOffsetMinutes: jst)
        XCTAssertEqual(last, CalendarDay(year: 2025, month: 11, day: 20))
        let first = try calendarDayAdd(day: last, days: -6)
        XCTAssertEqual(first, CalendarDay(year: 2025, month: 11, day: 14))
        let daily = try core.vitalSeries(profileId: profile.id, kind: .bloodPressure, first: first, last: last, bucket: .day)
        XCTAssertEqual(daily.count, 7)
        XCTAssertEqual(daily.first?.start, first)
        XCTAssertEqual(daily.first?.value.count, 2)
        XCTAssertNotNil(daily.first?.diastolic)
        let weekly = try core.vitalSeries(profileId: profile.id, kind: .weight, first: first, last: last, bucket: .week)
        XCTAssertEqual(weekly.reduce(0) { $0 + Int($1.value.count) }, 2)

        let summary = try core.homeBpSummary(profileId: profile.id, asOf: jstDate(2025, 11, 20, 22), utcOffsetMinutes: jst)
        XCTAssertEqual(summary.periodEnd, last)
        XCTAssertEqual(summary.periodStart, first)
        XCTAssertEqual(summary.morning.days, 7)
        XCTAssertEqual(summary.evening.readings, 7)
        XCTAssertNotNil(summary.morning.meanSystolic)
        XCTAssertNotNil(summary.class, "seven days of readings are enough for a class")
        XCTAssertGreaterThan(summary.minDays, 0)

        let chart = try core.vitalChart(profileId: profile.id, kind: .bloodPressure, bucket: .day,
                                        asOf: jstDate(2025, 11, 20, 22), utcOffsetMinutes: jst)
        XCTAssertEqual(chart.first, CalendarDay(year: 2025, month: 11, day: 7))
        XCTAssertEqual(chart.dayCount, 14)
        XCTAssertEqual(chart.points.map(\.dayIndex), Array(7...13).map(UInt32.init))
        XCTAssertEqual(chart.referenceLines.map(\.shown), ["135", "85"])
        XCTAssertEqual(chart.points.first?.point.shownMean, daily.first?.shownMean)
    }

    func testHomeScreenIsOneCall() throws {
        let (core, profile) = try openWithProfile()
        let now = Date()
        _ = try core.recordVital(profileId: profile.id, entry: entry(.temperature(celsius: "36.5"), at: now))
        _ = try core.recordVital(profileId: profile.id, entry: entry(.weight(kg: "60"), at: jstDate(2025, 11, 1, 7)))

        let home = try core.homeScreen(profileId: profile.id, now: now, utcOffsetMinutes: jst)
        XCTAssertEqual(home.profile, profile)
        XCTAssertEqual(home.today.map(\.kind), [.temperature])
        XCTAssertEqual(Set(home.latest.map(\.kind)), [.temperature, .weight])
        XCTAssertNil(home.sync.account)
        XCTAssertEqual(home.sync.pending, 2)
        XCTAssertFalse(home.sync.running)
        assertApiError(try core.homeScreen(profileId: UUID().uuidString, now: now, utcOffsetMinutes: jst)) {
            if case .NotFound = $0 { return true } else { return false }
        }
    }
}

func everything(limit: UInt32) -> VitalFilter {
    VitalFilter(kind: nil, since: nil, until: nil, limit: limit, cursor: nil)
}

/// The English `reason` of a validation error, so tests compare field and problem only.
func reasonOf(_ error: ApiError) -> String {
    if case let .Validation(_, _, reason) = error { return reason }
    return ""
}
