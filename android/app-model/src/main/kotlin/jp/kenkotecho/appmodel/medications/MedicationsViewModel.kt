package jp.kenkotecho.appmodel.medications

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Option
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.appmodel.text.toLocalDate
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.MedicationFilter
import jp.kenkotecho.core.MedicationPage
import jp.kenkotecho.core.MedicationSummary
import jp.kenkotecho.core.PharmacyCount
import jp.kenkotecho.core.calendarDayAt
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.drop

enum class MedicationTab { CURRENT, HISTORY, PHARMACIES }

/** The notebook as one JAHIS file, for the share sheet; shown once, then [MedicationsViewModel.exportHandled]. */
class ExportFile(val data: ByteArray, val fileName: String)

/** Rows of one list; [hasMore] shows the "show more" button (no endless scrolling). */
data class MedicationList(
    val rows: List<MedicationRow> = emptyList(),
    val hasMore: Boolean = false,
    val emptyText: String? = null,
)

data class MedicationsState(
    val loading: Boolean = false,
    val person: PersonHeader? = null,
    val tab: MedicationTab = MedicationTab.CURRENT,
    val tabs: List<Option<MedicationTab>> = emptyList(),
    /** What is being taken today. */
    val current: MedicationList = MedicationList(),
    /** The whole notebook, newest first, a page at a time. */
    val history: MedicationList = MedicationList(),
    /** The pharmacies and clinics that dispensed, most recent first; `value` is the code. */
    val pharmacies: List<Option<String>> = emptyList(),
    val pharmaciesEmptyText: String? = null,
    /** The dispensings of the chosen pharmacy. */
    val pharmacy: MedicationList = MedicationList(),
    val query: String = "",
    /** `null` while not searching: the tabs show instead. */
    val search: MedicationList? = null,
    /** An import or export is running: its buttons wait. */
    val busy: Boolean = false,
    val notice: Notice? = null,
    val export: ExportFile? = null,
)

/**
 * The medication notebook of the person shown: what is taken now (the core decides from today's
 * date), the history in pages, by pharmacy, search, and importing or exporting a JAHIS file.
 */
