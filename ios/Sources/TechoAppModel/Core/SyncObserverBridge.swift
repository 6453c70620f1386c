import Foundation
import TechoKit

/// What the core reports during a sync run.
public enum SyncEvent: Sendable {
    case progress(SyncProgress)
    case finished(SyncReport)
}

/// The core calls observers on its own worker threads and asks them to return at once. This
/// puts each event on an ordered stream for the main actor to read, so a late progress event
/// can never land after the run's final report.
public final class SyncObserverBridge: SyncObserver {
    private let sink: AsyncStream<SyncEvent>.Continuation

    public init(_ sink: AsyncStream<SyncEvent>.Continuation) {
        self.sink = sink
    }

    public func onProgress(progress: SyncProgress) {
        sink.yield(.progress(progress))
    }

    public func onFinished(report: SyncReport) {
        sink.yield(.finished(report))
    }
}
