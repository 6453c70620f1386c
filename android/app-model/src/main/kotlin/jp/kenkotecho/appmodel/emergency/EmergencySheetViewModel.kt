package jp.kenkotecho.appmodel.emergency

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.PendingPageRemoval
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.WaitingPages
import jp.kenkotecho.appmodel.WaitingPhotoRow
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.EmergencySheetView
import jp.kenkotecho.core.SheetFieldGroup
import jp.kenkotecho.core.SheetFieldInfo
import jp.kenkotecho.core.SheetFieldKind
import jp.kenkotecho.core.SheetFieldValue
import jp.kenkotecho.core.SheetPage
import jp.kenkotecho.core.SheetVersionView
import jp.kenkotecho.core.emergencySheetFields
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

/** One of a choice field's values, worded ("AB型"); [value] is what a save takes. */
data class SheetChoice(val value: String, val label: String)

/** One field of the sheet: its label in the app's language and what is written now. */
data class SheetFieldRow(
    val key: String,
    val label: String,
    val kind: SheetFieldKind,
    val maxChars: Int,
    /** As saved (a choice as its value, e.g. `AB`); empty when not filled in. */
    val value: String,
    /** What the sheet shows: a choice worded, or 「（まだ書かれていません）」. */
    val shown: String,
    val choices: List<SheetChoice>,
    /** An example under a date field. */
    val hint: String?,
)

data class SheetGroupRow(val key: String, val label: String, val fields: List<SheetFieldRow>)

/** A photo page: its preview as a file the screen can draw (null while it downloads or if it failed). */
data class SheetPageRow(val imageSha256: String, val title: String, val thumbnailPath: String?)

data class SheetConflictRow(val key: String, val label: String, val ours: String, val theirs: String)

/** One saved version, newest first: "12月4日（金） 9:00　この端末で" and what changed. */
data class SheetVersionRow(val number: Long, val whenWho: String, val changed: String)

/** One group being written: draft values by key, and a problem beside the refused field. */
data class SheetEditState(
    val groupKey: String,
    val title: String,
    val fields: List<SheetFieldRow>,
    val drafts: Map<String, String>,
    val errors: Map<String, String> = emptyMap(),
    val saving: Boolean = false,
)

data class EmergencySheetState(
    val loading: Boolean = true,
    val person: PersonHeader? = null,
    val title: String = "",
    val intro: String = "",
    /** Shown when nothing was saved yet. */
    val emptyText: String? = null,
    val groups: List<SheetGroupRow> = emptyList(),
    val updatedText: String? = null,
    /** A gentle nudge after a year without changes. */
    val reviewText: String? = null,
    val unsentText: String? = null,
    val pages: List<SheetPageRow> = emptyList(),
    val pagesEmptyText: String? = null,
    /** Photos of this device that did not fit in the 12 after a merge; null when there are none. */
    val waiting: WaitingPages? = null,
    val conflicts: List<SheetConflictRow> = emptyList(),
    val history: List<SheetVersionRow> = emptyList(),
    /** Said when the server could not be asked for the versions other phones saved. */
    val historyNote: String? = null,
    val edit: SheetEditState? = null,
    val pendingRemoval: PendingPageRemoval? = null,
    val busy: Boolean = false,
    /** The print button's label: 「印刷する」, or what is happening while a page is being made. */
    val printLabel: String = "",
    val printExplain: String = "",
    /** A print is under way: the button waits, so a double tap prints once. */
    val printing: Boolean = false,
    val notice: Notice? = null,
)

/**
 * 命の宝箱 of the person shown: the fields by group as the core's catalogue lists them, photos
 * of the paper sheet, fields written differently on two devices, and the versions. The core checks
 * every value and keeps every version; this only words what it returns.
 */
