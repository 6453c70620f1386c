import Foundation
import Observation
import TechoKit

/// The app's side of syncing: the core's background loop while the app is in the foreground,
/// a run when the person asks or the system grants background time, and the status line.
/// Retry and backoff live in the core's scheduler; this only starts, wakes and stops it.
@Observable @MainActor
public final class SyncCoordinator {
    public private(set) var line: String
    /// The "sync now" button waits: from a tap until the core's next word, then while the core
    /// says a run is sending or receiving. A run waiting to retry lets it be pressed again, which
    /// has the core try at once (as on Android).
    public var isRunning: Bool { asked || status?.state == .running }
    public private(set) var status: SyncStatus?
    /// Counts finished runs, whoever started them (the button, the foreground loop, background
    /// refresh): a screen showing synced data reloads when it changes.
    public private(set) var runsFinished = 0
    /// The latest step of the run in progress (its phase and a photo's byte counts, without the
    /// error text), for the line while a photo is sent; nil between runs.
    public private(set) var progress: SyncProgress?
    private var asked = false

    private let access: CoreAccess
    private let wording: Wording
    @ObservationIgnored private var loop: (any SyncTaskHandleProtocol)?
    /// Status reads, numbered as issued, and the newest one shown.
    @ObservationIgnored private var readsIssued = 0
    @ObservationIgnored private var readsApplied = 0
    @ObservationIgnored private let events: AsyncStream<SyncEvent>.Continuation
    @ObservationIgnored private let observer: SyncObserverBridge

    /// How often the foreground loop syncs without being woken.
    public static let foregroundIntervalSeconds: UInt32 = 300

    public init(access: CoreAccess, wording: Wording) {
        self.access = access
        self.wording = wording
        self.line = wording(.syncNever)
        let (stream, events) = AsyncStream.makeStream(of: SyncEvent.self)
        self.events = events
        observer = SyncObserverBridge(events)
        Task { [weak self] in
            for await event in stream {
                guard let self else { return }
                self.apply(event)
            }
        }
    }

    deinit {
        events.finish()
    }

    /// The app came to the foreground (scenePhase active): start the loop, or wake it.
    public func becameActive() {
        if let loop, loop.isActive() {
            loop.wake()
        } else {
            loop = access.core.startAutoSync(intervalSeconds: Self.foregroundIntervalSeconds, observer: observer)
        }
    }

    /// The app left the foreground: stop the loop; BGAppRefreshTask takes over.
    public func enteredBackground() {
        loop?.cancel()
        loop = nil
    }

    public var isLoopActive: Bool { loop?.isActive() ?? false }

    /// Photos still to be sent (counted by the core among the pending changes) want a longer
    /// background run than a refresh gives, when a run could send them: signed out, asked to
    /// sign in again or needing an update, the person has to act first (as on Android). Without
    /// a status there is nothing known to send.
    public nonisolated static func wantsLongerRun(_ status: SyncStatus?) -> Bool {
        guard let status, status.pendingUploads > 0 else { return false }
        switch status.state {
        case .notSignedIn, .needsLogin, .updateRequired: return false
        default: return true
        }
    }

    /// A reading was saved, corrected or deleted: the core's loop wants waking for that.
    public func localChange() {
        if let loop, loop.isActive() { loop.wake() }
    }

    /// Removes a person without losing anything: the core sends what the phone holds, then
    /// removes them if nothing of theirs is left unsent (else it throws `Conflict(unsentChanges)`
    /// and they stay). The run is reported like any other.
    public func sendThenRemove(_ personId: String) async throws -> UInt64 {
        asked = true
        defer { asked = false }
        let removed = try await access.core.sendThenRemoveProfile(profileId: personId, observer: observer)
        await refresh()
        return removed
    }

    /// The "sync now" button and background refresh. The report also arrives via the observer.
    @discardableResult
    public func syncNow() async -> SyncReport? {
        // The line stays the core's: after an offline run it would otherwise say "sending" until
        // the run's first event, which Android never says. The button shows its own spinner.
        asked = true
        defer { asked = false }
        do {
            let report = try await access.core.syncNow(observer: observer)
            asked = false
            await refresh()
            return report
        } catch {
            line = wording.message(for: error)
            return nil
        }
    }

    /// Re-reads the core's status into the line. Reads run concurrently (every run event asks
    /// for one); a read applies unless a newer one was applied first, so an older status never
    /// replaces a newer one, and the line is current once this returns.
    public func refresh() async {
        readsIssued += 1
        let read = readsIssued
        do {
            let status = try await access.run { core in try core.syncStatus() }
            guard read > readsApplied else { return }
            readsApplied = read
            show(status)
        } catch {
            guard read > readsApplied else { return }
            readsApplied = read
            line = wording.message(for: error)
        }
    }

    private func show(_ status: SyncStatus) {
        self.status = status
        asked = false
        line = wording.syncLine(status, progress: progress)
    }

    /// Every event from the core's run is a reason to ask the core what to say now; the state
    /// (running, offline while it waits to retry, refused…) is its decision, not this one's.
    private func apply(_ event: SyncEvent) {
        switch event {
        case .progress(let step):
            progress = SyncProgress(phase: step.phase, pushed: step.pushed, pulled: step.pulled, pending: step.pending,
                                    lastError: nil, uploadSent: step.uploadSent, uploadSize: step.uploadSize,
                                    uploadPercent: step.uploadPercent)
        case .finished:
            progress = nil
            runsFinished += 1
        }
        Task { await refresh() }
    }
}
