import Foundation
import Observation
import TechoKit

/// The home screen: today's readings, the latest of each kind, the sync line and the home-BP
/// guide, from one core call.
@Observable @MainActor
public final class HomeModel {
    public private(set) var actingForLine: String
    public private(set) var today: [ReadingRow] = []
    public private(set) var latest: [ReadingRow] = []
    public private(set) var bpClassLine: String?
    /// 「最近の健診：2026年6月12日（金）　受診をすすめる値があります」, opening that checkup.
    public private(set) var latestCheckupLine: String?
    public private(set) var latestCheckupId: String?
    public private(set) var message: String?
    public private(set) var isLoading = false
    public let sync: SyncCoordinator

    /// The kinds the record buttons offer, most used first.
    public static let kindsInEntryOrder: [VitalKind] = [.bloodPressure, .weight, .temperature, .glucose, .steps]

    private let access: CoreAccess
    private let wording: Wording
    private let clock: LocalClock
    private let profile: Profile

    init(access: CoreAccess, wording: Wording, clock: LocalClock, profile: Profile, sync: SyncCoordinator) {
        self.access = access
        self.wording = wording
        self.clock = clock
        self.profile = profile
        self.sync = sync
        actingForLine = wording(.actingFor, profile.displayName)
    }

    public var checkupsTitle: String { wording(.checkupTitle) }

    public var todayEmptyLine: String? { today.isEmpty && !isLoading ? wording(.homeTodayEmpty) : nil }

    public func load() async {
        isLoading = true
        defer { isLoading = false }
        let now = clock.now()
        let offset = clock.utcOffsetMinutes(at: now)
        let profileId = profile.id
        do {
            let screen = try await access.run { try $0.homeScreen(profileId: profileId, now: now, utcOffsetMinutes: offset) }
            actingForLine = wording(.actingFor, screen.profile.displayName)
            today = screen.today.map { ReadingRow($0, wording: wording) }
            latest = screen.latest.map { ReadingRow($0, wording: wording) }
            bpClassLine = wording.bpClassLine(screen.bpSummary)
            latestCheckupId = screen.latestCheckup?.id
            latestCheckupLine = screen.latestCheckup.map { entry in
                let day = wording.checkupDay(entry.date, text: entry.dateText)
                return wording.checkupWorst(entry.worstJudgement).map { wording(.homeLatestCheckup, day, $0) }
                    ?? wording(.homeLatestCheckupPlain, day)
            }
            // The coordinator reads the status itself, so that a read taken during a run never
            // replaces a newer one.
            await sync.refresh()
            message = nil
        } catch {
            message = wording.message(for: error)
        }
    }

    public func syncNow() async {
        await sync.syncNow()
        await load()
    }
}
