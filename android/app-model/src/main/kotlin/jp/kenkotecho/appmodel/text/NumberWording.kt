package jp.kenkotecho.appmodel.text

import java.math.RoundingMode
import java.text.NumberFormat
import java.util.Locale

/** Prints numbers the core computed; never parses or converts them. */
class NumberWording(private val locale: Locale) {
    /** Readings carry at most three decimals (the core's exact decimal); means get one. */
    fun decimal(value: Double, maxDecimals: Int): String {
        val format = NumberFormat.getNumberInstance(locale)
        format.minimumFractionDigits = 0
        format.maximumFractionDigits = maxDecimals
        format.roundingMode = RoundingMode.HALF_EVEN
        format.isGroupingUsed = true
        return format.format(value)
    }

    fun whole(value: Long): String = NumberFormat.getIntegerInstance(locale).format(value)

    fun whole(value: UInt): String = whole(value.toLong())

    fun whole(value: ULong): String = whole(value.toLong())
}
