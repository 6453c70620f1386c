package jp.kenkotecho.appmodel.home

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ReadingRow
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.checkup.tone
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.SyncLine
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.drop

/** The newest checkup on the home screen: "最近の健診：2026年6月12日（金）　受診をすすめる値があります". */
data class LatestCheckupRow(val id: String, val text: String, val tone: Tone)

data class HomeState(
    val loading: Boolean = true,
    /** No profile yet: the UI shows the first-run screens instead. */
    val needsFirstRun: Boolean = false,
    val person: PersonHeader? = null,
    val today: List<ReadingRow> = emptyList(),
    val todayEmptyText: String? = null,
    val latest: List<ReadingRow> = emptyList(),
    val bpSummary: String? = null,
    /** Null until a checkup is recorded; a tap opens it. */
    val latestCheckup: LatestCheckupRow? = null,
    val sync: SyncLine? = null,
    /**
     * The "send now" button waits: from a tap until the core's next word, then while the core
     * says a run is sending or receiving. A run waiting to retry lets it be pressed again, which
     * has the core try at once.
     */
    val syncing: Boolean = false,
    val error: Notice? = null,
)

/** Today's readings, the latest of each kind, the 7-day BP line and the sync line: one core call. */
class HomeViewModel(env: AppEnvironment, scope: CoroutineScope) : ScreenModel<HomeState>(HomeState(), env, scope) {
    init {
        // Any run (button, foreground loop, worker) changes the sync line; a finished one may have
        // pulled readings too.
        launch { env.monitor.changes.drop(1).collect { refreshSyncLine() } }
        launch { env.monitor.finishedRuns.drop(1).collect { load() } }
    }

    fun refresh(): Job = launch { load() }

    /** The "send now" button: one run, reported through the shared monitor. */
    fun syncNow(): Job =
        launch {
            update { it.copy(syncing = true, error = null) }
            attempt(Action.SYNC, { text -> update { it.copy(error = Notice(text, Tone.ERROR)) } }) {
                env.core.syncNow(env.monitor)
            }
            update { it.copy(syncing = false) }
            load()
        }

    private suspend fun load() {
        attempt(Action.LOAD, { text -> update { it.copy(loading = false, error = Notice(text, Tone.ERROR)) } }) {
            val profile = env.onCore { activeProfile() }
            if (profile == null) {
                update { HomeState(loading = false, needsFirstRun = true) }
                return@attempt
            }
            val now = env.now()
            val offset = env.offsetMinutes(now)
            val screen = env.onCore { homeScreen(profile.id, now, offset) }
            val words = env.words()
            update {
                it.copy(
                    loading = false,
                    needsFirstRun = false,
                    person = PersonHeader.of(screen.profile, words),
                    today = screen.today.map { v -> ReadingRow.of(v, words, timeOnly = true) },
                    todayEmptyText = if (screen.today.isEmpty()) words[StringKey.HOME_NO_READINGS_TODAY] else null,
                    latest = screen.latest.map { v -> ReadingRow.of(v, words) },
                    bpSummary = words.bp.overall(screen.bpSummary),
                    latestCheckup =
                        screen.latestCheckup?.let { c -> LatestCheckupRow(c.id, words.checkups.latest(c), c.worstJudgement.tone()) },
                    sync = words.sync.line(screen.sync, offset, env.monitor.progress.value),
                    error = null,
                )
            }
        }
    }

    private suspend fun refreshSyncLine() {
        attempt(Action.LOAD, { }) {
            val status = env.onCore { syncStatus() }
            val line = env.words().sync.line(status, env.offsetMinutes(env.now()), env.monitor.progress.value)
            update { it.copy(sync = line, syncing = line.running) }
        }
    }
}
