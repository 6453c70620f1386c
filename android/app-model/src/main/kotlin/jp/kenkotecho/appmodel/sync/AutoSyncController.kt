package jp.kenkotecho.appmodel.sync

import jp.kenkotecho.core.SyncObserver
import jp.kenkotecho.core.SyncTaskHandle
import jp.kenkotecho.core.TechoCoreInterface

/**
 * Runs the core's own sync loop while the app is in the foreground. The shell only says when it is
 * visible and when the network came back; intervals, retries and backoff are the core's.
 */
class AutoSyncController(
    private val core: TechoCoreInterface,
    private val observer: SyncObserver?,
    private val intervalSeconds: UInt,
) {
    private var handle: SyncTaskHandle? = null

    val isRunning: Boolean
        @Synchronized get() = handle?.isActive() == true

    /** The app became visible: start the loop (it syncs at once), or nudge a running one. */
    @Synchronized
    fun onForeground() {
        val running = handle
        if (running != null && running.isActive()) {
            running.wake()
        } else {
            running?.close()
            handle = core.startAutoSync(intervalSeconds, observer)
        }
    }

    /** Connectivity returned: sync soon if the loop runs; the worker covers the background. */
    @Synchronized
    fun onNetworkAvailable() {
        handle?.wake()
    }

    /** The app went to the background: stop the loop and free its handle (P-F7). */
    @Synchronized
    fun onBackground() {
        handle?.let {
            it.cancel()
            it.close()
        }
        handle = null
    }
}
