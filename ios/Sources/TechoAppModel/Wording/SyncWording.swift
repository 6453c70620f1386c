import Foundation
import TechoKit

/// The one line every screen shows about sending and receiving. It reports what the core says
/// happened; when to retry is the core's business (its scheduler), not this line's.
extension Wording {
    /// `names` maps HM codes to display names, for profiles the account cannot send.
    public func syncLine(_ status: SyncStatus, names: [String: String] = [:]) -> String {
        if status.running { return self(.syncRunning) }
        if status.account == nil { return self(.syncNeedsLogin) }
        switch status.lastReport?.outcome {
        case .offline?: return self(.syncOffline)
        case .needsLogin?: return self(.syncNeedsLogin)
        case .updateRequired?: return self(.syncUpdateRequired)
        case .complete?, nil: break
        }
        if status.wedged > 0 { return self(.syncRefused, String(status.wedged)) }
        if let code = status.lastReport?.notLinked.first {
            return self(.syncNotLinked, names[code] ?? code)
        }
        if status.pending > 0 { return self(.syncPending, String(status.pending)) }
        guard let last = status.lastSuccess else { return self(.syncNever) }
        return self(.syncUpToDate) + " " + self(.syncLastSuccess, dateTime(last))
    }

    /// A finished run, as the line to show right after it.
    public func syncLine(_ report: SyncReport) -> String {
        switch report.outcome {
        case .offline: return self(.syncOffline)
        case .needsLogin: return self(.syncNeedsLogin)
        case .updateRequired: return self(.syncUpdateRequired)
        case .complete:
            if report.wedged > 0 { return self(.syncRefused, String(report.wedged)) }
            if report.pending > 0 { return self(.syncPending, String(report.pending)) }
            return self(.syncUpToDate)
        }
    }
}
