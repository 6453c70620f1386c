import Foundation

/// The line at the top of a screen after an action: something done, or a problem with its next
/// step. One value, so that a screen cannot show a problem's text in the colours of a success.
public struct Notice: Equatable, Sendable {
    public let text: String
    public let isProblem: Bool

    public static func done(_ text: String) -> Notice { Notice(text: text, isProblem: false) }
    public static func problem(_ text: String) -> Notice { Notice(text: text, isProblem: true) }
    /// Something under way (sending before a removal): said plainly, not as a problem.
    public static func progress(_ text: String) -> Notice { Notice(text: text, isProblem: false) }
}
