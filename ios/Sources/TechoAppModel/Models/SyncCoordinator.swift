import Foundation
import Observation
import TechoKit

/// The app's side of syncing: the core's background loop while the app is in the foreground,
/// a run when the person asks or the system grants background time, and the status line.
/// Retry and backoff live in the core's scheduler; this only starts, wakes and stops it.
@Observable @MainActor
public final class SyncCoordinator {
    public private(set) var line: String
    public private(set) var isRunning = false
    public private(set) var status: SyncStatus?

    private let access: CoreAccess
    private let wording: Wording
    @ObservationIgnored private var loop: (any SyncTaskHandleProtocol)?
    @ObservationIgnored private var names: [String: String] = [:]
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

    /// A reading was saved, corrected or deleted: the core's loop wants waking for that.
    public func localChange() {
        if let loop, loop.isActive() { loop.wake() }
    }

    /// The "sync now" button and background refresh. The report also arrives via the observer.
    @discardableResult
    public func syncNow() async -> SyncReport? {
        isRunning = true
        line = wording(.syncRunning)
        defer { isRunning = false }
        do {
            let report = try await access.core.syncNow(observer: observer)
            line = wording.syncLine(report)
            await refresh()
            return report
        } catch {
            line = wording.message(for: error)
            return nil
        }
    }

    /// Re-reads the core's status (pending count, last run) into the line.
    public func refresh() async {
        do {
            let (status, profiles) = try await access.run { core in (try core.syncStatus(), try core.profiles()) }
            names = Dictionary(profiles.map { ($0.hmCode, $0.displayName) }, uniquingKeysWith: { first, _ in first })
            show(status)
        } catch {
            line = wording.message(for: error)
        }
    }

    /// A status that arrived with a screen's data (HomeScreen.sync), saving a second call.
    public func show(_ status: SyncStatus) {
        self.status = status
        isRunning = status.running
        line = wording.syncLine(status, names: names)
    }

    private func apply(_ event: SyncEvent) {
        switch event {
        case .progress(let progress):
            isRunning = progress.phase != .done
            switch progress.phase {
            // The core could not reach the server and will try again by itself: say so now
            // rather than after its retries run out.
            case .waitingToRetry: line = wording(.syncOffline)
            case .starting, .pushing, .pulling: line = wording(.syncRunning)
            case .done: break
            }
        case .finished(let report):
            isRunning = false
            line = wording.syncLine(report)
            Task { await refresh() }
        }
    }
}
