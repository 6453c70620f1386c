package jp.kenkotecho.appmodel.checkup

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.CheckupEntry
import jp.kenkotecho.core.CheckupJudgement
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.drop

/** How a judgement should stand out: the screen picks the colours, never the words. */
fun CheckupJudgement?.tone(): Tone =
    when (this) {
        CheckupJudgement.SEE_DOCTOR -> Tone.ERROR
        CheckupJudgement.GUIDANCE -> Tone.WARNING
        CheckupJudgement.NORMAL -> Tone.SUCCESS
        else -> Tone.INFO
    }

/** One checkup in the list, worded; a tap opens [id]. */
data class CheckupRow(
    val id: String,
    /** "2026年6月12日（金）　特定健診". */
    val title: String,
    /** Null when none was written. */
    val institution: String?,
    /** "写真1枚・検査項目3つ". */
    val counts: String,
    /** The most serious judgement among its items; null when no item was judged. */
    val worst: String?,
    val worstTone: Tone,
    val unsentText: String?,
    val conflictText: String?,
    /** Everything above as one TalkBack announcement. */
    val a11y: String,
) {
    companion object {
        fun of(entry: CheckupEntry, words: Wording): CheckupRow {
            val c = words.checkups
            val title = c.title(entry.date, entry.dateText, entry.kind)
            val institution = entry.institution.ifBlank { null }
            val counts = c.counts(entry.pageCount, entry.itemCount)
            val worst = c.worst(entry.worstJudgement)
            val unsent = if (entry.unsent) words[StringKey.CHECKUP_UNSENT] else null
            val conflicts =
                if (entry.conflictCount > 0u) words[StringKey.CHECKUP_CONFLICTS_MARK, words.numbers.whole(entry.conflictCount)] else null
            val a11y =
                listOfNotNull(institution, counts, worst, unsent, conflicts)
                    .fold(title) { said, line -> words[StringKey.CHECKUP_ENTRY_A11Y, said, line] }
            return CheckupRow(entry.id, title, institution, counts, worst, entry.worstJudgement.tone(), unsent, conflicts, a11y)
        }
    }
}

data class CheckupListState(
    val loading: Boolean = true,
    val person: PersonHeader? = null,
    val title: String = "",
    val intro: String = "",
    /** Newest first, as the core lists them. */
    val rows: List<CheckupRow> = emptyList(),
    val emptyText: String? = null,
    val addLabel: String = "",
    val notice: Notice? = null,
)

/** The person's checkups, newest first; reloaded after each sync run (another phone may have added one). */
class CheckupListViewModel(env: AppEnvironment, scope: CoroutineScope) :
    ScreenModel<CheckupListState>(CheckupListState(), env, scope) {
    init {
        launch { env.monitor.finishedRuns.drop(1).collect { reload(current.notice) } }
    }

    fun load(): Job = launch { reload(null) }

    private suspend fun reload(notice: Notice?) {
        attempt(Action.LOAD, { text -> update { it.copy(loading = false, notice = Notice(text, Tone.ERROR)) } }) {
            val profile = env.onCore { activeProfile() } ?: throw ApiException.NoActiveProfile()
            val entries = env.onCore { checkups(profile.id) }
            val words = env.words()
            update {
                it.copy(
                    loading = false,
                    person = PersonHeader.of(profile, words),
                    title = words[StringKey.CHECKUP_TITLE],
                    intro = words[StringKey.CHECKUP_INTRO],
                    rows = entries.map { e -> CheckupRow.of(e, words) },
                    emptyText = if (entries.isEmpty()) words[StringKey.CHECKUP_EMPTY] else null,
                    addLabel = words[StringKey.CHECKUP_ADD],
                    notice = notice,
                )
            }
        }
    }
}
