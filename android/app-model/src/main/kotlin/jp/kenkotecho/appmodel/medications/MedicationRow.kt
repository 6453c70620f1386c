package jp.kenkotecho.appmodel.medications

import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.appmodel.text.toLocalDate
import jp.kenkotecho.core.CalendarDay
import jp.kenkotecho.core.MedicationKind
import jp.kenkotecho.core.MedicationSummary
import jp.kenkotecho.core.calendarDayAdd

/**
 * One notebook entry in a list, already worded. [title] is the pharmacy (dispensings), the medicine
 * (OTC) or the note; [names] the drugs or ingredients, one per line; [a11y] is read for the whole row.
 */
data class MedicationRow(
    val id: String,
    val kind: MedicationKind,
    val kindLabel: String,
    val title: String,
    val names: List<String>,
    val dateText: String?,
    /** "12月17日までの分": the last day supplied. */
    val untilText: String?,
    val arrivalText: String,
    val a11y: String,
) {
    companion object {
        /** Calls the core for the last day supplied (the day before [MedicationSummary.until]): no date maths here. */
        fun of(m: MedicationSummary, words: Wording): MedicationRow {
            val kindLabel = words.medications.kind(m.kind)
            val date = m.day?.let { words.dates.longDay(it.toLocalDate()) }
            val until = m.until?.let { lastDay(it) }?.let { words[StringKey.MED_UNTIL, words.dates.day(it)] }
            val period = listOfNotNull(date, until).joinToString(" ")
            return MedicationRow(
                id = m.id,
                kind = m.kind,
                kindLabel = kindLabel,
                title = m.title,
                names = m.names,
                dateText = date,
                untilText = until,
                arrivalText = words.medications.arrival(m.arrival),
                a11y = words[StringKey.MED_ROW_A11Y, kindLabel, m.title, period, m.names.joinToString(" ")],
            )
        }

        private fun lastDay(firstDayWithout: CalendarDay): CalendarDay = calendarDayAdd(firstDayWithout, -1)
    }
}
