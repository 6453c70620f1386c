import Foundation

/// The two languages the app speaks. Japanese unless the phone's first language is English:
/// the people this app serves read Japanese, and an unknown language should not fall to English.
public enum AppLanguage: String, Sendable, CaseIterable {
    case ja
    case en

    public static func preferred(_ languages: [String] = Locale.preferredLanguages) -> AppLanguage {
        guard let first = languages.first else { return .ja }
        return first.lowercased().hasPrefix("en") ? .en : .ja // shell-logic-ok: a locale code, not a message
    }

    public var locale: Locale {
        Locale(identifier: self == .ja ? "ja_JP" : "en_US")
    }
}

/// Sentences in one language, read once from the package's Localizable.strings. A plain value,
/// so view models and views can pass it across actors.
public struct Wording: Sendable {
    public let language: AppLanguage
    private let table: [String: String]
    /// Keys the strings file lacks (an empty list in a correct build; tested).
    public let missing: [Phrase]

    public init(_ language: AppLanguage) {
        self.language = language
        let bundle = Bundle.module.path(forResource: language.rawValue, ofType: "lproj").flatMap(Bundle.init(path:))
        var table: [String: String] = [:]
        var missing: [Phrase] = []
        let absent = "\u{0}absent"
        for phrase in Phrase.allCases {
            let text = bundle?.localizedString(forKey: phrase.rawValue, value: absent, table: nil) ?? absent
            if text == absent {
                missing.append(phrase)
            } else {
                table[phrase.rawValue] = text
            }
        }
        self.table = table
        self.missing = missing
    }

    /// The phrase as written in the strings file, placeholders unfilled.
    public func template(_ phrase: Phrase) -> String {
        table[phrase.rawValue] ?? phrase.rawValue
    }

    /// The phrase with its `%@` / `%n$@` placeholders filled in order.
    public func callAsFunction(_ phrase: Phrase, _ arguments: String...) -> String {
        let template = template(phrase)
        guard !arguments.isEmpty else { return template }
        return String(format: template, locale: language.locale, arguments: arguments.map { $0 as CVarArg })
    }
}
