package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.Vital
import jp.kenkotecho.core.VitalKind

/** One reading in a list, already worded; [a11y] is what TalkBack reads for the whole row. */
data class ReadingRow(
    val id: String,
    val kind: VitalKind,
    val kindLabel: String,
    val valueText: String,
    val timeText: String,
    val statusText: String,
    val sent: Boolean,
    val a11y: String,
) {
    companion object {
        fun of(vital: Vital, words: Wording, timeOnly: Boolean = false): ReadingRow {
            val kindLabel = words.values.kind(vital.kind)
            val value = words.values.valueWithDetail(vital)
            val time =
                if (timeOnly) {
                    words.dates.time(vital.measuredAt, vital.utcOffsetMinutes)
                } else {
                    words.dates.dateTime(vital.measuredAt, vital.utcOffsetMinutes)
                }
            val status = words[if (vital.synced) StringKey.ROW_SENT else StringKey.ROW_NOT_SENT]
            return ReadingRow(
                id = vital.id,
                kind = vital.kind,
                kindLabel = kindLabel,
                valueText = value,
                timeText = time,
                statusText = status,
                sent = vital.synced,
                a11y = words[StringKey.ROW_A11Y, kindLabel, value, time, status],
            )
        }
    }
}
