package jp.kenkotecho.app.sync

import android.content.Context
import android.net.ConnectivityManager
import android.net.Network
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ProcessLifecycleOwner
import jp.kenkotecho.app.CoreHolder
import jp.kenkotecho.app.CoreState
import jp.kenkotecho.appmodel.sync.AutoSyncController
import jp.kenkotecho.appmodel.sync.PhotoUploads
import jp.kenkotecho.appmodel.sync.SyncMonitor
import jp.kenkotecho.core.ApiException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.dropWhile
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch

/**
 * Runs the core's sync loop while any screen is visible, and wakes it when the network returns;
 * on leaving the screen, asks for a background run when photos still wait (PhotoUploads decides).
 * Calls go through one serial dispatcher so start/stop keep their order even when the core is
 * still opening; each applies the latest visibility, not the one that queued it.
 */
class ForegroundSync(
    private val context: Context,
    private val holder: CoreHolder,
    private val monitor: SyncMonitor,
    private val scope: CoroutineScope,
) : DefaultLifecycleObserver {
    private val serial = Dispatchers.Default.limitedParallelism(1)

    @Volatile private var visible = false
    private var controller: AutoSyncController? = null

    fun register() {
        ProcessLifecycleOwner.get().lifecycle.addObserver(this)
        val connectivity = context.getSystemService(ConnectivityManager::class.java)
        connectivity.registerDefaultNetworkCallback(
            object : ConnectivityManager.NetworkCallback() {
                override fun onAvailable(network: Network) {
                    scope.launch(serial) { controller?.onNetworkAvailable() }
                }
            },
        )
        // The first open failed and a Retry then opened the core: start the loop now, while the
        // app is on screen, rather than at the next return to the foreground.
        scope.launch {
            holder.state.dropWhile { it !is CoreState.Failed }.first { it is CoreState.Ready }
            apply()
        }
    }

    override fun onStart(owner: LifecycleOwner) {
        visible = true
        apply()
    }

    override fun onStop(owner: LifecycleOwner) {
        visible = false
        apply()
    }

    private fun apply() {
        scope.launch(serial) {
            val core = holder.awaitCore() ?: return@launch
            // Read and set after the wait: nothing else runs on `serial` in between.
            val c = controller ?: AutoSyncController(core, monitor, INTERVAL_SECONDS).also { controller = it }
            if (visible) {
                c.onForeground()
            } else {
                c.onBackground()
                // The loop stops with the screen; photos still waiting get a run of their own.
                val ask =
                    try {
                        PhotoUploads.shouldAsk(core.syncStatus())
                    } catch (e: ApiException) {
                        false
                    }
                if (ask) SyncSchedule.sendPhotosSoon(context, fromPhotoRun = false)
            }
        }
    }

    private companion object {
        /** Between runs while visible; the core syncs sooner after failures and on wake(). */
        const val INTERVAL_SECONDS = 300u
    }
}