class EmergencySheetViewModel(
    env: AppEnvironment,
    scope: CoroutineScope,
    private val printer: SheetPrinter,
) : ScreenModel<EmergencySheetState>(EmergencySheetState(), env, scope) {
    private val catalogue: List<SheetFieldGroup> = emergencySheetFields()
    private var profileId: String? = null
    private var personName: String = ""

    fun load(): Job =
        launch {
            reload(current.notice)
            refreshHistory()
        }

    // Editing one group

    fun startEdit(groupKey: String) =
        update { s ->
            val group = s.groups.firstOrNull { it.key == groupKey } ?: return@update s
            s.copy(
                edit = SheetEditState(groupKey, group.label, group.fields, group.fields.associate { it.key to it.value }),
                notice = null,
            )
        }

    fun onDraft(key: String, value: String) =
        update { s -> s.copy(edit = s.edit?.let { e -> e.copy(drafts = e.drafts + (key to value), errors = e.errors - key) }) }

    fun cancelEdit() = update { it.copy(edit = null) }

    /** Saves the group's drafts as one version; a refused value is shown beside its field and nothing is saved. */
    fun saveEdit(): Job =
        launch {
            val edit = current.edit ?: return@launch
            val id = profileId ?: return@launch
            update { it.copy(edit = edit.copy(saving = true)) }
            val values = edit.fields.map { SheetFieldValue(it.key, edit.drafts[it.key].orEmpty()) }
            try {
                val sheet = env.onCore { saveEmergencyFields(id, values) }
                update { it.copy(edit = null) }
                show(sheet, Notice(env.words()[StringKey.BOX_SAVED], Tone.SUCCESS))
            } catch (e: CancellationException) {
                throw e
            } catch (e: ApiException.DocumentField) {
                val words = env.words()
                val label = edit.fields.firstOrNull { it.key == e.key }?.label ?: e.key
                update {
                    it.copy(
                        edit = edit.copy(saving = false, errors = mapOf(e.key to words.problems.document(label, e.problem))),
                        notice = Notice(words[StringKey.BOX_FIX_FIELD], Tone.ERROR),
                    )
                }
            } catch (e: Exception) {
                update { it.copy(edit = edit.copy(saving = false), notice = Notice(env.words().errors.message(e, Action.SAVE), Tone.ERROR)) }
            }
        }

    // Photos of the paper sheet

    /** A photo the picker or the camera handed over as a file (JPEG or PNG); the file is not needed afterwards. */
    fun addPhoto(path: String): Job =
        launch {
            val id = profileId ?: return@launch
            update { it.copy(busy = true) }
            val sheet = attempt(Action.SAVE, ::showError) { env.onCore { addEmergencyPage(id, path) } }
            update { it.copy(busy = false) }
            if (sheet != null) show(sheet, Notice(env.words()[StringKey.BOX_PAGE_ADDED], Tone.SUCCESS))
        }

    fun askRemovePage(imageSha256: String) =
        update { s ->
            val page = s.pages.firstOrNull { it.imageSha256 == imageSha256 } ?: return@update s
            val number = (s.pages.indexOf(page) + 1).toString()
            s.copy(pendingRemoval = PendingPageRemoval(imageSha256, env.words()[StringKey.BOX_REMOVE_QUESTION, number], waiting = false), notice = null)
        }

    /** Asks before discarding a photo that is still waiting for room (it is only on this device). */
    fun askDiscardWaiting(imageSha256: String) =
        update { s ->
            if (s.waiting?.photos.orEmpty().none { it.imageSha256 == imageSha256 }) return@update s
            s.copy(pendingRemoval = PendingPageRemoval(imageSha256, env.words()[StringKey.PAGES_WAITING_DISCARD_QUESTION], waiting = true), notice = null)
        }

    fun cancelRemovePage() = update { it.copy(pendingRemoval = null) }

    /**
     * Removes the page asked about (the first waiting photo then takes its place), or discards the
     * waiting photo asked about. The question is taken in one step, so a double tap removes once.
     */
    fun confirmRemovePage(): Job {
        var pending: PendingPageRemoval? = null
        update { s ->
            pending = s.pendingRemoval?.takeIf { !s.busy }
            if (pending != null) s.copy(pendingRemoval = null, busy = true) else s
        }
        val p = pending ?: return launch { }
        return launch {
            val sheet = profileId?.let { id -> attempt(Action.DELETE, ::showError) { env.onCore { removeEmergencyPage(id, p.imageSha256) } } }
            update { it.copy(busy = false) }
            val done = if (p.waiting) StringKey.PAGES_WAITING_DISCARDED else StringKey.BOX_PAGE_REMOVED
            if (sheet != null) show(sheet, Notice(env.words()[done], Tone.SUCCESS))
        }
    }

    /** A page in full, as a file for the screen to show (downloaded first when it came from another phone). */
    suspend fun pageFile(imageSha256: String): String? {
        val id = profileId ?: return null
        return attempt(Action.LOAD, ::showError) { env.core.emergencyPageFile(id, imageSha256, false) }
    }

    // Printing: a paper copy for the fridge, where the ambulance crew looks

    /**
     * Has the core lay the sheet out as one A4 page (blank lines to fill in by hand where nothing
     * is written) and hands it to the printer. Taken in one step, so a second tap while a print
     * is under way does nothing. A cancel says nothing; any failure says to try again.
     */
    fun print(): Job {
        var start = false
        update { s ->
            start = !s.printing && !s.loading
            if (start) s.copy(printing = true, printLabel = env.words()[StringKey.BOX_PRINTING], notice = null) else s
        }
        if (!start) return launch { }
        return launch {
            val outcome =
                try {
                    val id = profileId ?: throw ApiException.NoActiveProfile()
                    val now = env.now()
                    val html = env.onCore { emergencySheetPrint(id, env.offsetMinutes(now)) }
                    printer.print(html, env.words()[StringKey.BOX_PRINT_JOB, personName])
                } catch (e: CancellationException) {
                    update { it.copy(printing = false, printLabel = env.words()[StringKey.BOX_PRINT_BUTTON]) }
                    throw e
                } catch (e: Exception) {
                    PrintOutcome.FAILED
                }
            val words = env.words()
            update {
                it.copy(
                    printing = false,
                    printLabel = words[StringKey.BOX_PRINT_BUTTON],
                    notice = if (outcome == PrintOutcome.FAILED) Notice(words[StringKey.BOX_PRINT_FAILED], Tone.ERROR) else it.notice,
                )
            }
        }
    }

    // Conflicts

    fun chooseOurs(key: String): Job = resolve(key, keepOurs = true)

    fun chooseTheirs(key: String): Job = resolve(key, keepOurs = false)

    private fun resolve(key: String, keepOurs: Boolean): Job =
        launch {
            val id = profileId ?: return@launch
            val sheet = attempt(Action.SAVE, ::showError) { env.onCore { resolveEmergencyConflict(id, key, keepOurs) } }
            if (sheet != null) show(sheet, Notice(env.words()[StringKey.BOX_SETTLED], Tone.SUCCESS))
        }

    // Loading and wording

    private suspend fun reload(notice: Notice?) {
        attempt(Action.LOAD, ::showError) {
            val profile = env.onCore { activeProfile() } ?: throw ApiException.NoActiveProfile()
            profileId = profile.id
            personName = profile.displayName
            val sheet = env.onCore { emergencySheet(profile.id) }
            update { it.copy(person = PersonHeader.of(profile, env.words())) }
            show(sheet, notice)
        }
    }

    private suspend fun show(sheet: EmergencySheetView?, notice: Notice?) {
        val id = profileId ?: return
        val words = env.words()
        val values = sheet?.fields.orEmpty().associate { it.key to it.value }
        val versions = env.onCore { emergencySheetHistory(id) }
        val labels = fieldLabels(words)
        val pages = sheet?.pages.orEmpty().map { p -> SheetPageRow(p.imageSha256, words[StringKey.BOX_PAGE, p.number.toString()], thumbnail(id, p)) }
        val waiting =
            sheet?.waitingPages.orEmpty().map { p ->
                val number = p.number.toString()
                WaitingPhotoRow(p.imageSha256, words[StringKey.BOX_PAGE, number], thumbnail(id, p), words[StringKey.PAGES_WAITING_PAGE, number])
            }
        update {
            it.copy(
                loading = false,
                title = words[StringKey.BOX_TITLE],
                intro = words[StringKey.BOX_INTRO],
                emptyText = if (sheet == null) words[StringKey.BOX_EMPTY] else null,
                groups = catalogue.map { g -> SheetGroupRow(g.key, label(words, g.labelJa, g.labelEn), g.fields.map { f -> row(words, f, values[f.key].orEmpty()) }) },
                updatedText = sheet?.let { s -> words[StringKey.BOX_UPDATED, words.dates.dateTime(s.savedAt, env.offsetMinutes(s.savedAt))] },
                reviewText = if (sheet?.reviewDue == true) words[StringKey.BOX_REVIEW_DUE] else null,
                unsentText = if (sheet?.unsent == true) words[StringKey.BOX_UNSENT] else null,
                pages = pages,
                pagesEmptyText = if (pages.isEmpty()) words[StringKey.BOX_PAGES_EMPTY] else null,
                waiting =
                    waiting.takeIf { w -> w.isNotEmpty() }?.let { w ->
                        WaitingPages(words[StringKey.PAGES_WAITING_TITLE], words[StringKey.PAGES_WAITING_EXPLAIN_BOX], w)
                    },
                conflicts =
                    sheet?.conflicts.orEmpty().map { c ->
                        SheetConflictRow(
                            key = c.key,
                            label = label(words, c.labelJa, c.labelEn),
                            ours = words[StringKey.BOX_OURS, c.ours.ifEmpty { words[StringKey.BOX_BLANK] }],
                            theirs = words[StringKey.BOX_THEIRS, c.theirs.ifEmpty { words[StringKey.BOX_BLANK] }],
                        )
                    },
                history = versions.map { v -> version(words, v, labels) },
                printLabel = words[if (it.printing) StringKey.BOX_PRINTING else StringKey.BOX_PRINT_BUTTON],
                printExplain = words[StringKey.BOX_PRINT_EXPLAIN],
                notice = notice,
            )
        }
    }

    /**
     * Adds the versions other phones saved, which the server keeps, to the list. Without a
     * connection the list keeps this phone's versions and says the others come later; any other
     * failure leaves the list as it is (the screen is usable without them).
     */
    private suspend fun refreshHistory() {
        val id = profileId ?: return
        val offline =
            try {
                env.core.refreshEmergencySheetHistory(id)
                false
            } catch (e: CancellationException) {
                throw e
            } catch (e: ApiException.Network) {
                true
            } catch (e: ApiException) {
                return
            }
        attempt(Action.LOAD, ::showError) {
            val words = env.words()
            val labels = fieldLabels(words)
            val versions = env.onCore { emergencySheetHistory(id) }
            update {
                it.copy(
                    history = versions.map { v -> version(words, v, labels) },
                    historyNote = if (offline) words[StringKey.BOX_HISTORY_ONLY_HERE] else null,
                )
            }
        }
    }

    private fun fieldLabels(words: Wording): Map<String, String> =
        catalogue.flatMap { it.fields }.associate { it.key to label(words, it.labelJa, it.labelEn) }

    /** A page's preview (a waiting photo's is always on this device); null when it cannot be had now. */
    private suspend fun thumbnail(id: String, p: SheetPage): String? =
        try {
            env.core.emergencyPageFile(id, p.imageSha256, true)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            null
        }

    private fun label(words: Wording, ja: String, en: String): String =
        if (words.table.locale.language == "en") en else ja // shell-logic-ok: a locale code, not a message

    private fun row(words: Wording, f: SheetFieldInfo, value: String): SheetFieldRow {
        val choices = f.choices.map { SheetChoice(it, choice(words, it)) }
        val shown =
            when {
                value.isEmpty() -> words[StringKey.BOX_NOT_FILLED]
                f.kind == SheetFieldKind.CHOICE -> choice(words, value)
                else -> value
            }
        return SheetFieldRow(
            key = f.key,
            label = label(words, f.labelJa, f.labelEn),
            kind = f.kind,
            maxChars = f.maxChars.toInt(),
            value = value,
            shown = shown,
            choices = choices,
            hint = if (f.kind == SheetFieldKind.DATE) words[StringKey.BOX_DATE_HINT] else null,
        )
    }

    /** A choice's value as the catalogue names it, in words; a newer app's value as written. */
    private fun choice(words: Wording, value: String): String =
        when (value) {
            "A" -> words[StringKey.BOX_CHOICE_A]
            "B" -> words[StringKey.BOX_CHOICE_B]
            "O" -> words[StringKey.BOX_CHOICE_O]
            "AB" -> words[StringKey.BOX_CHOICE_AB]
            "unknown" -> words[StringKey.BOX_CHOICE_UNKNOWN]
            "+" -> words[StringKey.BOX_CHOICE_RH_PLUS]
            "-" -> words[StringKey.BOX_CHOICE_RH_MINUS]
            "female" -> words[StringKey.BOX_CHOICE_FEMALE]
            "male" -> words[StringKey.BOX_CHOICE_MALE]
            "other" -> words[StringKey.BOX_CHOICE_OTHER]
            else -> value
        }

    private fun version(words: Wording, v: SheetVersionView, labels: Map<String, String>): SheetVersionRow {
        val at = words.dates.dateTime(v.savedAt, env.offsetMinutes(v.savedAt))
        val whenWho =
            when {
                v.savedHere -> words[StringKey.BOX_BY_HERE, at]
                v.savedByAccount != null -> words[StringKey.BOX_BY_ACCOUNT, at, v.savedByAccount]
                else -> words[StringKey.BOX_BY_OTHER, at]
            }
        val changed =
            if (v.changedFields.isEmpty()) {
                words[StringKey.BOX_PHOTOS_ONLY]
            } else {
                words[StringKey.BOX_CHANGED, v.changedFields.joinToString(words[StringKey.BOX_SEPARATOR]) { labels[it] ?: it }]
            }
        return SheetVersionRow(v.number, whenWho, changed)
    }

    private fun showError(text: String) = update { it.copy(loading = false, busy = false, notice = Notice(text, Tone.ERROR)) }
}
