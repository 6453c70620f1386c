package jp.kenkotecho.appmodel.text

import java.text.NumberFormat
import java.util.Locale

/**
 * Prints counts (records, days, changes) with the language's digit grouping. Every other number
 * comes from the core already printed (`shown` fields), so no rounding happens in the app.
 */
class NumberWording(private val locale: Locale) {
    fun whole(value: Long): String = NumberFormat.getIntegerInstance(locale).format(value)

    fun whole(value: UInt): String = whole(value.toLong())

    fun whole(value: ULong): String = whole(value.toLong())
}
