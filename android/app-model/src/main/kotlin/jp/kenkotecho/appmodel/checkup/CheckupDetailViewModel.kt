package jp.kenkotecho.appmodel.checkup

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Option
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
import jp.kenkotecho.core.CalendarDay
import jp.kenkotecho.core.CheckupConflict
import jp.kenkotecho.core.CheckupConflictField
import jp.kenkotecho.core.CheckupDetail
import jp.kenkotecho.core.CheckupItem
import jp.kenkotecho.core.CheckupItemValue
import jp.kenkotecho.core.CheckupJudgement
import jp.kenkotecho.core.CheckupKind
import jp.kenkotecho.core.CheckupPage
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.TechoCoreInterface
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.drop

/** One result line: "HbA1c（ヘモグロビン・エーワンシー）　6.8 %" and what its judgement means. */
data class CheckupItemRow(
    val code: String,
    val name: String,
    /** Which variant was measured (1回目, 酵素法); null for the only one of a series. */
    val variant: String?,
    val line: String,
    val judgement: String,
    val judgementKind: CheckupJudgement,
    val tone: Tone,
    /** The value as recorded, for correcting it. */
    val value: String,
    val a11y: String,
)

/** A photographed page; [thumbnailPath] is null while it cannot be shown (not downloaded, offline). */
data class CheckupPageRow(val imageSha256: String, val title: String, val thumbnailPath: String?)

/** A value two phones saved differently: "この端末：6.8" against "ほかの端末：7.0". */
data class CheckupConflictRow(val field: String, val label: String, val ours: String, val theirs: String)

/** One item's value being typed (a new item, or a correction); its problem stands beside it. */
data class ItemEditState(val draft: ItemDraft, val isNew: Boolean, val saving: Boolean = false)

/** The date, kind, facility and note being corrected. */
data class DetailsEditState(
    val date: CalendarDay?,
    val dateText: String,
    val kinds: List<Option<CheckupKind>>,
    val institution: String,
    val note: String,
    val errors: Map<Field, String> = emptyMap(),
    val saving: Boolean = false,
)

data class CheckupDetailState(
    val loading: Boolean = true,
    val person: PersonHeader? = null,
    val title: String = "",
    val institution: String? = null,
    val noteText: String? = null,
    val unsentText: String? = null,
    val worst: String? = null,
    val worstTone: Tone = Tone.INFO,
    val items: List<CheckupItemRow> = emptyList(),
    val itemsEmptyText: String? = null,
    /** An item's judgement waits for 性別 on 命の宝箱: the screen offers to open it. */
    val offerSheet: Boolean = false,
    val pages: List<CheckupPageRow> = emptyList(),
    val pagesEmptyText: String? = null,
    /** Photos of this device that did not fit in the 20 after a merge; null when there are none. */
    val waiting: WaitingPages? = null,
    /** The question before a page is removed or a waiting photo discarded. */
    val pendingRemoval: PendingPageRemoval? = null,
    val conflicts: List<CheckupConflictRow> = emptyList(),
    val picking: Boolean = false,
    val pickerGroups: List<ItemGroupRow> = emptyList(),
    val itemEdit: ItemEditState? = null,
    val detailsEdit: DetailsEditState? = null,
    val deleteQuestion: String? = null,
    /** Set once deleted: the screen goes back to the list. */
    val deleted: Boolean = false,
    val busy: Boolean = false,
    val notice: Notice? = null,
)

/**
 * One checkup: its items judged by the core, photos of the result sheet, values two phones saved
 * differently, and every change (a page, an item, the details, delete after asking). Each change
 * returns the checkup as saved, which is shown again whole.
 */
