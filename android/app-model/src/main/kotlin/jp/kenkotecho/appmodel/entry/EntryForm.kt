package jp.kenkotecho.appmodel.entry

import jp.kenkotecho.appmodel.Option
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.GlucoseTiming
import jp.kenkotecho.core.GlucoseUnit
import jp.kenkotecho.core.Vital
import jp.kenkotecho.core.VitalInput
import jp.kenkotecho.core.VitalKind

/** Which text boxes a kind's form shows, in order. Layout only: the core reads and checks them. */
internal fun fieldsOf(kind: VitalKind): List<Field> =
    when (kind) {
        VitalKind.WEIGHT -> listOf(Field.WEIGHT)
        VitalKind.TEMPERATURE -> listOf(Field.TEMPERATURE)
        VitalKind.BLOOD_PRESSURE -> listOf(Field.SYSTOLIC, Field.DIASTOLIC, Field.PULSE)
        VitalKind.GLUCOSE -> listOf(Field.GLUCOSE)
        VitalKind.STEPS -> listOf(Field.STEPS)
    }

internal fun <T> options(all: List<T>, selected: T, label: (T) -> String): List<Option<T>> =
    all.map { Option(it, label(it), it == selected) }

internal fun <T> List<Option<T>>.select(value: T): List<Option<T>> = map { it.copy(selected = it.value == value) }

internal fun <T> List<Option<T>>.chosen(): T = first { it.selected }.value

/** A saved reading's exact text, to prefill a correction (the core keeps it as typed). */
internal class FormValues(
    val texts: Map<Field, String>,
    val context: BpContext,
    val unit: GlucoseUnit,
    val timing: GlucoseTiming,
) {
    companion object {
        fun of(vital: Vital): FormValues =
            when (val i = vital.asInput) {
                is VitalInput.Weight -> FormValues(mapOf(Field.WEIGHT to i.kg), BpContext.OTHER, GlucoseUnit.MG_PER_DL, GlucoseTiming.RANDOM)
                is VitalInput.Temperature ->
                    FormValues(mapOf(Field.TEMPERATURE to i.celsius), BpContext.OTHER, GlucoseUnit.MG_PER_DL, GlucoseTiming.RANDOM)
                is VitalInput.BloodPressure ->
                    FormValues(
                        mapOf(Field.SYSTOLIC to i.systolic, Field.DIASTOLIC to i.diastolic, Field.PULSE to i.pulse.orEmpty()),
                        i.context,
                        GlucoseUnit.MG_PER_DL,
                        GlucoseTiming.RANDOM,
                    )
                is VitalInput.Glucose -> FormValues(mapOf(Field.GLUCOSE to i.value), BpContext.OTHER, i.unit, i.timing)
                is VitalInput.Steps -> FormValues(mapOf(Field.STEPS to i.count), BpContext.OTHER, GlucoseUnit.MG_PER_DL, GlucoseTiming.RANDOM)
            }
    }
}
