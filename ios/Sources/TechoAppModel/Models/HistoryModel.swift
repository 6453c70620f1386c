import Foundation
import Observation
import TechoKit

/// One point of a chart, in numbers the core computed and words for VoiceOver.
public struct ChartPoint: Identifiable, Equatable, Sendable {
    public var id: Date { date }
    /// Noon UTC of the bucket's first day, to place it on a time axis.
    public let date: Date
    public let label: String
    public let mean: Double
    public let min: Double
    public let max: Double
    /// Blood pressure only: the lower value's mean.
    public let diastolicMean: Double?
    public let count: UInt32
    public let accessibilityLabel: String
}

/// The chart periods offered: a bucket and how many days back from today it covers.
public struct ChartPeriod: Identifiable, Equatable, Sendable {
    public let bucket: Bucket
    public let days: Int32
    public let title: String
    public var id: String { title }
}

/// The list of one kind of reading (a page at a time) and its chart by day, week or month.
@Observable @MainActor
public final class HistoryModel {
    public let kind: VitalKind
    public let title: String
    public let chartTitle: String
    public let actingForLine: String
    public let periods: [ChartPeriod]

    public private(set) var rows: [ReadingRow] = []
    public private(set) var canLoadMore = false
    public private(set) var points: [ChartPoint] = []
    public private(set) var period: ChartPeriod
    public private(set) var message: String?
    public private(set) var isLoading = false

    private let access: CoreAccess
    private let wording: Wording
    private let clock: LocalClock
    private let profile: Profile
    private var cursor: String?

    public static let pageSize: UInt32 = 30

    init(access: CoreAccess, wording: Wording, clock: LocalClock, profile: Profile, kind: VitalKind) {
        self.access = access
        self.wording = wording
        self.clock = clock
        self.profile = profile
        self.kind = kind
        let kindName = wording.kindName(kind)
        title = wording(.historyTitle, kindName)
        chartTitle = wording(.historyChart, kindName)
        actingForLine = wording(.actingFor, profile.displayName)
        periods = [
            ChartPeriod(bucket: .day, days: 14, title: wording(.historyByDay)),
            ChartPeriod(bucket: .week, days: 84, title: wording(.historyByWeek)),
            ChartPeriod(bucket: .month, days: 365, title: wording(.historyByMonth)),
        ]
        period = periods[0]
    }

    public var emptyLine: String? { rows.isEmpty && !isLoading ? wording(.historyEmpty) : nil }
    public var chartEmptyLine: String? { points.isEmpty && !isLoading ? wording(.historyChartEmpty) : nil }
    public var moreTitle: String { wording(.historyMore) }

    public func load() async {
        cursor = nil
        rows = []
        await loadMore()
        await loadChart()
    }

    /// The next page, following the core's cursor.
    public func loadMore() async {
        isLoading = true
        defer { isLoading = false }
        let filter = VitalFilter(kind: kind, since: nil, until: nil, limit: Self.pageSize, cursor: cursor)
        let profileId = profile.id
        do {
            let page = try await access.run { try $0.listVitals(profileId: profileId, filter: filter) }
            rows += page.items.map { ReadingRow($0, wording: wording) }
            cursor = page.nextCursor
            canLoadMore = page.nextCursor != nil
            message = nil
        } catch {
            message = wording.message(for: error)
        }
    }

    public func choose(_ period: ChartPeriod) async {
        self.period = period
        await loadChart()
    }

    /// The chart for the chosen period ending today; the core does the calendar arithmetic.
    public func loadChart() async {
        let now = clock.now()
        let offset = clock.utcOffsetMinutes(at: now)
        let (profileId, kind, period) = (profile.id, kind, period)
        do {
            let series = try await access.run { core in
                let last = try calendarDayAt(at: now, utcOffsetMinutes: offset)
                let first = try calendarDayAdd(day: last, days: -(period.days - 1))
                return try core.vitalSeries(profileId: profileId, kind: kind, first: first, last: last, bucket: period.bucket)
            }
            points = series.compactMap { self.point($0) }
            message = nil
        } catch {
            message = wording.message(for: error)
        }
    }

    private func point(_ p: SeriesPoint) -> ChartPoint? {
        guard let date = Wording.noon(of: p.start) else { return nil }
        let label = wording.shortDay(p.start)
        return ChartPoint(
            date: date, label: label, mean: p.value.mean, min: p.value.min, max: p.value.max,
            diastolicMean: p.diastolic?.mean, count: p.value.count,
            accessibilityLabel: wording(.historyChartPoint, label, meanText(p), wording.count(UInt64(p.value.count))))
    }

    private func meanText(_ p: SeriesPoint) -> String {
        guard let diastolic = p.shownDiastolic else { return p.shownMean }
        return p.shownMean + "/" + diastolic
    }
}
