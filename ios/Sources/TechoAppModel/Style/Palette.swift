import Foundation

/// An opaque sRGB colour as 0xRRGGBB.
public struct RGB: Equatable, Hashable, Sendable {
    public let hex: UInt32
    public init(_ hex: UInt32) { self.hex = hex }

    public var red: Double { Double((hex >> 16) & 0xFF) / 255 }
    public var green: Double { Double((hex >> 8) & 0xFF) / 255 }
    public var blue: Double { Double(hex & 0xFF) / 255 }

    /// WCAG 2.x relative luminance.
    var luminance: Double {
        func linear(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }
}

/// What a colour is for on screen; the SwiftUI app maps each role to a colour that follows
/// light and dark appearance (`Color(role:)` in the app's Theme.swift).
public enum PaletteRole: CaseIterable, Sendable {
    case background, text, secondaryText, card, link, buttonFill, buttonText,
         problem, problemOnCard, success, successOnCard, warningBackground, warningText, fieldBorder,
         /// A chart's min–max bars, behind its lines (which are `link` and `success`).
         chartRange
}

/// The app's colours, light and dark — the same values as the Android app's `Palette.kt`, whose
/// chart has no range bars (`chartRange`) — and the pairs the screens draw with, each with the
/// contrast it must reach (WCAG 2.x: 4.5:1 for text, 3:1 for UI parts such as borders and chart
/// lines). `PaletteTests` checks every pair and that no role is left out of them.
public enum Palette {
    public static func color(_ role: PaletteRole, dark: Bool) -> RGB {
        dark ? darkColors[role]! : lightColors[role]! // every role is in both tables (PaletteTests)
    }

    static let lightColors: [PaletteRole: RGB] = [
        .background: RGB(0xFFFFFF), .text: RGB(0x111111), .secondaryText: RGB(0x1C1C1C), .card: RGB(0xEEF1F4),
        .link: RGB(0x0B4F8A), .buttonFill: RGB(0x0B4F8A), .buttonText: RGB(0xFFFFFF),
        .problem: RGB(0xA8001C), .problemOnCard: RGB(0xA8001C), .success: RGB(0x275E2B), .successOnCard: RGB(0x275E2B),
        .warningBackground: RGB(0xFFF1C7), .warningText: RGB(0x3A2A00), .fieldBorder: RGB(0x4A4A4A),
        .chartRange: RGB(0x858585),
    ]

    static let darkColors: [PaletteRole: RGB] = [
        .background: RGB(0x000000), .text: RGB(0xF2F2F2), .secondaryText: RGB(0xEDEDED), .card: RGB(0x222222),
        .link: RGB(0xFFD27A), .buttonFill: RGB(0xFFD27A), .buttonText: RGB(0x1E1400),
        .problem: RGB(0xFFB3B8), .problemOnCard: RGB(0xFFB3B8), .success: RGB(0xA6E3A1), .successOnCard: RGB(0xA6E3A1),
        .warningBackground: RGB(0x3D3000), .warningText: RGB(0xFFF0C2), .fieldBorder: RGB(0xBDBDBD),
        .chartRange: RGB(0x7A7A7A),
    ]

    public struct Pair: Sendable {
        public let name: String
        public let foreground: PaletteRole
        public let background: PaletteRole
        public let minimum: Double
    }

    private static let text = 4.5
    private static let uiPart = 3.0

    /// Every pair the screens draw with.
    public static let pairs: [Pair] = [
        Pair(name: "text", foreground: .text, background: .background, minimum: text),
        Pair(name: "secondary text", foreground: .secondaryText, background: .background, minimum: text),
        Pair(name: "secondary text on a card", foreground: .secondaryText, background: .card, minimum: text),
        Pair(name: "text on a card", foreground: .text, background: .card, minimum: text),
        Pair(name: "reading row link", foreground: .link, background: .background, minimum: text),
        Pair(name: "link on a card (switch person)", foreground: .link, background: .card, minimum: text),
        Pair(name: "main button", foreground: .buttonText, background: .buttonFill, minimum: text),
        Pair(name: "field error", foreground: .problem, background: .background, minimum: text),
        Pair(name: "problem in a message box", foreground: .problemOnCard, background: .card, minimum: text),
        Pair(name: "done in a message box", foreground: .successOnCard, background: .card, minimum: text),
        Pair(name: "success line", foreground: .success, background: .background, minimum: text),
        Pair(name: "warning", foreground: .warningText, background: .warningBackground, minimum: text),
        Pair(name: "field border", foreground: .fieldBorder, background: .background, minimum: uiPart),
        Pair(name: "chart line", foreground: .link, background: .background, minimum: uiPart),
        Pair(name: "chart second line", foreground: .success, background: .background, minimum: uiPart),
        Pair(name: "chart range bar", foreground: .chartRange, background: .background, minimum: uiPart),
    ]

    /// WCAG 2.x contrast ratio: 1 (same colour) to 21 (black on white).
    public static func contrast(_ a: RGB, _ b: RGB) -> Double {
        let (la, lb) = (a.luminance, b.luminance)
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
    }
}
