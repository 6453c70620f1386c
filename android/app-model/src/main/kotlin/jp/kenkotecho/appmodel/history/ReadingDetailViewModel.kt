package jp.kenkotecho.appmodel.history

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.Vital
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

/** One version of a reading in its change history. */
data class VersionRow(val label: String, val valueText: String, val measuredText: String, val line: String)

data class ReadingDetailState(
    val loading: Boolean = true,
    val person: PersonHeader? = null,
    /** The id to correct or delete: the version nothing has replaced yet. */
    val currentId: String? = null,
    val kindLabel: String = "",
    val valueText: String = "",
    val measuredText: String = "",
    val note: String? = null,
    val versions: List<VersionRow> = emptyList(),
    /** False once deleted (or if only replaced versions are left). */
    val canChange: Boolean = false,
    /** Deleting asks first, with its own large buttons (no long-press, no swipe). */
    val confirmingDelete: Boolean = false,
    val notice: Notice? = null,
)

/** A reading with every version of it; correction opens the entry screen, deletion asks first. */
class ReadingDetailViewModel(
    env: AppEnvironment,
    scope: CoroutineScope,
    private val vitalId: String,
) : ScreenModel<ReadingDetailState>(ReadingDetailState(), env, scope) {
    fun load(): Job = launch { reload(notice = null) }

    fun askDelete() = update { it.copy(confirmingDelete = true, notice = null) }

    fun cancelDelete() = update { it.copy(confirmingDelete = false) }

    fun confirmDelete(): Job =
        launch {
            val id = current.currentId ?: return@launch
            update { it.copy(confirmingDelete = false) }
            val deleted = attempt(Action.DELETE, ::showError) { env.onCore { deleteVital(id) } }
            if (deleted != null) reload(Notice(env.words()[StringKey.READING_DELETED], Tone.SUCCESS))
        }

    private suspend fun reload(notice: Notice?) {
        attempt(Action.LOAD, ::showError) {
            val versions = env.onCore { vitalHistory(vitalId) }
            val newest = versions.lastOrNull { it.supersededBy == null } ?: versions.last()
            val profile = env.onCore { profiles() }.firstOrNull { it.id == newest.profileId }
            val words = env.words()
            update {
                ReadingDetailState(
                    loading = false,
                    person = profile?.let { p -> PersonHeader.of(p, words) },
                    currentId = newest.id,
                    kindLabel = words.values.kind(newest.kind),
                    valueText = words.values.valueWithDetail(newest),
                    measuredText = words.dates.longDay(newest.measuredAt, newest.utcOffsetMinutes) + " " +
                        words.dates.time(newest.measuredAt, newest.utcOffsetMinutes),
                    note = newest.note,
                    versions = versions.map { v -> version(v, words) },
                    canChange = newest.supersededBy == null && newest.deletedAt == null,
                    notice = notice,
                )
            }
        }
    }

    private fun version(v: Vital, words: Wording): VersionRow {
        val label =
            words[
                when {
                    v.deletedAt != null -> StringKey.VERSION_DELETED
                    v.amends != null -> StringKey.VERSION_CORRECTION
                    else -> StringKey.VERSION_ORIGINAL
                },
            ]
        val value = words.values.valueWithDetail(v)
        val measured = words.dates.dateTime(v.measuredAt, v.utcOffsetMinutes)
        val entered = words.dates.dateTime(v.deletedAt ?: v.recordedAt, v.utcOffsetMinutes)
        return VersionRow(label, value, measured, words[StringKey.VERSION_LINE, label, entered])
    }

    private fun showError(text: String) = update { it.copy(loading = false, notice = Notice(text, Tone.ERROR)) }
}
