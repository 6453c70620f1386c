package jp.kenkotecho.app.ui

import androidx.compose.runtime.mutableStateListOf
import androidx.lifecycle.ViewModel
import androidx.lifecycle.ViewModelStore
import androidx.lifecycle.ViewModelStoreOwner
import jp.kenkotecho.core.VitalKind

/** The app's screens; each does one task (quality.md §4.2). */
sealed interface Screen {
    data object Home : Screen

    data object FirstRun : Screen

    data object SignIn : Screen

    data class Record(val kind: VitalKind) : Screen

    data class Correct(val vitalId: String) : Screen

    data object History : Screen

    data object Chart : Screen

    data class Detail(val vitalId: String) : Screen

    data object BpSummary : Screen

    data object Profiles : Screen

    data object AddFamily : Screen

    data object Settings : Screen

    /** The medication notebook: taking now, history, by pharmacy, search, import and export. */
    data object Medications : Screen

    data class MedicationDetail(val medicationId: String) : Screen

    data object MedicationScan : Screen

    /** 命の宝箱: what paramedics and hospital staff should know, by group, with photos of the paper sheet. */
    data object EmergencySheet : Screen

    /** 健診結果: the person's checkups, newest first. */
    data object Checkups : Screen

    data object CheckupAdd : Screen

    /** [justSaved]: opened by the add form right after saving, which the screen says once. */
    data class CheckupDetail(val checkupId: String, val justSaved: Boolean = false) : Screen

    /** One item (by its 特定健診項目コード) across the checkups. */
    data class CheckupTrend(val code: String) : Screen
}

interface Nav {
    fun push(screen: Screen)

    fun back()

    /** Starts over at [screen] (after the first run, after saving a reading). */
    fun restart(screen: Screen)
}

/**
 * The back stack, kept across configuration changes. Each entry owns the view models of its
 * screen, cleared when the entry leaves the stack (so a reopened screen starts fresh).
 */
class BackStack : ViewModel(), Nav {
    class Entry(val id: Long, val screen: Screen) : ViewModelStoreOwner {
        override val viewModelStore = ViewModelStore()
    }

    private var nextId = 0L
    val entries = mutableStateListOf(Entry(nextId++, Screen.Home))

    override fun push(screen: Screen) {
        entries.add(Entry(nextId++, screen))
    }

    override fun back() {
        if (entries.size > 1) entries.removeAt(entries.lastIndex).viewModelStore.clear()
    }

    override fun restart(screen: Screen) {
        entries.forEach { it.viewModelStore.clear() }
        entries.clear()
        entries.add(Entry(nextId++, screen))
    }

    override fun onCleared() {
        entries.forEach { it.viewModelStore.clear() }
    }
}
