package jp.kenkotecho.app.sync

import android.content.Context
import androidx.work.CoroutineWorker
import androidx.work.WorkerParameters
import jp.kenkotecho.app.KenkoTechoApp
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.SyncOutcome

/**
 * One background sync run. The core decides what to send and how to retry within the run; this
 * only tells WorkManager whether the run should be tried again later (its default backoff).
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext as KenkoTechoApp
        // Could not open (the app explains why when it is next opened): nothing to do here.
        val core = app.core.awaitCore() ?: return Result.success()
        return try {
            when (core.syncNow(app.monitor).outcome) {
                is SyncOutcome.Offline -> Result.retry()
                // Signed out or too old: only the person can fix that, in the app.
                SyncOutcome.NeedsLogin, SyncOutcome.UpdateRequired, SyncOutcome.Complete -> Result.success()
            }
        } catch (e: ApiException.Network) {
            Result.retry()
        } catch (e: ApiException) {
            Result.failure()
        }
    }
}
