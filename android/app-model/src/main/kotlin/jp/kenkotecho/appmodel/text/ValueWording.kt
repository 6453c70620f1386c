package jp.kenkotecho.appmodel.text

import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.Bucket
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.GlucoseTiming
import jp.kenkotecho.core.GlucoseUnit
import jp.kenkotecho.core.Relationship
import jp.kenkotecho.core.ShownValue
import jp.kenkotecho.core.Vital
import jp.kenkotecho.core.VitalKind
import jp.kenkotecho.core.VitalValue

/** Names of kinds, fields and choices, and readings printed with their units. */
class ValueWording(private val table: StringTable, private val numbers: NumberWording) {
    fun kind(kind: VitalKind): String =
        table[
            when (kind) {
                VitalKind.WEIGHT -> StringKey.KIND_WEIGHT
                VitalKind.TEMPERATURE -> StringKey.KIND_TEMPERATURE
                VitalKind.BLOOD_PRESSURE -> StringKey.KIND_BLOOD_PRESSURE
                VitalKind.GLUCOSE -> StringKey.KIND_GLUCOSE
                VitalKind.STEPS -> StringKey.KIND_STEPS
            },
        ]

    fun field(field: Field): String =
        table[
            when (field) {
                Field.WEIGHT -> StringKey.FIELD_WEIGHT
                Field.TEMPERATURE -> StringKey.FIELD_TEMPERATURE
                Field.SYSTOLIC -> StringKey.FIELD_SYSTOLIC
                Field.DIASTOLIC -> StringKey.FIELD_DIASTOLIC
                Field.PULSE -> StringKey.FIELD_PULSE
                Field.GLUCOSE -> StringKey.FIELD_GLUCOSE
                Field.STEPS -> StringKey.FIELD_STEPS
                Field.MEASURED_AT -> StringKey.FIELD_MEASURED_AT
                Field.NOTE -> StringKey.FIELD_NOTE
                Field.DEVICE_NAME -> StringKey.FIELD_DEVICE_NAME
                Field.HM_CODE -> StringKey.FIELD_HM_CODE
                Field.DISPLAY_NAME -> StringKey.FIELD_DISPLAY_NAME
                Field.CURSOR -> StringKey.FIELD_CURSOR
                // Minimal so this compiles against the current bindings; the wording branch names the checkup fields.
                else -> return field.name.lowercase()
            },
        ]

    fun bpContext(context: BpContext): String =
        table[
            when (context) {
                BpContext.MORNING -> StringKey.BP_CONTEXT_MORNING
                BpContext.EVENING -> StringKey.BP_CONTEXT_EVENING
                BpContext.OTHER -> StringKey.BP_CONTEXT_OTHER
            },
        ]

    fun glucoseTiming(timing: GlucoseTiming): String =
        table[
            when (timing) {
                GlucoseTiming.FASTING -> StringKey.GLUCOSE_TIMING_FASTING
                GlucoseTiming.BEFORE_MEAL -> StringKey.GLUCOSE_TIMING_BEFORE_MEAL
                GlucoseTiming.AFTER_MEAL1H -> StringKey.GLUCOSE_TIMING_AFTER_MEAL1H
                GlucoseTiming.AFTER_MEAL2H -> StringKey.GLUCOSE_TIMING_AFTER_MEAL2H
                GlucoseTiming.BEDTIME -> StringKey.GLUCOSE_TIMING_BEDTIME
                GlucoseTiming.RANDOM -> StringKey.GLUCOSE_TIMING_RANDOM
            },
        ]

    fun glucoseUnit(unit: GlucoseUnit): String =
        table[if (unit == GlucoseUnit.MG_PER_DL) StringKey.UNIT_MG_DL else StringKey.UNIT_MMOL_L]

    fun bucket(bucket: Bucket): String =
        table[
            when (bucket) {
                Bucket.DAY -> StringKey.BUCKET_DAY
                Bucket.WEEK -> StringKey.BUCKET_WEEK
                Bucket.MONTH -> StringKey.BUCKET_MONTH
            },
        ]

    fun relationship(relationship: Relationship): String =
        table[if (relationship == Relationship.MYSELF) StringKey.RELATIONSHIP_MYSELF else StringKey.RELATIONSHIP_FAMILY]

    /** The unit symbols the core puts in bounds and warnings, as the person reads them. */
    fun unit(coreUnit: String): String =
        when (coreUnit) {
            "mmHg" -> table[StringKey.UNIT_MMHG]
            "/min" -> table[StringKey.UNIT_PER_MIN]
            "mg/dL" -> table[StringKey.UNIT_MG_DL]
            "mmol/L" -> table[StringKey.UNIT_MMOL_L]
            "°C" -> table[StringKey.UNIT_CELSIUS]
            "kg" -> table[StringKey.UNIT_KG]
            "steps" -> table[StringKey.UNIT_STEPS]
            else -> coreUnit
        }

    /**
     * The reading itself: "128/82 mmHg 脈拍 70", "5.5 mmol/L(99 mg/dL)". The numbers are the
     * core's (`shown`, printed by its rules); this adds the units and words.
     */
    fun value(value: VitalValue, shown: ShownValue): String =
        when (value) {
            is VitalValue.Weight -> table[StringKey.VALUE_WEIGHT, shown.value]
            is VitalValue.Temperature -> table[StringKey.VALUE_TEMPERATURE, shown.value]
            is VitalValue.BloodPressure -> {
                val dia = shown.diastolic.orEmpty()
                val pulse = shown.pulse
                if (pulse == null) table[StringKey.VALUE_BP, shown.value, dia] else table[StringKey.VALUE_BP_WITH_PULSE, shown.value, dia, pulse]
            }
            is VitalValue.Glucose -> {
                val converted = shown.convertedMgDl
                if (converted == null) table[StringKey.VALUE_GLUCOSE_MG_DL, shown.value]
                else table[StringKey.VALUE_GLUCOSE_MMOL_L, shown.value, converted]
            }
            is VitalValue.Steps -> table[StringKey.VALUE_STEPS, shown.value]
        }

    fun value(vital: Vital): String = value(vital.value, vital.shown)

    /** When in the day it was taken, where the kind records that. */
    fun detail(value: VitalValue): String? =
        when (value) {
            is VitalValue.BloodPressure -> bpContext(value.context)
            is VitalValue.Glucose -> glucoseTiming(value.timing)
            else -> null
        }

    fun valueWithDetail(vital: Vital): String = valueWithDetail(vital.value, vital.shown)

    fun valueWithDetail(value: VitalValue, shown: ShownValue): String {
        val detail = detail(value) ?: return value(value, shown)
        return table[StringKey.VALUE_WITH_DETAIL, value(value, shown), detail]
    }
}
