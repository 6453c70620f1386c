import BackgroundTasks
import SwiftUI
import TechoAppModel

/// Opens the core once, off the main thread, and keeps it for the app's lifetime. Syncing:
/// the core's own loop while the app is on screen (woken on every return to the foreground),
/// and a BGAppRefreshTask while it is not.
@main
struct KenkoTechoApp: App {
    @State private var app = AppModel()
    @Environment(\.scenePhase) private var scenePhase

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
    }
}
