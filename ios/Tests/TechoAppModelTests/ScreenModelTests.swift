// Home, history, the home-BP summary and the profile switch over a real core.
import Foundation
import TechoAppModel
import TechoKit
import XCTest

@MainActor
final class ScreenModelTests: XCTestCase {
    func testHomeShowsTodayLatestTheGuideAndTheSyncLine() async throws {
        let app = try await readyApp(self)
        _ = try await record(app, .weight, at: jstDate(2025, 11, 19, 7)) { $0.weight = "61.0" }
        _ = try await record(app, .temperature, at: jstDate(2025, 11, 20, 8)) { $0.temperature = "36.6" }

        let home = try XCTUnwrap(app.makeHome())
        await home.load()
        XCTAssertNil(home.message)
        XCTAssertEqual(home.actingForLine, "山田 花子さんの手帳")
        XCTAssertEqual(home.today.map(\.value), ["36.6 ℃"])
        XCTAssertEqual(Set(home.latest.map(\.kind)), [.weight, .temperature])
        XCTAssertTrue(home.today.first?.notes.contains("まだ送っていません") ?? false)
        XCTAssertTrue(home.bpClassLine?.hasPrefix("目安を出すには") ?? false, "no blood pressure yet: no guide")
        XCTAssertTrue(home.sync.line.contains("サインイン"), "not signed in: \(home.sync.line)")
        XCTAssertNil(home.todayEmptyLine)
    }

    func testHistoryPagesAndChartsByPeriod() async throws {
        let app = try await readyApp(self)
        for i in 0..<35 {
            _ = try await record(app, .steps, at: jstDate(2025, 11, 20, 20).addingTimeInterval(-Double(i) * 86_400)) {
                $0.steps = "\(5000 + i)"
            }
        }
        let history = try XCTUnwrap(app.makeHistory(.steps))
        await history.load()
        XCTAssertEqual(history.title, "歩数の一覧")
        XCTAssertEqual(history.rows.count, Int(HistoryModel.pageSize))
        XCTAssertTrue(history.canLoadMore)
        XCTAssertEqual(history.rows.first?.value, "5,000 歩")
        await history.loadMore()
        XCTAssertEqual(history.rows.count, 35)
        XCTAssertFalse(history.canLoadMore)
        // Back from a reading: the same 35 rows, not the first page again.
        let ids = history.rows.map(\.id)
        await history.reload()
        XCTAssertEqual(history.rows.map(\.id), ids)

        XCTAssertEqual(history.period.bucket, .day)
        XCTAssertEqual(history.points.count, 14)
        XCTAssertEqual(history.points.last?.mean, 5000)
        XCTAssertTrue(history.points.last?.accessibilityLabel.contains("平均 5,000") ?? false)
        // The period, axis and unit are the core's: two weeks ending today, steps, no BP lines.
        let days = try XCTUnwrap(history.chartEnd).timeIntervalSince(try XCTUnwrap(history.chartStart)) / 86_400
        XCTAssertEqual(days, 13, accuracy: 0.01)
        XCTAssertEqual(history.axis?.unit, "歩")
        XCTAssertTrue((history.axis?.tickLabels ?? []).contains { $0.contains(",") }, "\(history.axis?.tickLabels ?? [])")
        XCTAssertEqual(history.referenceLines, [])

        await history.choose(history.periods[2])
        XCTAssertEqual(history.period.bucket, .month)
        XCTAssertEqual(history.points.reduce(0) { $0 + Int($1.count) }, 35)
    }

    func testBloodPressureSummaryIsWordedAsAGuide() async throws {
        let app = try await readyApp(self)
        for day in 14...20 {
            _ = try await record(app, .bloodPressure, at: jstDate(2025, 11, day, 7)) {
                $0.systolic = "138"
                $0.diastolic = "86"
                $0.bpContext = .morning
            }
        }
        let summary = try XCTUnwrap(app.makeBpSummary())
        await summary.load()
        XCTAssertNil(summary.message)
        XCTAssertEqual(summary.morningLine, "朝：平均 138/86 mmHg（7日・7回）\n朝の平均は「Ⅰ度高血圧」の範囲です。")
        XCTAssertEqual(summary.eveningLine, "夜：記録がありません")
        XCTAssertTrue(summary.classLine?.hasPrefix("平均は「") ?? false)
        XCTAssertTrue(summary.classLine?.hasSuffix("の範囲です。") ?? false)
        XCTAssertTrue(summary.disclaimer.contains("診断ではありません"))
        XCTAssertEqual(summary.period, "11月14日（金）〜11月20日（木）の7日間")
    }

