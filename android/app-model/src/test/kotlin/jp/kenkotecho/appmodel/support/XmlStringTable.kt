package jp.kenkotecho.appmodel.support

import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.StringTable
import org.w3c.dom.Element
import java.io.File
import java.util.Locale
import javax.xml.parsers.DocumentBuilderFactory

/**
 * The app's `strings.xml` read on the JVM the way Android's resources read it, so tests see the
 * exact texts the phone shows. The :app resource directory comes from `-Dtecho.res.dir`.
 */
class XmlStringTable(override val locale: Locale) : StringTable {
    private val texts: Map<String, String> = parse(fileFor(locale))

    override fun get(key: StringKey, vararg args: String): String {
        val raw = texts[key.resourceName] ?: throw AssertionError("no string named ${key.resourceName} for $locale")
        // Resources.getString(id) returns the text as is; getString(id, args) formats it.
        return if (args.isEmpty()) raw else String.format(locale, raw, *args)
    }

    companion object {
        val JAPANESE: XmlStringTable by lazy { XmlStringTable(Locale.JAPAN) }
        val ENGLISH: XmlStringTable by lazy { XmlStringTable(Locale.UK) }

        fun resDir(): File {
            val dir = System.getProperty("techo.res.dir") ?: throw AssertionError("run with -Dtecho.res.dir=<android/app/src/main/res>")
            return File(dir)
        }

        fun fileFor(locale: Locale): File =
            File(resDir(), if (locale.language == "ja") "values-ja/strings.xml" else "values/strings.xml")

        /** `name` to text, unescaped as aapt2 does for the escapes these files use. */
        fun parse(file: File): Map<String, String> {
            val doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file)
            val nodes = doc.getElementsByTagName("string")
            return (0 until nodes.length).associate { i ->
                val e = nodes.item(i) as Element
                e.getAttribute("name") to unescape(e.textContent)
            }
        }

        private fun unescape(text: String): String {
            val quoted = text.length >= 2 && text.startsWith("\"") && text.endsWith("\"")
            val body = if (quoted) text.substring(1, text.length - 1) else text.replace(Regex("\\s+"), " ").trim()
            val out = StringBuilder()
            var i = 0
            while (i < body.length) {
                val c = body[i]
                if (c == '\\' && i + 1 < body.length) {
                    out.append(
                        when (val n = body[i + 1]) {
                            'n' -> '\n'
                            't' -> '\t'
                            else -> n
                        },
                    )
                    i += 2
                } else {
                    out.append(c)
                    i += 1
                }
            }
            return out.toString()
        }
    }
}
