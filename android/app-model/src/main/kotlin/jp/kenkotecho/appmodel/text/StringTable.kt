package jp.kenkotecho.appmodel.text

import java.util.Locale

/**
 * Texts by key, in one language. On Android this reads `R.string` for the current configuration;
 * the JVM tests parse the very same `strings.xml` files, so both see identical wording.
 */
interface StringTable {
    val locale: Locale

    /** The text with `%1$s`, `%2$s`… replaced by [args]; callers format numbers and dates first. */
    operator fun get(key: StringKey, vararg args: String): String
}
