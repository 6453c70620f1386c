package jp.kenkotecho.app

import android.app.Application
import jp.kenkotecho.app.emergency.ShownActivity
import jp.kenkotecho.app.sync.ForegroundSync
import jp.kenkotecho.app.sync.SyncSchedule
import jp.kenkotecho.appmodel.sync.SyncMonitor
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob

/**
 * Opens the core once for the whole process (off the main thread) and wires the only sync
 * triggers the shell owns: WorkManager's periodic run, and waking the core's own loop while the
 * app is visible or when the network comes back.
 */
class KenkoTechoApp : Application() {
    private val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    /** The one observer every sync run reports to; screens read status from the core. */
    val monitor = SyncMonitor()

    lateinit var core: CoreHolder
        private set

    override fun onCreate() {
        super.onCreate()
        val prefs = DisplayPrefsStore(this)
        core = CoreHolder(this, appScope, monitor, prefs.flow)
        core.open()
        prefs.persist(appScope)
        SyncSchedule.enqueue(this)
        ShownActivity.register(this)
        ForegroundSync(this, core, monitor, appScope).register()
    }
}
