package jp.kenkotecho.appmodel.entry

import jp.kenkotecho.appmodel.Option
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.text.SyncLine
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.CalendarDay
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.GlucoseTiming
import jp.kenkotecho.core.GlucoseUnit
import jp.kenkotecho.core.PickedDateTime
import jp.kenkotecho.core.VitalKind
import java.time.Instant

/** One text box, holding exactly what was typed; [error] is the core's verdict, worded. */
data class FieldInput(
    val field: Field,
    val label: String,
    val unit: String,
    val text: String,
    val optional: Boolean,
    /** Keyboard hint only: whether a decimal point key is offered. */
    val decimalKeyboard: Boolean,
    val error: String? = null,
)

data class SavedReading(
    val vitalId: String,
    val text: String,
    /** "Saved, but worth a second look", from the core. */
    val warnings: List<String>,
    val nextStep: String?,
    val sync: SyncLine,
)

data class EntryState(
    val ready: Boolean = false,
    val kind: VitalKind? = null,
    val correcting: Boolean = false,
    val person: PersonHeader? = null,
    val inputs: List<FieldInput> = emptyList(),
    val bpContext: List<Option<BpContext>> = emptyList(),
    val glucoseUnit: List<Option<GlucoseUnit>> = emptyList(),
    val glucoseTiming: List<Option<GlucoseTiming>> = emptyList(),
    val measuredAt: Instant = Instant.EPOCH,
    /** The UTC offset the reading is taken in (the phone's, or the original one when correcting). */
    val offsetMinutes: Int = 0,
    /** The day and time the pickers start from: [measuredAt] as the core reads it in [offsetMinutes]. */
    val picked: PickedDateTime = PickedDateTime(CalendarDay(1970, 1u, 1u), 0u, 0u),
    val measuredAtText: String = "",
    val measuredAtError: String? = null,
    val note: String = "",
    val noteError: String? = null,
    val formError: String? = null,
    val saving: Boolean = false,
    val saved: SavedReading? = null,
)
