import Foundation
import TechoKit

/// A date picker works in `Date`; the core reads a day and a time of day. The time wheels are set
/// to UTC and show a `Date`'s UTC fields, so the picked time travels as those fields, untouched
/// by any zone's rules, and the core alone reads it as an instant (`readingTime`).
enum PickerTime {
    static let timeZone = TimeZone(identifier: "UTC") ?? TimeZone.current

    /// Where nothing was read yet (a `Vital` beyond the core's range): never shown as a reading.
    static let epoch = PickedDateTime(day: CalendarDay(year: 1970, month: 1, day: 1), hour: 0, minute: 0)

    private static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    static func date(of picked: PickedDateTime) -> Date {
        calendar.date(from: DateComponents(year: Int(picked.day.year), month: Int(picked.day.month), day: Int(picked.day.day),
                                           hour: Int(picked.hour), minute: Int(picked.minute)))
            ?? .distantPast
    }

    static func picked(of date: Date) -> PickedDateTime {
        let calendar = calendar
        return PickedDateTime(
            day: CalendarDay(year: Int32(calendar.component(.year, from: date)),
                             month: UInt32(calendar.component(.month, from: date)),
                             day: UInt32(calendar.component(.day, from: date))),
            hour: UInt32(calendar.component(.hour, from: date)),
            minute: UInt32(calendar.component(.minute, from: date)))
    }
}
