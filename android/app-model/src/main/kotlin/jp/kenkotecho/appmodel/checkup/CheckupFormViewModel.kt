package jp.kenkotecho.appmodel.checkup

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Option
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.CalendarDay
import jp.kenkotecho.core.CheckupItemValue
import jp.kenkotecho.core.CheckupKind
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.calendarDayAt
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

/** A photo chosen or taken for the new checkup, not read by the core until saving. */
data class FormPhoto(val path: String, val title: String)

/** The kinds a save accepts; a newer app's kind is only ever kept, never chosen. */
internal val CHOOSABLE_KINDS = listOf(CheckupKind.TOKUTEI, CheckupKind.TEIKI, CheckupKind.OTHER)

internal fun kindOptions(words: Wording, chosen: CheckupKind?): List<Option<CheckupKind>> =
    CHOOSABLE_KINDS.map { Option(it, words.checkups.kind(it), it == chosen) }

data class CheckupFormState(
    val loading: Boolean = true,
    val person: PersonHeader? = null,
    val title: String = "",
    /** The day as the core will get it; the screen's picker hands back year, month and day. */
    val date: CalendarDay? = null,
    val dateText: String = "",
    val dateError: String? = null,
    val kinds: List<Option<CheckupKind>> = emptyList(),
    val kindError: String? = null,
    val institution: String = "",
    val institutionError: String? = null,
    val note: String = "",
    val noteError: String? = null,
    val photos: List<FormPhoto> = emptyList(),
    val photosError: String? = null,
    val items: List<ItemDraft> = emptyList(),
    val itemsEmptyText: String? = null,
    /** A problem with the items as a whole, or one no single line has on its own. */
    val itemsError: String? = null,
    /** The item picker is open, with what can still be added. */
    val picking: Boolean = false,
    val pickerGroups: List<ItemGroupRow> = emptyList(),
    val saving: Boolean = false,
    /** Set once saved: the screen opens the new checkup. */
    val savedId: String? = null,
    val notice: Notice? = null,
)

/**
 * A new checkup: its date, kind, facility and note, photos of the result sheet, and items typed
 * from it. Nothing is checked here: each item line is checked by the core as it is typed
 * (`checkCheckupItem`, the check a save makes), and the save checks everything at once, saves
 * nothing if it refuses anything, and its problem is shown beside the field it names. A refused
 * item names only the field, so then each line is checked again and every refused line shows its
 * own problem.
 */
