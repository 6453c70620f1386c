package jp.kenkotecho.appmodel.checkup

import jp.kenkotecho.appmodel.Option
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.CheckupItemInfo
import jp.kenkotecho.core.CheckupValueKind
import jp.kenkotecho.core.checkCheckupItem
import jp.kenkotecho.core.checkupItemCodes

/** One item the person can add, in the picker: "上の血圧（1回目）". */
data class ItemPick(val code: String, val label: String)

/** The picker's items under their group (身体計測, 血圧…), in the order a result sheet lists them. */
data class ItemGroupRow(val name: String, val items: List<ItemPick>)

/**
 * One item being typed: a number into a text box with its unit, or an ordinal chosen from the
 * code list's labels (−, ±, +…, saved as "1" to "5"). [text] goes to the core exactly as typed.
 */
data class ItemDraft(
    val code: String,
    val label: String,
    val unit: String?,
    val ordinal: Boolean,
    val choices: List<Option<String>>,
    val text: String,
    val error: String? = null,
) {
    fun typed(text: String): ItemDraft = copy(text = text, error = null, choices = choices.map { it.copy(selected = it.value == text) })

    /**
     * [text] typed (or chosen) and at once [checked]: the person sees a line's problem while still
     * at it, not only after saving. A line left empty has nothing to say yet.
     */
    fun typedAndChecked(text: String, words: Wording): ItemDraft = typed(text).let { if (text.isEmpty()) it else it.checked(words) }

    /**
     * This line checked by the core as a save would check it (`checkCheckupItem`): its own problem
     * beside it, or none when the line is fine. A refused save names only the field, not the line.
     */
    fun checked(words: Wording): ItemDraft =
        try {
            checkCheckupItem(code, text)
            copy(error = null)
        } catch (e: ApiException.Validation) {
            copy(error = words.problems.validation(e.field, e.problem))
        } catch (e: ApiException) {
            // Checked while typing too: whatever else the core says must not end the screen.
            copy(error = words.errors.message(e, Action.SAVE))
        }
}

/** The core's item code list, read once: names, units and value kinds for the picker and the forms. */
class ItemCatalogue(private val items: List<CheckupItemInfo> = checkupItemCodes()) {
    private val byCode = items.associateBy { it.code }

    operator fun get(code: String): CheckupItemInfo? = byCode[code]

    /** The item's plain name, with its variant when the series has several ("上の血圧（1回目）"). */
    fun label(words: Wording, code: String): String {
        val info = byCode[code] ?: return words.checkups.itemName(null, code)
        val variant = info.variant ?: return info.plainName
        return words[StringKey.CHECKUP_ITEM_VARIANT, info.plainName, variant]
    }

    /** Every item not in [taken], by group. */
    fun groups(words: Wording, taken: Set<String>): List<ItemGroupRow> =
        items.filter { it.code !in taken }
            .groupBy { it.group }
            .map { (group, infos) -> ItemGroupRow(group, infos.map { ItemPick(it.code, label(words, it.code)) }) }

    /** A draft for [code] holding [value] as recorded (an ordinal's code, a number as the core printed it). */
    fun draft(words: Wording, code: String, value: String = ""): ItemDraft {
        val info = byCode[code]
        val ordinal = info?.valueKind == CheckupValueKind.ORDINAL
        val choices =
            if (ordinal) {
                info.valueLabels.mapIndexed { i, label -> (i + 1).toString().let { v -> Option(v, label, v == value) } }
            } else {
                emptyList()
            }
        return ItemDraft(code, label(words, code), info?.unit, ordinal, choices, value)
    }
}