class MedicationsViewModel(
    env: AppEnvironment,
    scope: CoroutineScope,
    /** Entries per page; the core allows up to 500. */
    private val pageSize: UInt = 30u,
) : ScreenModel<MedicationsState>(MedicationsState(), env, scope) {
    private var profileId: String? = null
    private var historyCursor: String? = null
    private var pharmacyCursor: String? = null
    private var pharmacyCode: String? = null
    private var searchJob: Job? = null

    init {
        // A finished sync may have brought the pharmacy's records.
        launch { env.monitor.finishedRuns.drop(1).collect { reload(current.notice) } }
    }

    /**
     * Loads every tab. Called again (back from a detail, after a sync) it keeps as many rows as were
     * shown, so the list stays where the person left it.
     */
    fun load(): Job = launch { reload(current.notice) }

    fun selectTab(tab: MedicationTab) =
        update { s -> s.copy(tab = tab, tabs = s.tabs.map { it.copy(selected = it.value == tab) }) }

    fun loadMoreHistory(): Job =
        launch {
            val profile = profileId ?: return@launch
            val cursor = historyCursor ?: return@launch
            if (current.loading) return@launch
            update { it.copy(loading = true) }
            attempt(Action.LOAD, ::showError) {
                val page = env.onCore { listMedications(profile, MedicationFilter(limit = pageSize, cursor = cursor)) }
                historyCursor = page.nextCursor
                val words = env.words()
                update { s ->
                    s.copy(
                        loading = false,
                        history = s.history.copy(rows = s.history.rows + page.items.map { MedicationRow.of(it, words) }, hasMore = page.nextCursor != null),
                    )
                }
            }
        }

    /** Shows the dispensings of the pharmacy with [code]. */
    fun selectPharmacy(code: String): Job =
        launch {
            val profile = profileId ?: return@launch
            pharmacyCode = code
            update { s -> s.copy(loading = true, pharmacies = s.pharmacies.map { it.copy(selected = it.value == code) }) }
            attempt(Action.LOAD, ::showError) {
                val page = env.onCore { listMedications(profile, MedicationFilter(pharmacyCode = code, limit = pageSize)) }
                pharmacyCursor = page.nextCursor
                val words = env.words()
                update { it.copy(loading = false, pharmacy = list(page.items.map { m -> MedicationRow.of(m, words) }, page.nextCursor, words, StringKey.MED_PHARMACY_EMPTY)) }
            }
        }

    fun loadMorePharmacy(): Job =
        launch {
            val profile = profileId ?: return@launch
            val code = pharmacyCode ?: return@launch
            val cursor = pharmacyCursor ?: return@launch
            if (current.loading) return@launch
            update { it.copy(loading = true) }
            attempt(Action.LOAD, ::showError) {
                val page = env.onCore { listMedications(profile, MedicationFilter(pharmacyCode = code, limit = pageSize, cursor = cursor)) }
                pharmacyCursor = page.nextCursor
                val words = env.words()
                update { s ->
                    s.copy(
                        loading = false,
                        pharmacy = s.pharmacy.copy(rows = s.pharmacy.rows + page.items.map { MedicationRow.of(it, words) }, hasMore = page.nextCursor != null),
                    )
                }
            }
        }

    /**
     * The search box: the core matches medicines, ingredients, pharmacies and notes however they were
     * typed. An empty box clears the results; each keystroke replaces the previous search.
     */
    fun search(text: String): Job {
        update { it.copy(query = text) }
        searchJob?.cancel()
        val job = launch { runSearch(text) }
        searchJob = job
        return job
    }

    /** Imports a JAHIS file the person chose (its bytes as read). */
    fun importFile(data: ByteArray): Job =
        launch {
            val profile = profileId ?: env.onCore { activeProfile() }?.id ?: return@launch
            update { it.copy(busy = true, notice = null) }
            val result = attempt(Action.SAVE, ::showError) { env.onCore { importMedicationFile(profile, data) } }
            update { it.copy(busy = false) }
            if (result != null) {
                val message = env.words().medications.importResult(listOf(result))
                reload(Notice(message.text, message.tone))
            }
        }

    /** The notebook as one file; the screen hands [MedicationsState.export] to the share sheet. */
    fun export(): Job =
        launch {
            val profile = profileId ?: env.onCore { activeProfile() }?.id ?: return@launch
            update { it.copy(busy = true, notice = null, export = null) }
            val file = attempt(Action.LOAD, ::showError) { env.onCore { exportMedications(profile) } }
            if (file != null) {
                update { it.copy(busy = false, export = ExportFile(file.data, file.fileName), notice = Notice(env.words()[StringKey.MED_EXPORTED], Tone.INFO)) }
            }
        }

    /** The share sheet was shown: the file is not offered again. */
    fun exportHandled() = update { it.copy(export = null) }

    fun dismissNotice() = update { it.copy(notice = null) }

    private suspend fun reload(notice: Notice?) {
        update { it.copy(loading = true) }
        attempt(Action.LOAD, ::showError) {
            val profile = env.onCore { activeProfile() } ?: throw ApiException.NoActiveProfile()
            val samePerson = profile.id == profileId
            profileId = profile.id
            if (!samePerson) pharmacyCode = null
            // Keep what was shown: as many rows as before, in one call.
            val historyLimit = keep(if (samePerson) current.history.rows.size else 0)
            val pharmacyLimit = keep(if (samePerson) current.pharmacy.rows.size else 0)
            val now = env.now()
            val offset = env.offsetMinutes(now)
            val loaded =
                env.onCore {
                    val today = calendarDayAt(now, offset)
                    val pharmacies = medicationPharmacies(profile.id)
                    val chosen = pharmacyCode?.takeIf { code -> pharmacies.any { it.code == code } }
                    Loaded(
                        current = currentMedications(profile.id, today),
                        history = listMedications(profile.id, MedicationFilter(limit = historyLimit)),
                        pharmacies = pharmacies,
                        chosen = chosen,
                        pharmacy = chosen?.let { listMedications(profile.id, MedicationFilter(pharmacyCode = it, limit = pharmacyLimit)) },
                    )
                }
            pharmacyCode = loaded.chosen
            historyCursor = loaded.history.nextCursor
            pharmacyCursor = loaded.pharmacy?.nextCursor
            val words = env.words()
            val tab = current.tab
            update {
                it.copy(
                    loading = false,
                    person = PersonHeader.of(profile, words),
                    tab = tab,
                    tabs = MedicationTab.entries.map { t -> Option(t, tabLabel(t, words), t == tab) },
                    current = list(loaded.current.map { m -> MedicationRow.of(m, words) }, null, words, StringKey.MED_CURRENT_EMPTY),
                    history = list(loaded.history.items.map { m -> MedicationRow.of(m, words) }, loaded.history.nextCursor, words, StringKey.MED_HISTORY_EMPTY),
                    pharmacies = loaded.pharmacies.map { p -> Option(p.code, pharmacyLabel(p, words), p.code == loaded.chosen) },
                    pharmaciesEmptyText = if (loaded.pharmacies.isEmpty()) words[StringKey.MED_PHARMACIES_EMPTY] else null,
                    pharmacy =
                        loaded.pharmacy?.let { page ->
                            list(page.items.map { m -> MedicationRow.of(m, words) }, page.nextCursor, words, StringKey.MED_PHARMACY_EMPTY)
                        } ?: MedicationList(),
                    notice = notice,
                )
            }
        }
        // A hidden entry must leave the results too.
        if (current.query.isNotBlank()) runSearch(current.query)
    }

    private suspend fun runSearch(text: String) {
        if (text.isBlank()) {
            update { it.copy(search = null) }
            return
        }
        val profile = profileId ?: env.onCore { activeProfile() }?.id ?: return
        attempt(Action.LOAD, ::showError) {
            val found = env.onCore { searchMedications(profile, text) }
            val words = env.words()
            val rows = found.map { MedicationRow.of(it, words) }
            update { it.copy(search = MedicationList(rows, false, if (rows.isEmpty()) words[StringKey.MED_SEARCH_EMPTY, text.trim()] else null)) }
        }
    }

    private class Loaded(
        val current: List<MedicationSummary>,
        val history: MedicationPage,
        val pharmacies: List<PharmacyCount>,
        val chosen: String?,
        val pharmacy: MedicationPage?,
    )

    private fun keep(shown: Int): UInt = maxOf(pageSize, minOf(shown, MAX_PAGE).toUInt())

    private fun list(rows: List<MedicationRow>, cursor: String?, words: Wording, empty: StringKey) =
        MedicationList(rows, cursor != null, if (rows.isEmpty()) words[empty] else null)

    private fun tabLabel(tab: MedicationTab, words: Wording): String =
        words[
            when (tab) {
                MedicationTab.CURRENT -> StringKey.MED_TAB_CURRENT
                MedicationTab.HISTORY -> StringKey.MED_TAB_HISTORY
                MedicationTab.PHARMACIES -> StringKey.MED_TAB_PHARMACIES
            },
        ]

    private fun pharmacyLabel(p: PharmacyCount, words: Wording): String {
        val count = words.numbers.whole(p.dispensings)
        val latest = p.latest ?: return words[StringKey.MED_PHARMACY_ROW_NO_DATE, p.name, count]
        return words[StringKey.MED_PHARMACY_ROW, p.name, count, words.dates.longDay(latest.toLocalDate())]
    }

    private fun showError(text: String) = update { it.copy(loading = false, busy = false, notice = Notice(text, Tone.ERROR)) }

    private companion object {
        /** The core's largest page. */
        const val MAX_PAGE = 500
    }
}
