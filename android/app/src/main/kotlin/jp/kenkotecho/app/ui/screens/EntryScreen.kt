package jp.kenkotecho.app.ui.screens

import android.app.DatePickerDialog
import android.app.TimePickerDialog
import android.text.format.DateFormat
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.Screen
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.ChoiceGroup
import jp.kenkotecho.app.ui.components.ErrorText
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.components.SecondaryButton
import jp.kenkotecho.app.ui.components.SectionTitle
import jp.kenkotecho.app.ui.components.TextInput
import jp.kenkotecho.app.ui.recordTitle
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.entry.EntryState
import jp.kenkotecho.appmodel.entry.EntryTarget
import jp.kenkotecho.appmodel.entry.EntryViewModel
import jp.kenkotecho.appmodel.entry.SavedReading
import jp.kenkotecho.core.CalendarDay
import jp.kenkotecho.core.VitalKind

/** One reading: text boxes as typed, the core's verdict next to each, warnings after saving. */
@Composable
fun EntryScreen(target: EntryTarget, nav: Nav) {
    val vm = rememberScreenModel { env, scope -> EntryViewModel(env, scope, target) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { if (!vm.state.value.ready) vm.load() }
    val title =
        when (target) {
            is EntryTarget.Correct -> stringResource(R.string.title_correct)
            is EntryTarget.New -> stringResource(recordTitle(target.kind))
        }

    ScreenFrame(title, person = s.person, onBack = nav::back) {
        val saved = s.saved
        if (saved != null) {
            Saved(saved)
            BigButton(stringResource(R.string.button_done)) { nav.restart(Screen.Home) }
        } else {
            Form(s, vm)
        }
    }
}

@Composable
private fun Saved(saved: SavedReading) {
    NoticeCard(Notice(saved.text, Tone.SUCCESS))
    saved.warnings.forEach { NoticeCard(Notice(it, Tone.WARNING)) }
    saved.nextStep?.let { BodyText(it) }
    NoticeCard(Notice(saved.sync.text, saved.sync.tone))
}

@Composable
private fun Form(s: EntryState, vm: EntryViewModel) {
    s.formError?.let { ErrorText(it) }
    s.inputs.forEach { input ->
        TextInput(
            label = if (input.optional) stringResource(R.string.label_pulse_optional) else input.label,
            value = input.text,
            onValueChange = { vm.onText(input.field, it) },
            error = input.error,
            unit = input.unit,
            // Only which keyboard opens; the core reads and checks whatever is typed.
            keyboardType = if (input.decimalKeyboard) KeyboardType.Decimal else KeyboardType.Number,
        )
    }
    when (s.kind) {
        VitalKind.BLOOD_PRESSURE -> ChoiceGroup(stringResource(R.string.label_bp_context), s.bpContext, vm::chooseBpContext)
        VitalKind.GLUCOSE -> {
            ChoiceGroup(stringResource(R.string.label_glucose_unit), s.glucoseUnit, vm::chooseGlucoseUnit)
            ChoiceGroup(stringResource(R.string.label_glucose_timing), s.glucoseTiming, vm::chooseGlucoseTiming)
        }
        else -> Unit
    }
    MeasuredAt(s, vm)
    TextInput(stringResource(R.string.label_note), s.note, vm::onNote, error = s.noteError, singleLine = false)
    BigButton(stringResource(R.string.button_save), enabled = s.ready && !s.saving) { vm.save() }
}

/** When it was measured: "now" by default; the platform pickers change the day or the time. */
@Composable
private fun MeasuredAt(s: EntryState, vm: EntryViewModel) {
    val context = LocalContext.current
    val picked = s.picked
    SectionTitle(stringResource(R.string.field_measured_at))
    BodyText(s.measuredAtText)
    s.measuredAtError?.let { ErrorText(it) }
    SecondaryButton(stringResource(R.string.button_change_date)) {
        // The platform's months count from 0, the core's from 1.
        DatePickerDialog(
            context,
            { _, year, month, day -> vm.pick(CalendarDay(year, (month + 1).toUInt(), day.toUInt()), picked.hour, picked.minute) },
            picked.day.year,
            picked.day.month.toInt() - 1,
            picked.day.day.toInt(),
        ).show()
    }
    SecondaryButton(stringResource(R.string.button_change_time)) {
        TimePickerDialog(
            context,
            { _, hour, minute -> vm.pick(picked.day, hour.toUInt(), minute.toUInt()) },
            picked.hour.toInt(),
            picked.minute.toInt(),
            DateFormat.is24HourFormat(context),
        ).show()
    }
}