class CheckupDetailViewModel(
    env: AppEnvironment,
    scope: CoroutineScope,
    private val checkupId: String,
    /** Opened straight after the add form saved it: the first load says so. */
    justSaved: Boolean = false,
    private val catalogue: ItemCatalogue = ItemCatalogue(),
) : ScreenModel<CheckupDetailState>(CheckupDetailState(), env, scope) {
    private var profileId: String? = null
    private var shown: CheckupDetail? = null
    private var announceSaved = justSaved

    init {
        // Another phone's change (or a conflict) arrives with a sync run.
        launch { env.monitor.finishedRuns.drop(1).collect { if (!current.deleted) reload(null) } }
    }

    /** Each time the screen is shown; coming back to it (from the trend, from 命の宝箱) reads it again. */
    fun load(): Job =
        launch {
            val notice = if (announceSaved) Notice(env.words()[StringKey.CHECKUP_SAVED], Tone.SUCCESS) else null
            announceSaved = false
            reload(notice)
        }

    // Pages

    /** A photo the picker or the camera handed over as a file (JPEG or PNG). */
    fun addPage(path: String): Job =
        change(Action.SAVE, StringKey.BOX_PAGE_ADDED) { id -> addCheckupPage(id, checkupId, path) }

    /** Asks before removing a page: it goes on every device, and the first waiting photo takes its place. */
    fun askRemovePage(imageSha256: String) =
        update { s ->
            val page = shown?.pages?.firstOrNull { it.imageSha256 == imageSha256 } ?: return@update s
            val words = env.words()
            val question = words[StringKey.CHECKUP_REMOVE_PAGE_QUESTION, words.numbers.whole(page.number)]
            s.copy(pendingRemoval = PendingPageRemoval(imageSha256, question, waiting = false), notice = null)
        }

    /** Asks before discarding a photo that is still waiting for room (it is only on this device). */
    fun askDiscardWaiting(imageSha256: String) =
        update { s ->
            if (shown?.waitingPages.orEmpty().none { it.imageSha256 == imageSha256 }) return@update s
            s.copy(pendingRemoval = PendingPageRemoval(imageSha256, env.words()[StringKey.PAGES_WAITING_DISCARD_QUESTION], waiting = true), notice = null)
        }

    fun cancelRemovePage() = update { it.copy(pendingRemoval = null) }

    /** The page or waiting photo asked about goes; the question is taken in one step, so a double tap removes once. */
    fun confirmRemovePage(): Job {
        var pending: PendingPageRemoval? = null
        update { s ->
            pending = s.pendingRemoval?.takeIf { !s.busy }
            if (pending != null) s.copy(pendingRemoval = null, busy = true, notice = null) else s
        }
        val p = pending ?: return launch { }
        return launch {
            val saved = profileId?.let { id -> attempt(Action.DELETE, ::showError) { env.onCore { removeCheckupPage(id, checkupId, p.imageSha256) } } }
            update { it.copy(busy = false) }
            val done = if (p.waiting) StringKey.PAGES_WAITING_DISCARDED else StringKey.BOX_PAGE_REMOVED
            if (saved != null) show(saved, Notice(env.words()[done], Tone.SUCCESS))
        }
    }

    /** A page in full, as a file the screen can show (downloaded first when another phone added it). */
    suspend fun pageFile(imageSha256: String): String? {
        val id = profileId ?: return null
        return attempt(Action.LOAD, ::showError) { env.core.checkupPageFile(id, checkupId, imageSha256, false) }
    }

    // Items

    fun openPicker() =
        update { s -> s.copy(picking = true, pickerGroups = catalogue.groups(env.words(), s.items.map { it.code }.toSet()), notice = null) }

    fun closePicker() = update { it.copy(picking = false) }

    /** Starts typing the value of an item the checkup does not have yet. */
    fun startNewItem(code: String) =
        update { it.copy(picking = false, itemEdit = ItemEditState(catalogue.draft(env.words(), code), isNew = true), notice = null) }

    /** Starts correcting an item's value, from the value as recorded. */
    fun startEditItem(code: String) =
        update { s ->
            val row = s.items.firstOrNull { it.code == code } ?: return@update s
            s.copy(itemEdit = ItemEditState(catalogue.draft(env.words(), code, row.value), isNew = false), notice = null)
        }

    /** The value as typed, checked at once by the core: its problem (or none) stands beside the box before saving. */
    fun onItemValue(text: String) {
        val words = env.words()
        update { s -> s.copy(itemEdit = s.itemEdit?.let { e -> e.copy(draft = e.draft.typedAndChecked(text, words)) }) }
    }

    fun cancelItem() = update { it.copy(itemEdit = null) }

    /** Saves the one item being typed; a refused value stays in the box with the core's problem under it. */
    fun saveItem(): Job {
        var edit: ItemEditState? = null
        update { s ->
            edit = s.itemEdit?.takeIf { !it.saving }
            edit?.let { s.copy(itemEdit = it.copy(saving = true)) } ?: s
        }
        val e = edit ?: return launch { }
        return launch {
            val id = profileId ?: return@launch
            try {
                val saved = env.onCore { setCheckupItems(id, checkupId, listOf(CheckupItemValue(e.draft.code, e.draft.text))) }
                update { it.copy(itemEdit = null) }
                show(saved, Notice(env.words()[StringKey.CHECKUP_ITEM_SAVED], Tone.SUCCESS))
            } catch (x: CancellationException) {
                throw x
            } catch (x: Exception) {
                val words = env.words()
                // The line's own problem, checked by the core as the save checked it; else the save's.
                val text =
                    if (x is ApiException.Validation) {
                        e.draft.checked(words).error ?: words.problems.validation(x.field, x.problem)
                    } else {
                        words.errors.message(x, Action.SAVE)
                    }
                update { it.copy(itemEdit = e.copy(draft = e.draft.copy(error = text), saving = false)) }
            }
        }
    }

    fun removeItem(code: String): Job =
        change(Action.DELETE, StringKey.CHECKUP_ITEM_REMOVED) { id -> removeCheckupItems(id, checkupId, listOf(code)) }

    // The date, kind, facility and note

    fun startEditDetails() =
        update { s ->
            val d = shown ?: return@update s
            val words = env.words()
            s.copy(
                detailsEdit =
                    DetailsEditState(d.date, words.checkups.date(d.date, d.dateText), kindOptions(words, d.kind), d.institution, d.note),
                notice = null,
            )
        }

    fun chooseDate(year: Int, month: Int, day: Int) {
        val chosen = CalendarDay(year, month.toUInt(), day.toUInt())
        val text = env.words().checkups.date(chosen, "")
        update { s -> s.copy(detailsEdit = s.detailsEdit?.let { e -> e.copy(date = chosen, dateText = text, errors = e.errors - Field.CHECKUP_DATE) }) }
    }

    fun chooseKind(kind: CheckupKind) =
        update { s ->
            s.copy(detailsEdit = s.detailsEdit?.let { e -> e.copy(kinds = e.kinds.map { it.copy(selected = it.value == kind) }, errors = e.errors - Field.CHECKUP_KIND) })
        }

    fun onInstitution(text: String) =
        update { s -> s.copy(detailsEdit = s.detailsEdit?.let { e -> e.copy(institution = text, errors = e.errors - Field.INSTITUTION) }) }

    fun onNote(text: String) = update { s -> s.copy(detailsEdit = s.detailsEdit?.let { e -> e.copy(note = text, errors = e.errors - Field.NOTE) }) }

    fun cancelDetails() = update { it.copy(detailsEdit = null) }

    /** Sends only what was changed, so a value another phone changed meanwhile is not overwritten unasked. */
    fun saveDetails(): Job {
        var edit: DetailsEditState? = null
        update { s ->
            edit = s.detailsEdit?.takeIf { !it.saving }
            edit?.let { s.copy(detailsEdit = it.copy(saving = true)) } ?: s
        }
        val e = edit ?: return launch { }
        return launch {
            val id = profileId ?: return@launch
            val before = shown ?: return@launch
            val kind = e.kinds.firstOrNull { it.selected }?.value
            try {
                val saved =
                    env.onCore {
                        editCheckup(
                            id,
                            checkupId,
                            e.date.takeIf { it != before.date },
                            kind.takeIf { it != before.kind },
                            e.institution.takeIf { it != before.institution },
                            e.note.takeIf { it != before.note },
                        )
                    }
                update { it.copy(detailsEdit = null) }
                show(saved, Notice(env.words()[StringKey.CHECKUP_DETAILS_SAVED], Tone.SUCCESS))
            } catch (x: CancellationException) {
                throw x
            } catch (x: ApiException.Validation) {
                val words = env.words()
                update {
                    it.copy(
                        detailsEdit = e.copy(saving = false, errors = e.errors + (x.field to words.problems.validation(x.field, x.problem))),
                        notice = Notice(words[StringKey.BOX_FIX_FIELD], Tone.ERROR),
                    )
                }
            } catch (x: Exception) {
                update { it.copy(detailsEdit = e.copy(saving = false), notice = Notice(env.words().errors.message(x, Action.SAVE), Tone.ERROR)) }
            }
        }
    }

    // Conflicts

    fun chooseOurs(field: String): Job = change(Action.SAVE, StringKey.BOX_SETTLED) { id -> resolveCheckupConflict(id, checkupId, field, true) }

    fun chooseTheirs(field: String): Job = change(Action.SAVE, StringKey.BOX_SETTLED) { id -> resolveCheckupConflict(id, checkupId, field, false) }

    // Delete

    fun askDelete() =
        update { s ->
            val d = shown ?: return@update s
            s.copy(deleteQuestion = env.words().checkups.deleteQuestion(d.date, d.dateText), notice = null)
        }

    fun cancelDelete() = update { it.copy(deleteQuestion = null) }

    fun confirmDelete(): Job =
        launch {
            val id = profileId ?: return@launch
            if (current.deleteQuestion == null) return@launch
            update { it.copy(deleteQuestion = null, busy = true) }
            val done = attempt(Action.DELETE, ::showError) { env.onCore { deleteCheckup(id, checkupId) } }
            if (done != null) update { it.copy(busy = false, deleted = true, notice = Notice(env.words()[StringKey.CHECKUP_DELETED], Tone.SUCCESS)) }
        }

    // Loading and wording

    /** One change through the core; the checkup it returns is shown with [done]'s words. */
    private fun change(action: Action, done: StringKey, call: TechoCoreInterface.(String) -> CheckupDetail): Job =
        launch {
            val id = profileId ?: return@launch
            update { it.copy(busy = true, notice = null) }
            val saved = attempt(action, ::showError) { env.onCore { call(id) } }
            update { it.copy(busy = false) }
            if (saved != null) show(saved, Notice(env.words()[done], Tone.SUCCESS))
        }

    private suspend fun reload(notice: Notice?) {
        attempt(Action.LOAD, ::showError) {
            val profile = env.onCore { activeProfile() } ?: throw ApiException.NoActiveProfile()
            profileId = profile.id
            val detail = env.onCore { checkup(profile.id, checkupId) }
            update { it.copy(person = PersonHeader.of(profile, env.words())) }
            show(detail, notice)
        }
    }

    private suspend fun show(d: CheckupDetail, notice: Notice?) {
        shown = d
        val id = profileId ?: return
        val words = env.words()
        val pages = d.pages.map { p -> CheckupPageRow(p.imageSha256, words[StringKey.BOX_PAGE, words.numbers.whole(p.number)], thumbnail(id, d.id, p)) }
        val waiting =
            d.waitingPages.map { p ->
                val number = words.numbers.whole(p.number)
                WaitingPhotoRow(p.imageSha256, words[StringKey.BOX_PAGE, number], thumbnail(id, d.id, p), words[StringKey.PAGES_WAITING_PAGE, number])
            }
        val items = d.items.map { item(words, it) }
        val worst = d.worstJudgement
        update {
            it.copy(
                loading = false,
                title = words.checkups.title(d.date, d.dateText, d.kind),
                institution = d.institution.ifBlank { null },
                noteText = d.note.ifBlank { null }?.let { n -> words[StringKey.CHECKUP_NOTE, n] },
                unsentText = if (d.unsent) words[StringKey.CHECKUP_UNSENT] else null,
                worst = words.checkups.worst(worst),
                worstTone = worst.tone(),
                items = items,
                itemsEmptyText = if (items.isEmpty()) words[StringKey.CHECKUP_ITEMS_EMPTY] else null,
                offerSheet = d.items.any { i -> i.judgement == CheckupJudgement.SEX_NEEDED },
                pages = pages,
                pagesEmptyText = if (pages.isEmpty()) words[StringKey.BOX_PAGES_EMPTY] else null,
                waiting =
                    waiting.takeIf { w -> w.isNotEmpty() }?.let { w ->
                        WaitingPages(words[StringKey.PAGES_WAITING_TITLE], words[StringKey.PAGES_WAITING_EXPLAIN_CHECKUP], w)
                    },
                conflicts = d.conflicts.map { c -> conflict(words, c) },
                notice = notice,
            )
        }
    }

    /** A page's preview (a waiting photo's is always on this device); null when it cannot be had now. */
    private suspend fun thumbnail(id: String, checkup: String, p: CheckupPage): String? =
        try {
            env.core.checkupPageFile(id, checkup, p.imageSha256, true)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            null
        }

    private fun item(words: Wording, i: CheckupItem): CheckupItemRow {
        val name = words.checkups.itemName(i.plainName, i.code)
        val line = words.checkups.itemLine(name, i.shownValue, i.unit)
        val judgement = words.checkups.judgement(i.judgement)
        val a11y = words[StringKey.CHECKUP_ENTRY_A11Y, i.variant?.let { v -> words[StringKey.CHECKUP_ITEM_VARIANT, line, v] } ?: line, judgement]
        return CheckupItemRow(i.code, name, i.variant, line, judgement, i.judgement, i.judgement.tone(), i.value, a11y)
    }

    /** Names the field (an item by its plain name) and words both values as the checkup itself shows them. */
    private fun conflict(words: Wording, c: CheckupConflict): CheckupConflictRow {
        val label =
            when (c.which) {
                CheckupConflictField.DATE -> words.values.field(Field.CHECKUP_DATE)
                CheckupConflictField.KIND -> words.values.field(Field.CHECKUP_KIND)
                CheckupConflictField.INSTITUTION -> words.values.field(Field.INSTITUTION)
                CheckupConflictField.NOTE -> words.values.field(Field.NOTE)
                // The core names every item conflict; an unnamed one still gets a label.
                CheckupConflictField.ITEM -> c.itemName ?: words.checkups.itemName(null, c.field)
            }
        return CheckupConflictRow(
            c.field,
            label,
            words[StringKey.BOX_OURS, words.checkups.conflictValue(c.oursValue)],
            words[StringKey.BOX_THEIRS, words.checkups.conflictValue(c.theirsValue)],
        )
    }

    private fun showError(text: String) =
        update { it.copy(loading = false, busy = false, notice = Notice(text, Tone.ERROR)) }
}
