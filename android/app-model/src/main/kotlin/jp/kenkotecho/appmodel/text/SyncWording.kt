package jp.kenkotecho.appmodel.text

import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.core.SyncOutcome
import jp.kenkotecho.core.SyncPhase
import jp.kenkotecho.core.SyncStatus

/** The sync line shown on every screen. */
data class SyncLine(val text: String, val tone: Tone, val offline: Boolean, val pending: Long)

/**
 * Words the core's sync status. Deciding when to sync or retry is the core's; this reads what it
 * reports (a run waiting to retry is, to the person, offline).
 */
class SyncWording(private val table: StringTable, private val numbers: NumberWording, private val dates: DateWording) {
    fun line(status: SyncStatus, offsetMinutes: Int): SyncLine {
        val pending = status.pending.toLong()
        val report = status.lastReport
        val offline =
            if (status.running) {
                status.lastProgress?.phase == SyncPhase.WAITING_TO_RETRY
            } else {
                report?.outcome is SyncOutcome.Offline
            }
        fun line(key: StringKey, tone: Tone, vararg args: String) = SyncLine(table.get(key, *args), tone, offline, pending)
        val lastSuccess = status.lastSuccess
        return when {
            status.account == null -> line(StringKey.SYNC_NOT_SIGNED_IN, Tone.INFO)
            offline && pending > 0 -> line(StringKey.SYNC_OFFLINE, Tone.WARNING)
            offline -> line(StringKey.SYNC_OFFLINE_NOTHING_PENDING, Tone.WARNING)
            status.running -> line(StringKey.SYNC_RUNNING, Tone.INFO)
            report?.outcome == SyncOutcome.NeedsLogin -> line(StringKey.SYNC_NEEDS_LOGIN, Tone.WARNING)
            report?.outcome == SyncOutcome.UpdateRequired -> line(StringKey.SYNC_UPDATE_REQUIRED, Tone.WARNING)
            status.wedged > 0uL -> line(StringKey.SYNC_REFUSED, Tone.WARNING, numbers.whole(status.wedged))
            pending > 0 -> line(StringKey.SYNC_PENDING, Tone.INFO, numbers.whole(status.pending))
            lastSuccess != null -> line(StringKey.SYNC_ALL_SENT_AT, Tone.SUCCESS, dates.dateTime(lastSuccess, offsetMinutes))
            else -> line(StringKey.SYNC_ALL_SENT, Tone.SUCCESS)
        }
    }
}
