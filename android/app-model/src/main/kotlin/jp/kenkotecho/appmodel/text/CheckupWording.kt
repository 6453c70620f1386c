package jp.kenkotecho.appmodel.text

import jp.kenkotecho.core.CalendarDay
import jp.kenkotecho.core.CheckupConflictValue
import jp.kenkotecho.core.CheckupEntry
import jp.kenkotecho.core.CheckupJudgement
import jp.kenkotecho.core.CheckupKind

/**
 * 健診結果 in words: kinds, the core's judgements, an item's line and a trend point. Values come
 * printed by the core (`shownValue`: "6.8", ordinal codes as −, ±, +…); this adds units and words.
 */
class CheckupWording(private val table: StringTable, private val numbers: NumberWording, private val dates: DateWording) {
    /** A newer app's kind is shown as "other": its own name is not known here. */
    fun kind(kind: CheckupKind): String =
        table[
            when (kind) {
                CheckupKind.TOKUTEI -> StringKey.CHECKUP_KIND_TOKUTEI
                CheckupKind.TEIKI -> StringKey.CHECKUP_KIND_TEIKI
                CheckupKind.OTHER, CheckupKind.NEWER -> StringKey.CHECKUP_KIND_OTHER
            },
        ]

    /** What one item's judgement means for the person, with the next step where there is one. */
    fun judgement(judgement: CheckupJudgement): String =
        table[
            when (judgement) {
                CheckupJudgement.NORMAL -> StringKey.CHECKUP_JUDGEMENT_NORMAL
                CheckupJudgement.GUIDANCE -> StringKey.CHECKUP_JUDGEMENT_GUIDANCE
                CheckupJudgement.SEE_DOCTOR -> StringKey.CHECKUP_JUDGEMENT_SEE_DOCTOR
                CheckupJudgement.NO_THRESHOLDS -> StringKey.CHECKUP_JUDGEMENT_NO_THRESHOLDS
                CheckupJudgement.SEX_NEEDED -> StringKey.CHECKUP_JUDGEMENT_SEX_NEEDED
                CheckupJudgement.UNKNOWN_ITEM -> StringKey.CHECKUP_JUDGEMENT_UNKNOWN_ITEM
            },
        ]

    /** The most serious judgement over a whole checkup; none when no item was judged. */
    fun worst(judgement: CheckupJudgement?): String? =
        when (judgement) {
            CheckupJudgement.NORMAL -> table[StringKey.CHECKUP_WORST_NORMAL]
            CheckupJudgement.GUIDANCE -> table[StringKey.CHECKUP_WORST_GUIDANCE]
            CheckupJudgement.SEE_DOCTOR -> table[StringKey.CHECKUP_WORST_SEE_DOCTOR]
            else -> null
        }

    /** The checkup's day in full; a date a newer app wrote in a form not read here, as written. */
    fun date(day: CalendarDay?, dateText: String): String = day?.let { dates.longDay(it.toLocalDate()) } ?: dateText

    /** "2026年6月12日（金）　特定健診". */
    fun title(day: CalendarDay?, dateText: String, kind: CheckupKind): String =
        table[StringKey.CHECKUP_ENTRY_TITLE, date(day, dateText), kind(kind)]

    /** "写真1枚・検査項目3つ". */
    fun counts(pages: UInt, items: UInt): String =
        table[StringKey.CHECKUP_COUNTS, numbers.whole(pages), numbers.whole(items)]

    /** An item's name as an elderly reader knows it; an item this version does not know, by its code. */
    fun itemName(plainName: String?, code: String): String = plainName ?: table[StringKey.CHECKUP_ITEM_CODE, code]

    /** "6.8 %"; ordinal values ("+") have no unit. */
    fun value(shownValue: String, unit: String?): String =
        if (unit.isNullOrEmpty()) shownValue else table[StringKey.VALUE_WITH_UNIT, shownValue, unit]

    /** "HbA1c（ヘモグロビン・エーワンシー）　6.8 %". */
    fun itemLine(name: String, shownValue: String, unit: String?): String = table[StringKey.CHECKUP_ITEM_LINE, name, value(shownValue, unit)]

    /**
     * One side of a value two phones saved differently, worded as the checkup shows it: a day in
     * full, a kind by its name, an item's value with its unit, nothing as 「（空欄）」.
     */
    fun conflictValue(side: CheckupConflictValue): String =
        when (side) {
            CheckupConflictValue.Blank -> table[StringKey.BOX_BLANK]
            is CheckupConflictValue.Text -> side.text
            is CheckupConflictValue.Day -> dates.longDay(side.day.toLocalDate())
            is CheckupConflictValue.Kind -> kind(side.kind)
            is CheckupConflictValue.Item -> value(side.shownValue, side.unit)
        }

    fun trendTitle(name: String): String = table[StringKey.CHECKUP_TREND_TITLE, name]

    /** "2026年6月12日（金）　6.8 %　受診をすすめる値です。…". */
    fun trendPoint(day: CalendarDay, shownValue: String, unit: String?, judgement: CheckupJudgement): String =
        table[StringKey.CHECKUP_TREND_POINT, dates.longDay(day.toLocalDate()), value(shownValue, unit), judgement(judgement)]

    /** The home screen's line: "最近の健診：2026年6月12日（金）　受診をすすめる値があります". */
    fun latest(entry: CheckupEntry): String {
        val day = date(entry.date, entry.dateText)
        val worst = worst(entry.worstJudgement)
        return if (worst == null) table[StringKey.HOME_LATEST_CHECKUP_DATE, day] else table[StringKey.HOME_LATEST_CHECKUP, day, worst]
    }

    fun deleteQuestion(day: CalendarDay?, dateText: String): String = table[StringKey.CHECKUP_DELETE_QUESTION, date(day, dateText)]
}
