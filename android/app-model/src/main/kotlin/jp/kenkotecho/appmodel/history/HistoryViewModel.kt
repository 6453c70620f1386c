package jp.kenkotecho.appmodel.history

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Option
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ReadingRow
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.VitalFilter
import jp.kenkotecho.core.VitalKind
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

data class HistoryState(
    val loading: Boolean = false,
    val person: PersonHeader? = null,
    /** `null` value = all kinds. */
    val filter: List<Option<VitalKind?>> = emptyList(),
    val rows: List<ReadingRow> = emptyList(),
    val hasMore: Boolean = false,
    val emptyText: String? = null,
    val error: String? = null,
)

/** Current readings, newest first, a page at a time ("show more" button: no endless scrolling). */
class HistoryViewModel(
    env: AppEnvironment,
    scope: CoroutineScope,
    /** Readings per page; 0 lets the core choose. */
    private val pageSize: UInt = 30u,
) : ScreenModel<HistoryState>(HistoryState(), env, scope) {
    private var kind: VitalKind? = null
    private var profileId: String? = null

    /** The core's opaque position after the last page shown; `null` when there is no more. */
    private var nextCursor: String? = null

    fun load(kind: VitalKind? = this.kind): Job =
        launch {
            this@HistoryViewModel.kind = kind
            update { it.copy(loading = true, error = null) }
            attempt(Action.LOAD, ::showError) {
                val profile = env.onCore { activeProfile() } ?: throw ApiException.NoActiveProfile()
                profileId = profile.id
                val page = page(profile.id, null)
                nextCursor = page.nextCursor
                val words = env.words()
                val all: List<VitalKind?> = listOf(null) + VitalKind.entries
                update {
                    HistoryState(
                        person = PersonHeader.of(profile, words),
                        filter = all.map { k -> Option(k, if (k == null) words[StringKey.LABEL_FILTER_ALL] else words.values.kind(k), k == kind) },
                        rows = page.items.map { v -> ReadingRow.of(v, words) },
                        hasMore = page.nextCursor != null,
                        emptyText = emptyText(page.items.size, words),
                    )
                }
            }
        }

    /**
     * The screen is shown again (back from a reading that may have been corrected or deleted):
     * the same number of rows, fetched afresh, so the list and its scroll position stay where the
     * person left them. The first time, the first page.
     */
    fun reload(): Job {
        val shown = current.rows.size
        val profile = profileId
        if (shown == 0 || profile == null) return load()
        return launch {
            attempt(Action.LOAD, ::showError) {
                val words = env.words()
                val fresh = mutableListOf<ReadingRow>()
                var cursor: String? = null
                do {
                    val page = page(profile, cursor)
                    fresh += page.items.map { v -> ReadingRow.of(v, words) }
                    cursor = page.nextCursor
                } while (fresh.size < shown && cursor != null)
                nextCursor = cursor
                update { s ->
                    s.copy(
                        loading = false,
                        error = null,
                        rows = fresh,
                        hasMore = cursor != null,
                        emptyText = emptyText(fresh.size, words),
                    )
                }
            }
        }
    }

    fun loadMore(): Job =
        launch {
            val cursor = nextCursor ?: return@launch
            val profile = profileId ?: return@launch
            if (current.loading) return@launch
            update { it.copy(loading = true, error = null) }
            attempt(Action.LOAD, ::showError) {
                val page = page(profile, cursor)
                nextCursor = page.nextCursor
                val words = env.words()
                update { s ->
                    s.copy(loading = false, rows = s.rows + page.items.map { v -> ReadingRow.of(v, words) }, hasMore = page.nextCursor != null)
                }
            }
        }

    /** One page of the kind shown, after [cursor] (`null`: the newest). */
    private suspend fun page(profileId: String, cursor: String?) =
        env.onCore { listVitals(profileId, VitalFilter(kind, null, null, pageSize, cursor)) }

    private fun emptyText(rows: Int, words: Wording) = if (rows == 0) words[StringKey.HISTORY_EMPTY] else null

    private fun showError(text: String) = update { it.copy(loading = false, error = text) }
}
