package jp.kenkotecho.app

import android.content.Context
import jp.kenkotecho.appmodel.DisplayPrefs
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.drop
import kotlinx.coroutines.launch

/** The person's display choices (和暦), kept in preferences: no health data lives here. */
class DisplayPrefsStore(context: Context) {
    private val prefs = context.getSharedPreferences("display", Context.MODE_PRIVATE)
    val flow = MutableStateFlow(DisplayPrefs(wareki = prefs.getBoolean(WAREKI, false)))

    fun persist(scope: CoroutineScope) {
        scope.launch { flow.drop(1).collect { prefs.edit().putBoolean(WAREKI, it.wareki).apply() } }
    }

    private companion object {
        const val WAREKI = "wareki"
    }
}
