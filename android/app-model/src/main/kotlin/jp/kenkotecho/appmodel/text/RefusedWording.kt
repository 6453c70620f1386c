package jp.kenkotecho.appmodel.text

import jp.kenkotecho.core.RecordFamily
import jp.kenkotecho.core.RefusalReason
import jp.kenkotecho.core.WedgedItem

/**
 * A change the server refused, said as which record, when it was entered and why. The core
 * says which record (the reading or notebook entry itself) and why (a [RefusalReason]); this
 * gives each case its words.
 */
class RefusedWording(private val table: StringTable, private val dates: DateWording, private val values: ValueWording) {
    fun item(item: WedgedItem, offsetMinutes: Int): String =
        table[StringKey.SETTINGS_REFUSED_ITEM, subject(item), dates.dateTime(item.createdAt, offsetMinutes), reason(item.why)]

    fun reason(why: RefusalReason): String =
        table[
            when (why) {
                RefusalReason.INVALID_DATA -> StringKey.REFUSED_REASON_CONTENT
                RefusalReason.NOT_ALLOWED -> StringKey.REFUSED_REASON_NOT_LINKED
                RefusalReason.TOO_LARGE -> StringKey.REFUSED_REASON_TOO_LARGE
                RefusalReason.CHANGED_ELSEWHERE -> StringKey.REFUSED_REASON_CONFLICT
                RefusalReason.NOT_ACCEPTED -> StringKey.REFUSED_REASON_UPDATE
                RefusalReason.WAITS_FOR_ANOTHER -> StringKey.REFUSED_REASON_WAITING
                RefusalReason.OTHER -> StringKey.REFUSED_REASON_OTHER
                // Minimal so this compiles against the current bindings; the wording branch words the new reasons.
                else -> StringKey.REFUSED_REASON_OTHER
            },
        ]

    /** The reading as its row shows it, the notebook entry by its title, or just the family. */
    private fun subject(item: WedgedItem): String {
        item.vital?.let { return table[StringKey.REFUSED_SUBJECT, values.kind(it.kind), values.valueWithDetail(it)] }
        item.medication?.let { return table[StringKey.REFUSED_SUBJECT, table[StringKey.REFUSED_ENTITY_MEDICATION], it.title] }
        return table[
            when (item.family) {
                RecordFamily.VITAL -> StringKey.REFUSED_ENTITY_VITAL
                RecordFamily.MEDICATION -> StringKey.REFUSED_ENTITY_MEDICATION
                RecordFamily.OTHER -> StringKey.REFUSED_ENTITY_OTHER
                // Minimal so this compiles against the current bindings; the wording branch names the new families.
                else -> StringKey.REFUSED_ENTITY_OTHER
            },
        ]
    }
}
