import TechoAppModel
import UIKit

/// 命の宝箱 through AirPrint: the core's HTML as it is, on A4 (the page is laid out for it), under
/// the job name the model gives. The model decides what to say about the outcome.
@MainActor
final class AirPrintSheetPrinter: NSObject, SheetPrinter, UIPrintInteractionControllerDelegate {
    /// A4 in points: the core lays the sheet out for this page.
    private static let a4 = CGSize(width: 595.28, height: 841.89)

    func print(html: String, jobName: String) async -> PrintOutcome {
        let controller = UIPrintInteractionController.shared
        let info = UIPrintInfo(dictionary: nil)
        info.jobName = jobName
        info.outputType = .general
        controller.printInfo = info
        controller.printFormatter = UIMarkupTextPrintFormatter(markupText: html)
        controller.delegate = self
        return await withCheckedContinuation { continuation in
            let answer = Answer(continuation)
            let shown = controller.present(animated: true) { _, completed, error in
                MainActor.assumeIsolated {
                    answer.give(error != nil ? .failed : completed ? .printed : .cancelled)
                }
            }
            // Not shown (another print screen is open, or no printing here): no completion follows.
            if !shown { answer.give(.failed) }
        }
    }

    func printInteractionController(_ printInteractionController: UIPrintInteractionController,
                                    choosePaper paperList: [UIPrintPaper]) -> UIPrintPaper {
        UIPrintPaper.bestPaper(forPageSize: Self.a4, withPapersFrom: paperList)
    }
}

/// Resumes the waiting print call once, whichever of UIKit's two ways of answering comes.
@MainActor
private final class Answer {
    private var continuation: CheckedContinuation<PrintOutcome, Never>?

    init(_ continuation: CheckedContinuation<PrintOutcome, Never>) {
        self.continuation = continuation
    }

    func give(_ outcome: PrintOutcome) {
        continuation?.resume(returning: outcome)
        continuation = nil
    }
}
