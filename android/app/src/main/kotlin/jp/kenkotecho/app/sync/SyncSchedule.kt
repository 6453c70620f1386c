package jp.kenkotecho.app.sync

import android.content.Context
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.OutOfQuotaPolicy
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import java.util.concurrent.TimeUnit

/**
 * The background sync: every hour while a network is connected, kept across reboots; and, while
 * photos wait to be sent, one run of its own as soon as a network is there (the model decides when).
 */
object SyncSchedule {
    private const val WORK_NAME = "techo-sync"
    private const val PHOTOS_WORK_NAME = "techo-photos"

    /** Marks the photo run, so the worker knows its follow-up must queue behind itself. */
    const val PHOTOS_TAG = "techo-photos"

    private val online = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

    fun enqueue(context: Context) {
        val request = PeriodicWorkRequestBuilder<SyncWorker>(1, TimeUnit.HOURS).setConstraints(online).build()
        // KEEP: re-enqueueing at every start must not reset the period.
        WorkManager.getInstance(context).enqueueUniquePeriodicWork(WORK_NAME, ExistingPeriodicWorkPolicy.KEEP, request)
    }

    /**
     * Photos wait: one run soon, expedited while the app's quota lasts, else as ordinary work.
     * From the app, KEEP leaves a run already queued alone. From the photo run itself, which is
     * still running and would make KEEP a no-op, the next run is appended to start after it.
     */
    fun sendPhotosSoon(context: Context, fromPhotoRun: Boolean) {
        val request =
            OneTimeWorkRequestBuilder<SyncWorker>()
                .setConstraints(online)
                .setExpedited(OutOfQuotaPolicy.RUN_AS_NON_EXPEDITED_WORK_REQUEST)
                .addTag(PHOTOS_TAG)
                .build()
        val policy = if (fromPhotoRun) ExistingWorkPolicy.APPEND_OR_REPLACE else ExistingWorkPolicy.KEEP
        WorkManager.getInstance(context).enqueueUniqueWork(PHOTOS_WORK_NAME, policy, request)
    }
}
