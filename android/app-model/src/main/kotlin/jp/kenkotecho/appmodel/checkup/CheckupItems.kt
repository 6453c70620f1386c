package jp.kenkotecho.appmodel.checkup

import jp.kenkotecho.appmodel.Option
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.CheckupItemInfo
import jp.kenkotecho.core.CheckupValueKind
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.ValidationProblem
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

    /**
     * Which of [drafts] a refused item value is about. The core names the field but not the item
     * (a facade gap): one item typed is the one; an out-of-range value points at the items whose
     * range in the code list is the one the core gave; an empty value at the items left empty.
     * Null when more than one item could be meant.
     */
    fun refused(e: ApiException.Validation, drafts: List<ItemDraft>): String? {
        if (e.field != Field.ITEM_VALUE && e.field != Field.ITEM_CODE) return null
        if (drafts.size == 1) return drafts.single().code
        val problem = e.problem
        val candidates =
            when {
                problem is ValidationProblem.OutOfRange ->
                    drafts.filter { d -> byCode[d.code]?.let { it.min == problem.min && it.max == problem.max } == true }
                problem is ValidationProblem.Empty -> drafts.filter { it.text.isBlank() }
                problem is ValidationProblem.TooManyDecimals ->
                    drafts.filter { d -> byCode[d.code]?.let { it.valueKind == CheckupValueKind.DECIMAL && it.maxDecimals == problem.max } == true }
                else -> emptyList()
            }
        return candidates.singleOrNull()?.code
    }
}