    func testSwitchingPersonIsExplicitAndTheNameFollows() async throws {
        let app = try await readyApp(self)
        let profiles = try XCTUnwrap(app.makeProfiles())
        profiles.newHmCode = "12"
        profiles.newName = "山田 トメ"
        await profiles.addFamilyMember()
        XCTAssertEqual(profiles.problems.byField[.hmCode], ja(.problemInvalidHmCode))

        profiles.newHmCode = "3400-5678"
        await profiles.addFamilyMember()
        XCTAssertTrue(profiles.problems.isEmpty)
        XCTAssertEqual(profiles.people.map(\.name).sorted(), ["山田 トメ", "山田 花子"])
        XCTAssertEqual(profiles.people.first { $0.isActive }?.name, "山田 花子", "adding does not switch")
        XCTAssertEqual(profiles.currentLine, "いま表示しているのは山田 花子さんの手帳です。")

        profiles.newHmCode = "34005678"
        profiles.newName = "もう一人"
        await profiles.addFamilyMember()
        XCTAssertEqual(profiles.problems.byField[.hmCode], ja(.errorProfileExists))

        let mother = try XCTUnwrap(profiles.people.first { $0.name == "山田 トメ" })
        XCTAssertEqual(mother.switchTitle, "山田 トメさんの手帳に切り替える")
        await profiles.switchTo(mother.id)
        XCTAssertEqual(app.activeProfile?.displayName, "山田 トメ")
        XCTAssertEqual(profiles.message, "山田 トメさんの手帳に切り替えました。")

        let entry = try await record(app, .weight, at: jstDate(2025, 11, 20, 7)) { $0.weight = "48.5" }
        XCTAssertEqual(entry.actingForLine, "山田 トメさんの手帳")
        XCTAssertEqual(entry.saved?.source, .proxy, "a family member's reading is entered by someone else")
        let home = try XCTUnwrap(app.makeHome())
        await home.load()
        XCTAssertEqual(home.actingForLine, "山田 トメさんの手帳")
    }

    func testAPersonIsRenamedAndRemovedOnlyAfterAQuestionThatSaysWhatIsLost() async throws {
        let app = try await readyApp(self)
        let profiles = try XCTUnwrap(app.makeProfiles())
        profiles.newHmCode = "34005678"
        profiles.newName = "山田 トメ"
        await profiles.addFamilyMember()
        let mother = try XCTUnwrap(profiles.people.first { $0.name == "山田 トメ" })
        await profiles.switchTo(mother.id)
        _ = try await record(app, .weight, at: jstDate(2025, 11, 20, 7)) { $0.weight = "48.5" }
        XCTAssertFalse(profiles.messageIsProblem)

        await profiles.rename(mother.id, to: "  ")
        XCTAssertTrue(profiles.messageIsProblem, "a refused name is said at the top")
        XCTAssertNotNil(profiles.message)
        XCTAssertTrue(profiles.problems.isEmpty, "and not under the add-a-family-member form")
        await profiles.rename(mother.id, to: "母")
        XCTAssertEqual(profiles.message, "名前を「母」に変えました。")
        XCTAssertFalse(profiles.messageIsProblem)
        XCTAssertEqual(app.activeProfile?.id, mother.id)

        await profiles.askToRemove(mother.id)
        let removal = try XCTUnwrap(profiles.pendingRemoval)
        XCTAssertEqual(removal.question,
                       "母さんを、この端末から外しますか。サーバーにある記録は消えません。\nまだ送っていない記録が1件あります。送らずに外すと、その記録は消えます。")
        XCTAssertTrue(removal.discardsUnsent)
        // Never signed in, a sync cannot send them: sending first is not offered.
        XCTAssertNil(removal.sendFirstTitle)
        XCTAssertEqual(removal.removeTitle, "送らずに外す")
        profiles.cancelRemoval()
        XCTAssertNil(profiles.pendingRemoval)
        XCTAssertEqual(profiles.people.count, 2)

        // As the dialog answers: its removal passed in, the pending one already cleared.
        await profiles.askToRemove(mother.id)
        let answered = profiles.pendingRemoval
        profiles.cancelRemoval()
        await profiles.confirmRemoval(answered)
        XCTAssertEqual(profiles.message, "母さんを、この端末から外しました。")
        XCTAssertEqual(profiles.people.map(\.name), ["山田 花子"])
        XCTAssertEqual(app.activeProfile?.displayName, "山田 花子", "the app follows to the person left")

        // Removing the last person leaves nobody to show: back to the first run.
        let owner = try XCTUnwrap(profiles.people.first)
        await profiles.askToRemove(owner.id)
        await profiles.confirmRemoval()
        XCTAssertEqual(profiles.people.count, 0)
        XCTAssertEqual(app.phase, .firstRun)
    }

    func testEnglishScreensUseTheEnglishStrings() async throws {
        let app = try await readyApp(self, wording: en)
        let entry = try await record(app, .steps, at: jstDate(2025, 11, 20, 20)) { $0.steps = "8,000" }
        XCTAssertEqual(entry.title, "Record Steps")
        XCTAssertEqual(entry.saved.map { ReadingRow($0, wording: en).value }, "8,000 steps")
        let bad = try await record(app, .steps, at: jstDate(2025, 11, 20, 20)) { $0.steps = "many" }
        XCTAssertEqual(bad.problem(.steps), "Steps: please enter a number.")
    }
}
