import Foundation
import TechoKit

/// The one line every screen shows about sending and receiving. Which state applies is the
/// core's decision (`SyncStatus.state`); each state has exactly one phrase here, the same one the
/// Android app shows.
extension Wording {
    public func syncLine(_ status: SyncStatus) -> String {
        syncLine(status.state)
    }

    public func syncLine(_ state: SyncState) -> String {
        switch state {
        case .notSignedIn: self(.syncNotSignedIn)
        case .needsLogin: self(.syncNeedsLogin)
        case .updateRequired: self(.syncUpdateRequired)
        case .running: self(.syncRunning)
        case .offline(let pending): pending > 0 ? self(.syncOffline) : self(.syncOfflineNothingPending)
        case .refused(let n): self(.syncRefused, count(n))
        case .notLinked(let hmCode, let displayName): self(.syncNotLinked, displayName ?? hmCode)
        case .pending(let n): self(.syncPending, count(n))
        case .upToDate(let lastSuccess?): self(.syncUpToDateAt, dateTime(lastSuccess))
        case .upToDate(nil): self(.syncNever)
        }
    }
}
