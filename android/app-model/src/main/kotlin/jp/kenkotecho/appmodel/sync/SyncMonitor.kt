package jp.kenkotecho.appmodel.sync

import jp.kenkotecho.core.SyncObserver
import jp.kenkotecho.core.SyncProgress
import jp.kenkotecho.core.SyncReport
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/**
 * The app's one sync observer, given to every run (the button, the foreground loop, the worker).
 * The core calls it on its own threads and wants a quick return, so it only bumps counters and
 * keeps the running run's latest step (its phase and photo byte counts, for the sync line); view
 * models then read `syncStatus()` and `homeScreen()` themselves. It keeps no report: reports list
 * HM codes, and nothing here should hold patient data longer than the core does.
 */
class SyncMonitor : SyncObserver {
    private val progressCount = MutableStateFlow(0L)
    private val finishedCount = MutableStateFlow(0L)
    private val latestProgress = MutableStateFlow<SyncProgress?>(null)

    /** The latest step of the run in progress, without its error text; null between runs. */
    val progress: StateFlow<SyncProgress?> = latestProgress.asStateFlow()

    /** Bumped on every progress step and every finished run. */
    val changes: StateFlow<Long> = progressCount.asStateFlow()

    /** Bumped once per finished run: time to reload what the run may have pulled. */
    val finishedRuns: StateFlow<Long> = finishedCount.asStateFlow()

    override fun onProgress(progress: SyncProgress) {
        latestProgress.value = progress.copy(lastError = null)
        progressCount.update { it + 1 }
    }

    override fun onFinished(report: SyncReport) {
        latestProgress.value = null
        finishedCount.update { it + 1 }
        progressCount.update { it + 1 }
    }
}
