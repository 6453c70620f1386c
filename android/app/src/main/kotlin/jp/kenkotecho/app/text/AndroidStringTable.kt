package jp.kenkotecho.app.text

import android.content.res.Resources
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.StringTable
import java.util.Locale

/** The app-model's texts from `R.string`, in the language of the current configuration. */
class AndroidStringTable(private val resources: Resources) : StringTable {
    override val locale: Locale = resources.configuration.locales[0]

    override fun get(key: StringKey, vararg args: String): String {
        val id = stringId(key)
        return if (args.isEmpty()) resources.getString(id) else resources.getString(id, *args)
    }
}