class CheckupFormViewModel(
    env: AppEnvironment,
    scope: CoroutineScope,
    private val catalogue: ItemCatalogue = ItemCatalogue(),
) : ScreenModel<CheckupFormState>(CheckupFormState(), env, scope) {
    private var profileId: String? = null

    fun load(): Job =
        launch {
            attempt(Action.LOAD, ::showError) {
                val profile = env.onCore { activeProfile() } ?: throw ApiException.NoActiveProfile()
                profileId = profile.id
                val words = env.words()
                val now = env.now()
                val today = calendarDayAt(now, env.offsetMinutes(now))
                update {
                    it.copy(
                        loading = false,
                        person = PersonHeader.of(profile, words),
                        title = words[StringKey.CHECKUP_ADD],
                        date = today,
                        dateText = words.checkups.date(today, ""),
                        kinds = kindOptions(words, CheckupKind.TOKUTEI),
                        itemsEmptyText = words[StringKey.CHECKUP_ITEMS_EMPTY],
                    )
                }
            }
        }

    /** The day from the screen's date picker (month 1–12). */
    fun chooseDate(year: Int, month: Int, day: Int) {
        val chosen = CalendarDay(year, month.toUInt(), day.toUInt())
        val text = env.words().checkups.date(chosen, "")
        update { it.copy(date = chosen, dateText = text, dateError = null) }
    }

    fun chooseKind(kind: CheckupKind) =
        update { s -> s.copy(kinds = s.kinds.map { it.copy(selected = it.value == kind) }, kindError = null) }

    fun onInstitution(text: String) = update { it.copy(institution = text, institutionError = null) }

    fun onNote(text: String) = update { it.copy(note = text, noteError = null) }

    // Photos

    /** A photo the picker or the camera wrote to a file (JPEG or PNG); the core reads it when saving. */
    fun addPhoto(path: String) =
        update { s -> s.copy(photos = numbered(s.photos.map { it.path } + path), photosError = null, notice = null) }

    fun removePhoto(path: String) = update { s -> s.copy(photos = numbered(s.photos.map { it.path } - path), photosError = null) }

    private fun numbered(paths: List<String>): List<FormPhoto> {
        val words = env.words()
        return paths.mapIndexed { i, p -> FormPhoto(p, words[StringKey.BOX_PAGE, words.numbers.whole((i + 1).toLong())]) }
    }

    // Items

    fun openPicker() =
        update { s -> s.copy(picking = true, pickerGroups = catalogue.groups(env.words(), s.items.map { it.code }.toSet())) }

    fun closePicker() = update { it.copy(picking = false) }

    fun addItem(code: String) =
        update { s ->
            val items = s.items + catalogue.draft(env.words(), code)
            s.copy(items = items, itemsEmptyText = null, itemsError = null, picking = false)
        }

    fun removeItem(code: String) =
        update { s ->
            val items = s.items.filter { it.code != code }
            s.copy(items = items, itemsError = null, itemsEmptyText = if (items.isEmpty()) env.words()[StringKey.CHECKUP_ITEMS_EMPTY] else null)
        }

    /**
     * A number as typed, or an ordinal's code ("1"–"5") as chosen, checked at once by the core as a
     * save would check it: the line's problem stands beside it while typing, and goes once it is fixed.
     */
    fun onItemValue(code: String, text: String) {
        val words = env.words()
        update { s -> s.copy(items = s.items.map { if (it.code == code) it.typedAndChecked(text, words) else it }, itemsError = null) }
    }

    // Saving

    /**
     * Saves once: a second tap while the first save runs (or after it succeeded) does nothing, so
     * a hurried double tap never records the checkup twice.
     */
    fun save(): Job {
        var start = false
        update { s ->
            start = !s.saving && s.savedId == null && s.date != null
            if (start) s.copy(saving = true, notice = null) else s
        }
        if (!start) return launch { }
        return launch {
            val s = current
            val id = profileId
            val date = s.date
            if (id == null || date == null) {
                update { it.copy(saving = false) }
                return@launch
            }
            val kind = s.kinds.firstOrNull { it.selected }?.value ?: CheckupKind.OTHER
            val items = s.items.map { CheckupItemValue(it.code, it.text) }
            try {
                val saved = env.onCore { addCheckup(id, date, kind, s.institution, s.note, s.photos.map { it.path }, items) }
                update { it.copy(saving = false, savedId = saved.id, notice = Notice(env.words()[StringKey.CHECKUP_SAVED], Tone.SUCCESS)) }
            } catch (e: CancellationException) {
                throw e
            } catch (e: ApiException.Validation) {
                refused(e)
            } catch (e: ApiException.Photo) {
                val text = env.words().errors.message(e, Action.SAVE)
                update { it.copy(saving = false, photosError = text, notice = Notice(env.words()[StringKey.BOX_FIX_FIELD], Tone.ERROR)) }
            } catch (e: Exception) {
                update { it.copy(saving = false, notice = Notice(env.words().errors.message(e, Action.SAVE), Tone.ERROR)) }
            }
        }
    }

    /** The core's problem beside the field it names; the notice says to fix what is marked. */
    private fun refused(e: ApiException.Validation) {
        val words = env.words()
        val text = words.problems.validation(e.field, e.problem)
        val fix = Notice(words[StringKey.BOX_FIX_FIELD], Tone.ERROR)
        update { s ->
            val base = s.copy(saving = false, notice = fix)
            when (e.field) {
                Field.CHECKUP_DATE -> base.copy(dateError = text)
                Field.CHECKUP_KIND -> base.copy(kindError = text)
                Field.INSTITUTION -> base.copy(institutionError = text)
                Field.NOTE -> base.copy(noteError = text)
                Field.PAGES -> base.copy(photosError = text)
                Field.ITEMS -> base.copy(itemsError = text)
                Field.ITEM_CODE, Field.ITEM_VALUE, Field.ITEM_UNIT, Field.ITEM_METHOD -> {
                    // The save names the field, not the line: each line is checked by the core as the
                    // save checked it, so every refused line gets its own problem beside it.
                    val checked = s.items.map { it.checked(words) }
                    if (checked.any { it.error != null }) {
                        base.copy(items = checked, itemsError = null)
                    } else {
                        base.copy(itemsError = words[StringKey.CHECKUP_ITEMS_FIX, text])
                    }
                }
                else -> base.copy(notice = Notice(text, Tone.ERROR))
            }
        }
    }

    private fun showError(text: String) = update { it.copy(loading = false, saving = false, notice = Notice(text, Tone.ERROR)) }
}
