package jp.kenkotecho.app.ui

import jp.kenkotecho.app.R
import jp.kenkotecho.core.VitalKind

/** The "record …" button and screen title of each kind. */
fun recordTitle(kind: VitalKind): Int =
    when (kind) {
        VitalKind.WEIGHT -> R.string.title_record_weight
        VitalKind.TEMPERATURE -> R.string.title_record_temperature
        VitalKind.BLOOD_PRESSURE -> R.string.title_record_blood_pressure
        VitalKind.GLUCOSE -> R.string.title_record_glucose
        VitalKind.STEPS -> R.string.title_record_steps
    }
