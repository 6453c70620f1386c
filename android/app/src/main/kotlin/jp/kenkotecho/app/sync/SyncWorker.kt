package jp.kenkotecho.app.sync

import android.content.Context
import android.util.Log
import androidx.work.CoroutineWorker
import androidx.work.WorkerParameters
import jp.kenkotecho.app.KenkoTechoApp
import jp.kenkotecho.core.ApiException
import kotlinx.coroutines.CancellationException

/**
 * One background sync run. When and how often to try again is the core's decision (its own
 * retries within a run, its status for the app) and the hourly schedule's: every run reports
 * success, so WorkManager never adds a backoff of its own on top.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext as KenkoTechoApp
        // Could not open (the app explains why when it is next opened): nothing to do here.
        val core = app.core.awaitCore() ?: return Result.success()
        try {
            // Offline, signed out or too old: the core records it, and the app shows it.
            core.syncNow(app.monitor)
        } catch (e: CancellationException) {
            throw e
        } catch (e: ApiException) {
            // The core's status already says what went wrong; the next run tries again.
        } catch (e: Throwable) {
            // Only the type: a message could carry patient data, and logs must not.
            Log.w(TAG, "Background sync stopped: ${e.javaClass.name}")
        }
        return Result.success()
    }

    private companion object {
        const val TAG = "TechoSync"
    }
}
