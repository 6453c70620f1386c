package jp.kenkotecho.appmodel.text

import jp.kenkotecho.core.RecordFamily
import jp.kenkotecho.core.WedgedItem

/**
 * A change the server refused, said as which record, when it was entered and why. The core
 * passes the server's error code on as text (or its own, for a change waiting behind a refused
 * one); this is the one place that turns a code into words, so a core-side reason can replace
 * it without touching the screens. A code not listed gets the plain "not accepted".
 */
class RefusedWording(private val table: StringTable, private val dates: DateWording) {
    fun item(item: WedgedItem, offsetMinutes: Int): String =
        table[StringKey.SETTINGS_REFUSED_ITEM, familyName(item.family), dates.dateTime(item.createdAt, offsetMinutes), reason(item.reason)]

    fun reason(code: String?): String = table[REASONS[code] ?: StringKey.REFUSED_REASON_OTHER]

    private fun familyName(family: RecordFamily): String =
        table[
            when (family) {
                RecordFamily.VITAL -> StringKey.REFUSED_ENTITY_VITAL
                RecordFamily.MEDICATION -> StringKey.REFUSED_ENTITY_MEDICATION
                RecordFamily.OTHER -> StringKey.REFUSED_ENTITY_OTHER
            },
        ]

    private companion object {
        // The server's codes (protocol ErrorCode) and the phone's own wedge reasons.
        val REASONS: Map<String?, StringKey> =
            mapOf(
                "invalid_payload" to StringKey.REFUSED_REASON_CONTENT,
                "malformed_request" to StringKey.REFUSED_REASON_CONTENT,
                "payload_too_large" to StringKey.REFUSED_REASON_CONTENT,
                "forbidden" to StringKey.REFUSED_REASON_NOT_LINKED,
                "conflicting_record" to StringKey.REFUSED_REASON_CONFLICT,
                "idempotency_conflict" to StringKey.REFUSED_REASON_CONFLICT,
                "conflict" to StringKey.REFUSED_REASON_CONFLICT,
                "conflict_without_server_state" to StringKey.REFUSED_REASON_CONFLICT,
                "unsupported_entity" to StringKey.REFUSED_REASON_UPDATE,
                "dependency_refused" to StringKey.REFUSED_REASON_WAITING,
            )
    }
}
