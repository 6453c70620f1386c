import Foundation
import TechoKit

/// Dates as the person saw them: a reading's time in the offset it was taken in, and calendar
/// days (which carry no zone) as plain dates. The patterns are the wording's own (the same ones
/// Android's `strings.xml` holds), not the system's templates, so both apps write a date alike.
extension Wording {
    public func dateTime(_ date: Date, utcOffsetMinutes: Int32) -> String {
        format(date, pattern: .patternDateTime, zone: TimeZone(secondsFromGMT: Int(utcOffsetMinutes) * 60))  // shell-logic-ok: formats an instant in the offset the core gave, for display
    }

    public func time(_ date: Date, utcOffsetMinutes: Int32) -> String {
        format(date, pattern: .patternTime, zone: TimeZone(secondsFromGMT: Int(utcOffsetMinutes) * 60))  // shell-logic-ok: formats an instant in the offset the core gave, for display
    }

    /// An instant in the phone's own zone (sync times, refused changes).
    public func dateTime(_ date: Date) -> String {
        format(date, pattern: .patternDateTime, zone: .current)
    }

    public func day(_ day: CalendarDay) -> String {
        guard let date = Self.noon(of: day) else { return "\(day.year)-\(day.month)-\(day.day)" }
        return format(date, pattern: .patternDateLong, zone: Self.utc)
    }

    public func shortDay(_ day: CalendarDay) -> String {
        guard let date = Self.noon(of: day) else { return "\(day.month)/\(day.day)" }
        return format(date, pattern: .patternDate, zone: Self.utc)
    }

    /// A chart point's period as it is read out: 「11月20日（木）」, 「11月16日（月）からの週」,
    /// 「2025年11月」 (the same words as Android's).
    public func chartPeriod(_ day: CalendarDay, bucket: Bucket) -> String {
        switch bucket {
        case .day: return shortDay(day)
        case .week: return self(.historyWeekFrom, shortDay(day))
        case .month:
            guard let date = Self.noon(of: day) else { return "\(day.year)-\(day.month)" }
            return format(date, pattern: .patternMonth, zone: Self.utc)
        }
    }

    /// Noon UTC of a calendar day: a point a chart axis can place the day at.
    public static func noon(of day: CalendarDay) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return calendar.date(from: DateComponents(
            year: Int(day.year), month: Int(day.month), day: Int(day.day), hour: 12))
    }

    static let utc = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0)!  // shell-logic-ok: the UTC zone for formatting, no conversion

    private func format(_ date: Date, pattern: Phrase, zone: TimeZone?) -> String {
        let formatter = DateFormatter()
        formatter.locale = language.locale
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = zone ?? .current
        formatter.dateFormat = self(pattern)
        return formatter.string(from: date)
    }
}
