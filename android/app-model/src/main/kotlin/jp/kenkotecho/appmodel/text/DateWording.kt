package jp.kenkotecho.appmodel.text

import jp.kenkotecho.core.Bucket
import jp.kenkotecho.core.CalendarDay
import java.time.Instant
import java.time.LocalDate
import java.time.OffsetDateTime
import java.time.ZoneOffset
import java.time.chrono.JapaneseChronology
import java.time.format.DateTimeFormatter

/** Dates as the person saw them: a reading keeps the UTC offset it was taken in. */
class DateWording(private val table: StringTable, private val useWareki: Boolean) {
    private fun pattern(key: StringKey): DateTimeFormatter = DateTimeFormatter.ofPattern(table[key], table.locale)

    private fun local(at: Instant, offsetMinutes: Int): OffsetDateTime =
        at.atOffset(ZoneOffset.ofTotalSeconds(offsetMinutes * 60))  // shell-logic-ok: formats an instant in the offset the core gave, for display

    fun dateTime(at: Instant, offsetMinutes: Int): String = pattern(StringKey.PATTERN_DATE_TIME).format(local(at, offsetMinutes))

    fun time(at: Instant, offsetMinutes: Int): String = pattern(StringKey.PATTERN_TIME).format(local(at, offsetMinutes))

    fun day(day: CalendarDay): String = pattern(StringKey.PATTERN_DATE).format(day.toLocalDate())

    /** A full date, in the Japanese era (令和…) when the person chose it. */
    fun longDay(day: LocalDate): String =
        if (useWareki) {
            pattern(StringKey.PATTERN_DATE_WAREKI).withChronology(JapaneseChronology.INSTANCE).format(day)
        } else {
            pattern(StringKey.PATTERN_DATE_LONG).format(day)
        }

    fun longDay(at: Instant, offsetMinutes: Int): String = longDay(local(at, offsetMinutes).toLocalDate())

    fun period(first: CalendarDay, last: CalendarDay): String = table[StringKey.PERIOD, day(first), day(last)]

    /** The label under a chart bucket starting on [start]. */
    fun chartLabel(start: CalendarDay, bucket: Bucket): String =
        when (bucket) {
            Bucket.DAY -> pattern(StringKey.PATTERN_CHART_DAY).format(start.toLocalDate())
            Bucket.WEEK -> table[StringKey.CHART_WEEK_LABEL, pattern(StringKey.PATTERN_CHART_DAY).format(start.toLocalDate())]
            Bucket.MONTH -> pattern(StringKey.PATTERN_CHART_MONTH).format(start.toLocalDate())
        }

    /** A chart point's period as it is read out and listed: 「11月20日（木）」, 「11月16日（月）からの週」, 「2025年11月」. */
    fun chartPeriod(start: CalendarDay, bucket: Bucket): String =
        when (bucket) {
            Bucket.DAY -> pattern(StringKey.PATTERN_DATE).format(start.toLocalDate())
            Bucket.WEEK -> table[StringKey.CHART_WEEK_PERIOD, pattern(StringKey.PATTERN_DATE).format(start.toLocalDate())]
            Bucket.MONTH -> pattern(StringKey.PATTERN_CHART_MONTH).format(start.toLocalDate())
        }
}

/** A field-by-field copy for java.time formatting; no date arithmetic happens here. */
fun CalendarDay.toLocalDate(): LocalDate = LocalDate.of(year, month.toInt(), day.toInt())
