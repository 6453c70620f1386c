import Foundation
import TechoKit

/// The one line every screen shows about sending and receiving. Which state applies is the
/// core's decision (`SyncStatus.state`); each state has exactly one phrase here, the same one the
/// Android app shows. While a run is going, the run's latest progress (kept by `SyncCoordinator`)
/// says what it is doing when that is worth saying: a photo being sent, with how much of it the
/// server holds.
extension Wording {
    public func syncLine(_ status: SyncStatus, progress: SyncProgress? = nil) -> String {
        syncLine(status.state, progress: progress)
    }

    public func syncLine(_ state: SyncState, progress: SyncProgress? = nil) -> String {
        switch state {
        case .notSignedIn: self(.syncNotSignedIn)
        case .needsLogin: self(.syncNeedsLogin)
        case .updateRequired: self(.syncUpdateRequired)
        case .running: syncRunning(progress)
        case .offline(let pending): pending > 0 ? self(.syncOffline) : self(.syncOfflineNothingPending)
        case .refused(let n): self(.syncRefused, count(n))
        case .notLinked(let hmCode, let displayName): self(.syncNotLinked, displayName ?? hmCode)
        case .pending(let n): self(.syncPending, count(n))
        case .upToDate(let lastSuccess?): self(.syncUpToDateAt, dateTime(lastSuccess))
        case .upToDate(nil): self(.syncNever)
        }
    }

    /// A run in progress, by its phase; without a progress report yet, just that it is running.
    public func syncRunning(_ progress: SyncProgress?) -> String {
        guard let progress else { return self(.syncRunning) }
        switch progress.phase {
        case .uploading:
            return self(.syncUploading, count(UInt64(progress.uploadPercent)))
        case .starting, .pushing, .pulling, .waitingToRetry, .done:
            return self(.syncRunning)
        }
    }

    /// The share of the photo the server holds, in whole percent rounded down (100 only when all
    /// of it is there), as the terminal client shows it; 0 before the size is known.
}
