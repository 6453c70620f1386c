package jp.kenkotecho.app.sync

import android.app.NotificationChannel
import android.app.NotificationManager
import android.content.Context
import android.content.pm.ServiceInfo
import android.os.Build
import android.util.Log
import androidx.core.app.NotificationCompat
import androidx.work.CoroutineWorker
import androidx.work.ForegroundInfo
import androidx.work.WorkerParameters
import jp.kenkotecho.app.KenkoTechoApp
import jp.kenkotecho.app.R
import jp.kenkotecho.appmodel.sync.PhotoUploads
import jp.kenkotecho.core.ApiException
import kotlinx.coroutines.CancellationException

/**
 * One background sync run, hourly or asked for while photos wait. When and how often to try
 * again is the core's decision (its own retries within a run, its status for the app) and the
 * schedule's: every run reports success, so WorkManager never adds a backoff of its own on top.
 * A run that sent photos but not all of them asks for the next at once (PhotoUploads decides).
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext as KenkoTechoApp
        // Could not open (the app explains why when it is next opened): nothing to do here.
        val core = app.core.awaitCore() ?: return Result.success()
        try {
            val before = core.syncStatus()
            // Offline, signed out or too old: the core records it, and the app shows it.
            core.syncNow(app.monitor)
            if (PhotoUploads.shouldAskAgain(before, core.syncStatus())) {
                SyncSchedule.sendPhotosSoon(applicationContext, fromPhotoRun = SyncSchedule.PHOTOS_TAG in tags)
            }
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

    /**
     * Before Android 12 an expedited run is a foreground service, which must show a notification:
     * a quiet one, without sound or badge, saying only that photos are being sent.
     */
    override suspend fun getForegroundInfo(): ForegroundInfo {
        val context = applicationContext
        val channel =
            NotificationChannel(CHANNEL_ID, context.getString(R.string.sync_photos_channel), NotificationManager.IMPORTANCE_LOW)
                .apply { setShowBadge(false) }
        context.getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
        val notification =
            NotificationCompat.Builder(context, CHANNEL_ID)
                .setSmallIcon(android.R.drawable.stat_sys_upload)
                .setContentTitle(context.getString(R.string.sync_photos_sending))
                .setPriority(NotificationCompat.PRIORITY_LOW)
                .setSilent(true)
                .setOngoing(true)
                .build()
        return if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) {
            ForegroundInfo(NOTIFICATION_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_DATA_SYNC)
        } else {
            ForegroundInfo(NOTIFICATION_ID, notification)
        }
    }

    private companion object {
        const val TAG = "TechoSync"
        const val CHANNEL_ID = "photos"
        const val NOTIFICATION_ID = 1
    }
}
