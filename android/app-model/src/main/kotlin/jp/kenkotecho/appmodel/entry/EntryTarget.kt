package jp.kenkotecho.appmodel.entry

import jp.kenkotecho.core.VitalKind

/** What the entry screen is for: a new reading of a kind, or a correction of a saved one. */
sealed interface EntryTarget {
    data class New(val kind: VitalKind) : EntryTarget

    data class Correct(val vitalId: String) : EntryTarget
}
