package jp.kenkotecho.appmodel.text

import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.core.SyncPhase
import jp.kenkotecho.core.SyncProgress
import jp.kenkotecho.core.SyncState
import jp.kenkotecho.core.SyncStatus

/** The sync line shown on every screen; [running]: the core says a run is sending or receiving now (not while it waits to retry). */
data class SyncLine(val text: String, val tone: Tone, val offline: Boolean, val pending: Long, val running: Boolean = false)

/**
 * Words the core's sync state (`SyncStatus.state`): which state applies is the core's decision,
 * and each state has exactly one phrase, the same one the iOS app shows. While a run is going,
 * the run's latest progress (from the [jp.kenkotecho.appmodel.sync.SyncMonitor]) says what it is
 * doing when that is worth saying: a photo being sent, with how much of it the server holds.
 */
class SyncWording(private val table: StringTable, private val numbers: NumberWording, private val dates: DateWording) {
    fun line(status: SyncStatus, offsetMinutes: Int, progress: SyncProgress? = null): SyncLine {
        val pending = status.pending.toLong()
        val state = status.state
        fun line(key: StringKey, tone: Tone, vararg args: String) =
            SyncLine(table.get(key, *args), tone, state is SyncState.Offline, pending)
        return when (state) {
            SyncState.NotSignedIn -> line(StringKey.SYNC_NOT_SIGNED_IN, Tone.INFO)
            SyncState.NeedsLogin -> line(StringKey.SYNC_NEEDS_LOGIN, Tone.WARNING)
            SyncState.UpdateRequired -> line(StringKey.SYNC_UPDATE_REQUIRED, Tone.WARNING)
            SyncState.Running -> SyncLine(running(progress), Tone.INFO, false, pending, running = true)
            is SyncState.Offline ->
                if (state.pending > 0uL) line(StringKey.SYNC_OFFLINE, Tone.WARNING)
                else line(StringKey.SYNC_OFFLINE_NOTHING_PENDING, Tone.WARNING)
            is SyncState.Refused -> line(StringKey.SYNC_REFUSED, Tone.WARNING, numbers.whole(state.count))
            is SyncState.NotLinked -> line(StringKey.SYNC_NOT_LINKED, Tone.WARNING, state.displayName ?: state.hmCode)
            is SyncState.Pending -> line(StringKey.SYNC_PENDING, Tone.INFO, numbers.whole(state.count))
            is SyncState.UpToDate -> {
                val last = state.lastSuccess
                if (last != null) line(StringKey.SYNC_UP_TO_DATE_AT, Tone.SUCCESS, dates.dateTime(last, offsetMinutes))
                else line(StringKey.SYNC_NEVER, Tone.SUCCESS)
            }
        }
    }

    /** A run in progress, by its phase; without a progress report yet, just that it is running. */
    fun running(progress: SyncProgress?): String {
        if (progress == null) return table[StringKey.SYNC_RUNNING]
        return when (progress.phase) {
            SyncPhase.UPLOADING -> table[StringKey.SYNC_UPLOADING, numbers.whole(progress.uploadPercent.toLong())]
            SyncPhase.STARTING, SyncPhase.PUSHING, SyncPhase.PULLING, SyncPhase.WAITING_TO_RETRY, SyncPhase.DONE ->
                table[StringKey.SYNC_RUNNING]
        }
    }

    /**
     * The share of the photo the server holds, in whole percent rounded down (100 only when all of
     * it is there), as the terminal client shows it; 0 before the size is known.
     */
}
