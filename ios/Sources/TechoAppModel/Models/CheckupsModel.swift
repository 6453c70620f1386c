import Foundation
import Observation
import TechoKit

/// The person's checkups, newest first as the core lists them.
@Observable @MainActor
public final class CheckupsModel {
    public let actingForLine: String
    public let title: String
    public private(set) var entries: [CheckupEntryRow] = []
    public private(set) var hasLoaded = false
    public private(set) var message: String?
    /// After a save or a delete elsewhere: said once at the top of the list.
    public private(set) var notice: String?

    private let access: CoreAccess
    private let wording: Wording
    private let profile: Profile

    init(access: CoreAccess, wording: Wording, profile: Profile) {
        self.access = access
        self.wording = wording
        self.profile = profile
        actingForLine = wording(.actingFor, profile.displayName)
        title = wording(.checkupTitle)
    }

    public var introLine: String { wording(.checkupIntro) }
    public var addTitle: String { wording(.checkupAdd) }
    public var emptyLine: String? { hasLoaded && entries.isEmpty ? wording(.checkupEmpty) : nil }

    public func load() async {
        let id = profile.id
        do {
            let list = try await access.run { try $0.checkups(profileId: id) }
            entries = list.map { CheckupEntryRow($0, wording: wording) }
            hasLoaded = true
            message = nil
        } catch {
            message = wording.message(for: error)
        }
    }

    public func show(notice text: String?) { notice = text }
}

/// One point of an item's trend: the day, the value with its unit, and its judgement in words.
public struct CheckupTrendRow: Identifiable, Equatable, Sendable {
    public let id: Int
    /// Noon UTC of the checkup's day, where the chart places it.
    public let date: Date?
    /// For the chart: the number (or the ordinal's code); nil for text the chart cannot place.
    public let number: Double?
    public let judgement: CheckupJudgement
    /// 「2026年6月12日（金）　6.8 %　受診をすすめる値です。…」
    public let line: String
}

/// One item across every checkup, oldest first, as the core judges each value.
@Observable @MainActor
public final class CheckupTrendModel {
    public let actingForLine: String
    /// The item's plain name, from the points once read (the code list's before, the code for an
    /// item this version does not know).
    public private(set) var title: String
    /// The newest point's unit (the code list's before any point is read).
    public private(set) var unit: String?
    public private(set) var points: [CheckupTrendRow] = []
    public private(set) var hasLoaded = false
    public private(set) var message: String?

    private let access: CoreAccess
    private let wording: Wording
    private let profile: Profile
    private let code: String

    init(access: CoreAccess, wording: Wording, profile: Profile, code: String) {
        self.access = access
        self.wording = wording
        self.profile = profile
        self.code = code
        actingForLine = wording(.actingFor, profile.displayName)
        let info = checkupItemCodes().first { $0.code == code }
        let name = wording.checkupItemName(plainName: info?.plainName, name: info?.name, code: code)
        title = wording(.checkupTrendTitle, name)
        unit = info?.unit
    }

    public var emptyLine: String? { hasLoaded && points.isEmpty ? wording(.checkupTrendEmpty) : nil }
    public var chartTitle: String { wording(.checkupTrendChart) }
    /// Points the chart can place (a value of an item this version does not know has no number).
    public var chartPoints: [CheckupTrendRow] { points.filter { $0.number != nil && $0.date != nil } }

    public func load() async {
        let id = profile.id
        let code = code
        do {
            let series = try await access.run { try $0.checkupSeries(profileId: id, code: code) }
            if let newest = series.last {
                title = wording(.checkupTrendTitle,
                                wording.checkupItemName(plainName: newest.plainName, name: nil, code: code))
                unit = newest.unit
            }
            points = series.enumerated().map { index, point in
                let shown = wording.checkupValue(point.shownValue, unit: point.unit)
                return CheckupTrendRow(id: index, date: Wording.noon(of: point.date), number: point.number,
                                       judgement: point.judgement,
                                       line: wording(.checkupTrendPoint, wording.day(point.date), shown,
                                                     wording.checkupJudgement(point.judgement)))
            }
            hasLoaded = true
            message = nil
        } catch {
            message = wording.message(for: error)
        }
    }
}
