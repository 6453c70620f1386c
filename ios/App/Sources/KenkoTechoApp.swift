import BackgroundTasks
import SwiftUI
import TechoAppModel

/// Opens the core once, off the main thread, and keeps it for the app's lifetime. Syncing:
/// the core's own loop while the app is on screen (woken on every return to the foreground),
/// and a BGAppRefreshTask while it is not, plus a BGProcessingTask while photos wait to be sent.
@main
struct KenkoTechoApp: App {
    @State private var app: AppModel
    @Environment(\.scenePhase) private var scenePhase

    init() {
        let app = AppModel()
        _app = State(initialValue: app)
        PhotoUploads.register(app)
    }

    var body: some Scene {
        WindowGroup {
            RootView()
                .environment(app)
                // Links and reading rows in the palette's link colour (≥ 4.5:1, PaletteTests).
                .tint(Color(role: .link))
                .task { [app] in await Launch.start(app) }
        }
        .onChange(of: scenePhase) { _, phase in
            switch phase {
            case .active:
                if case .cannotOpen = app.phase {
                    // Back in the foreground after a failed open (e.g. the phone was still
                    // locked, or storage was freed): try again.
                    Task { [app] in await Launch.start(app) }
                } else {
                    app.sync?.becameActive()
                }
            case .background:
                app.sync?.enteredBackground()
                BackgroundRefresh.schedule()
                Task { [app] in await PhotoUploads.scheduleIfWaiting(app) }
            default:
                break
            }
        }
        .backgroundTask(.appRefresh(BackgroundRefresh.identifier)) { [app] in
            await BackgroundRefresh.run(app)
        }
    }
}

@MainActor
enum Launch {
    /// The window appeared: open the store, then start the foreground sync loop.
    static func start(_ app: AppModel) async {
        await openCore(app)
        app.sync?.becameActive()
    }

    /// The person confirmed starting over after the store could not be opened.
    static func startOver(_ app: AppModel) async {
        await app.startOver(dataDirectory: AppConfiguration.dataDirectory,
                            serverURL: AppConfiguration.serverURL,
                            keyStore: KeychainKeyStore())
        app.sync?.becameActive()
    }

    /// Safe to call from the window and a background launch alike: the store opens once.
    static func openCore(_ app: AppModel) async {
        await app.openOnce(dataDirectory: AppConfiguration.dataDirectory,
                           serverURL: AppConfiguration.serverURL,
                           keyStore: KeychainKeyStore())
    }
}

enum BackgroundRefresh {
    /// Also listed under BGTaskSchedulerPermittedIdentifiers in project.yml.
    static let identifier = "jp.kenkotecho.app.sync"

    /// Asks for the next background sync; iOS decides when (typically hours).
    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 30 * 60) // shell-logic-ok: when iOS may wake the app, not a reading's time
        try? BGTaskScheduler.shared.submit(request)
    }

    /// The system's background time: ask for the next one, then one sync run.
    @MainActor
    static func run(_ app: AppModel) async {
        schedule()
        await Launch.openCore(app)
        _ = await app.syncInBackground()
        // Photos this short run could not finish get the longer one.
        await PhotoUploads.scheduleIfWaiting(app)
    }
}

/// Photos are large: a refresh's short time often cannot send them, so while any wait (the
/// model decides) the app asks for a longer run on a network, and they go even after the person
/// has closed the app.
enum PhotoUploads {
    /// Also listed under BGTaskSchedulerPermittedIdentifiers in project.yml.
    static let identifier = "jp.kenkotecho.app.photos"

    /// SwiftUI's `.backgroundTask` on the iOS versions the app supports takes app refreshes and
    /// URL sessions, not processing tasks, so the handler goes to BGTaskScheduler directly, which
    /// wants it registered before launch ends.
    @MainActor
    static func register(_ app: AppModel) {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: .main) { task in
            // Handed over on the main queue (`using: .main`).
            nonisolated(unsafe) let task = task
            MainActor.assumeIsolated { run(task, app) }
        }
    }

    @MainActor
    static func scheduleIfWaiting(_ app: AppModel) async {
        if await app.photosWaitingToSend() { schedule() }
    }

    static func schedule() {
        let request = BGProcessingTaskRequest(identifier: identifier)
        request.requiresNetworkConnectivity = true
        request.requiresExternalPower = false
        try? BGTaskScheduler.shared.submit(request)
    }

    /// The same run as the refresh's; photos still waiting afterwards ask for another. When iOS
    /// takes the time back first, the task ends at once and asks again: the core's run does not
    /// stop for Swift's cancellation, and what it sent is kept, so the next run goes on from there.
    @MainActor
    private static func run(_ task: BGTask, _ app: AppModel) {
        let finish = Finish(task)
        task.expirationHandler = {
            Task { @MainActor in
                finish.done(success: false)
                schedule()
            }
        }
        Task {
            await Launch.openCore(app)
            let complete = await app.syncInBackground()
            await scheduleIfWaiting(app)
            finish.done(success: complete)
        }
    }
}

/// Tells iOS the task is over once, whether the run or the expiry comes first.
@MainActor
private final class Finish {
    private var task: BGTask?

    init(_ task: BGTask) {
        self.task = task
    }

    func done(success: Bool) {
        task?.setTaskCompleted(success: success)
        task = nil
    }
}
