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

/// The chart periods offered; how many days each covers is the core's (`vitalChart`).
public struct ChartPeriod: Identifiable, Equatable, Sendable {
    public let bucket: Bucket
    public let title: String
    public var id: String { title }
}

/// A horizontal line across the chart (the 135/85 home-BP threshold), with its label.
public struct ChartReference: Identifiable, Equatable, Sendable {
    public var id: String { label }
    public let value: Double
    public let label: String
}

/// The value axis: its range and labelled ticks, as the core chose them.
public struct ChartAxis: Equatable, Sendable {
    public let min: Double
    public let max: Double
    public let ticks: [Double]
    public let tickLabels: [String]
    /// The unit, worded ("mmHg", "kg", "歩").
    public let unit: String
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
    /// The period's first and last day (noon), so the time axis spans it even where no
    /// readings fall.
    public private(set) var chartStart: Date?
    public private(set) var chartEnd: Date?
    public private(set) var axis: ChartAxis?
    public private(set) var referenceLines: [ChartReference] = []
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
            ChartPeriod(bucket: .day, title: wording(.historyByDay)),
            ChartPeriod(bucket: .week, title: wording(.historyByWeek)),
            ChartPeriod(bucket: .month, title: wording(.historyByMonth)),
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

    /// Back on the list (after opening or correcting a reading): as many rows as were shown,
    /// fresh from the core, replacing the old ones only once they are read, so the list keeps
    /// its place instead of jumping back to the first page.
    public func reload() async {
        guard !rows.isEmpty else { return await load() }
        let wanted = rows.count
        let (profileId, kind) = (profile.id, kind)
        do {
            var fresh: [ReadingRow] = []
            var next: String?
            repeat {
                let filter = VitalFilter(kind: kind, since: nil, until: nil, limit: Self.pageSize, cursor: next)
                let page = try await access.run { try $0.listVitals(profileId: profileId, filter: filter) }
                fresh += page.items.map { ReadingRow($0, wording: wording) }
                next = page.nextCursor
            } while fresh.count < wanted && next != nil
            rows = fresh
            cursor = next
            canLoadMore = next != nil
            message = nil
        } catch {
            message = wording.message(for: error)
        }
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

    /// The chart for the chosen period ending today: the core picks the days, the axis and the
    /// reference lines.
    public func loadChart() async {
        let now = clock.now()
        let offset = clock.utcOffsetMinutes(at: now)
        let (profileId, kind, bucket) = (profile.id, kind, period.bucket)
        do {
            let chart = try await access.run { core in
                try core.vitalChart(profileId: profileId, kind: kind, bucket: bucket, asOf: now, utcOffsetMinutes: offset)
            }
            let unit = wording.unitName(chart.unit)
            points = chart.points.compactMap { self.point($0.point, bucket: bucket, unit: unit) }
            chartStart = Wording.noon(of: chart.first)
            chartEnd = Wording.noon(of: chart.last)
            axis = ChartAxis(min: chart.axisMin, max: chart.axisMax, ticks: chart.ticks.map(\.value),
                             tickLabels: chart.ticks.map(\.shown), unit: wording.unitName(chart.unit))
            referenceLines = chart.referenceLines.map {
                ChartReference(value: $0.value, label: wording(.readingValueUnit, $0.shown, wording.unitName(chart.unit)))
            }
            message = nil
        } catch {
            message = wording.message(for: error)
        }
    }

    private func point(_ p: SeriesPoint, bucket: Bucket, unit: String) -> ChartPoint? {
        guard let date = Wording.noon(of: p.start) else { return nil }
        return ChartPoint(
            date: date, label: wording.shortDay(p.start), mean: p.value.mean, min: p.value.min, max: p.value.max,
            diastolicMean: p.diastolic?.mean, count: p.value.count,
            accessibilityLabel: wording(.historyChartPoint, wording.chartPeriod(p.start, bucket: bucket),
                                        wording(.readingValueUnit, meanText(p), unit), wording.count(UInt64(p.value.count))))
    }

    private func meanText(_ p: SeriesPoint) -> String {
        guard let diastolic = p.shownDiastolic else { return p.shownMean }
        return p.shownMean + "/" + diastolic
    }
}
