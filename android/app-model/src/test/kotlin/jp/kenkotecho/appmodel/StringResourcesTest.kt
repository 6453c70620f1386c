package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.appmodel.text.StringKey
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File
import java.time.LocalDateTime
import java.time.format.DateTimeFormatter
import java.util.Locale

/** strings.xml is the single source of wording: the app-model's keys and both languages agree. */
class StringResourcesTest {
    private val english = XmlStringTable.parse(XmlStringTable.fileFor(Locale.UK))
    private val japanese = XmlStringTable.parse(XmlStringTable.fileFor(Locale.JAPAN))
    private val placeholder = Regex("%(\\d+)\\\$s")

    @Test
    fun everyKeyIsInBothLanguagesAndNothingElse() {
        val keys = StringKey.entries.map { it.resourceName }.toSortedSet()
        assertEquals("values/strings.xml", keys, english.keys.toSortedSet())
        assertEquals("values-ja/strings.xml", keys, japanese.keys.toSortedSet())
    }

    /** wording/glossary.tsv, the terms file the iOS wording tests read too. */
    @Test
    fun japaneseFollowsTheGlossaryAndUsesFullWidthPunctuation() {
        val glossary = File(XmlStringTable.resDir(), "../../../../../wording/glossary.tsv")
        val avoid =
            glossary.readLines()
                .filter { it.isNotBlank() && !it.startsWith("#") }
                .flatMap { it.split('\t')[1].split('|') }
        assertTrue("the glossary lists words to avoid", avoid.size >= 10)
        val halfWidth = Regex("[()!?]|(?<!\\d):|:(?!\\d)")
        val problems = mutableListOf<String>()
        for ((name, text) in japanese) {
            avoid.filter { text.contains(it) }.forEach { problems += "$name uses 「$it」: $text" }
            val words = text.replace(placeholder, "")
            if (!name.startsWith("pattern_") && halfWidth.containsMatchIn(words)) problems += "$name has half-width punctuation: $text"
        }
        assertEquals(emptyList<String>(), problems)
    }

    @Test
    fun theAndroidAppMapsEveryKeyToItsResource() {
        // Compiled only with the Android SDK; checked here as text so Linux CI catches drift.
        val ids = File(XmlStringTable.resDir(), "../kotlin/jp/kenkotecho/app/text/StringIds.kt").readText()
        for (key in StringKey.entries) {
            assertTrue("StringIds.kt lacks ${key.name}", ids.contains("StringKey.${key.name} -> R.string.${key.resourceName}\n"))
        }
    }

    @Test
    fun bothLanguagesTakeTheSameArguments() {
        for (key in StringKey.entries) {
            val name = key.resourceName
            val en = placeholder.findAll(english.getValue(name)).map { it.value }.toSortedSet()
            val ja = placeholder.findAll(japanese.getValue(name)).map { it.value }.toSortedSet()
            assertEquals("arguments of $name", en, ja)
            // Android returns texts without arguments unformatted: a stray % would show as is.
            if (en.isEmpty()) {
                assertFalse("$name has a % but no arguments", english.getValue(name).contains('%') || japanese.getValue(name).contains('%'))
            }
        }
    }

    @Test
    fun datePatternsAreValidInBothLanguages() {
        val at = LocalDateTime.of(2026, 11, 26, 7, 5)
        val patterns = StringKey.entries.filter { it.name.startsWith("PATTERN_") && it != StringKey.PATTERN_DATE_WAREKI }
        for (table in listOf(XmlStringTable.ENGLISH, XmlStringTable.JAPANESE)) {
            for (key in patterns) {
                DateTimeFormatter.ofPattern(table[key], table.locale).format(at)
            }
        }
        assertEquals("11月26日（木） 7:05", DateTimeFormatter.ofPattern(XmlStringTable.JAPANESE[StringKey.PATTERN_DATE_TIME], Locale.JAPAN).format(at))
    }

    @Test
    fun theOfflineLineIsWordedAsAgreed() {
        assertEquals("インターネットにつながっていません。記録は保存しました。つながったら送ります。", XmlStringTable.JAPANESE[StringKey.SYNC_OFFLINE])
        assertEquals("健康手帳", XmlStringTable.JAPANESE[StringKey.APP_NAME])
        assertEquals("Kenko Techo", XmlStringTable.ENGLISH[StringKey.APP_NAME])
    }
}
