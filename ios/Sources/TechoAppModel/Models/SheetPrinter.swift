import Foundation

/// How a print job ended, as the phone's printing reports it.
public enum PrintOutcome: Equatable, Sendable {
    case printed
    /// The person closed the print screen: nothing went wrong, so nothing is said.
    case cancelled
    case failed
}

/// The phone's printing, given the core's self-contained HTML page as it is (laid out for one
/// A4 sheet) and the job's name the print queue shows. The app hands in AirPrint
/// (`App/Sources/AirPrintSheetPrinter.swift`); tests hand in one that records what it was given.
/// On the main actor: the system's print screen is drawn from there.
@MainActor
public protocol SheetPrinter: AnyObject {
    func print(html: String, jobName: String) async -> PrintOutcome
}
