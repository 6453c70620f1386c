import Foundation

extension Wording {
    /// A count (records, changes, steps) with the language's digit grouping: 8,000 on both apps.
    public func count(_ value: UInt64) -> String {
        let formatter = NumberFormatter()
        formatter.locale = language.locale
        formatter.numberStyle = .decimal
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }
}
