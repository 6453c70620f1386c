package jp.kenkotecho.appmodel.entry

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.CalendarDay
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.GlucoseTiming
import jp.kenkotecho.core.GlucoseUnit
import jp.kenkotecho.core.PickedDateTime
import jp.kenkotecho.core.RecordedVital
import jp.kenkotecho.core.Source
import jp.kenkotecho.core.VitalEntry
import jp.kenkotecho.core.VitalInput
import jp.kenkotecho.core.VitalKind
import jp.kenkotecho.core.pickedDateTime
import jp.kenkotecho.core.readingTime
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

/**
 * One reading per screen. Text boxes go to the core exactly as typed; the core reads the numbers,
 * checks them, converts units and answers with a field-level problem or post-save warnings.
 */
class EntryViewModel(
    env: AppEnvironment,
    scope: CoroutineScope,
    private val target: EntryTarget,
) : ScreenModel<EntryState>(EntryState(), env, scope) {
    private var profileId: String? = null

    /** The offset of the reading being corrected, which a picked time is read in; none for a new one. */
    private var correctingOffset: Int? = null

    fun load(): Job =
        launch {
            attempt(Action.LOAD, { text -> update { it.copy(formError = text) } }) {
                when (target) {
                    is EntryTarget.New -> startNew(target.kind)
                    is EntryTarget.Correct -> startCorrection(target.vitalId)
                }
            }
        }

    fun onText(field: Field, text: String) =
        update { s -> s.copy(inputs = s.inputs.map { if (it.field == field) it.copy(text = text, error = null) else it }) }

    fun onNote(text: String) = update { it.copy(note = text, noteError = null) }

    fun chooseBpContext(context: BpContext) = update { it.copy(bpContext = it.bpContext.select(context)) }

    fun chooseGlucoseTiming(timing: GlucoseTiming) = update { it.copy(glucoseTiming = it.glucoseTiming.select(timing)) }

    fun chooseGlucoseUnit(unit: GlucoseUnit) {
        val words = env.words()
        update { s ->
            s.copy(
                glucoseUnit = s.glucoseUnit.select(unit),
                inputs = s.inputs.map { if (it.field == Field.GLUCOSE) it.copy(unit = words.values.glucoseUnit(unit)) else it },
            )
        }
    }

    /**
     * A day and time picked on the phone. The core reads it as the reading's time: a correction in
     * the offset it was taken in, a new reading in the phone's zone.
     */
    fun pick(day: CalendarDay, hour: UInt, minute: UInt) {
        val read =
            try {
                readingTime(PickedDateTime(day, hour, minute), correctingOffset, env.zone)
            } catch (e: ApiException) {
                update { it.copy(measuredAtError = env.words().errors.message(e, Action.SAVE)) }
                return
            }
        update {
            it.copy(
                measuredAt = read.at,
                offsetMinutes = read.utcOffsetMinutes,
                picked = read.shown,
                measuredAtText = env.words().dates.dateTime(read.at, read.utcOffsetMinutes),
                measuredAtError = null,
            )
        }
    }

    fun save(): Job =
        launch {
            val s = current
            val kind = s.kind ?: return@launch
            if (s.saving) return@launch
            update { it.copy(saving = true, formError = null) }
            // The note goes as typed too: the core treats a blank one as none.
            val entry = VitalEntry(inputOf(kind, s), s.measuredAt, s.offsetMinutes, Source.SELF_ENTERED, null, s.note)
            try {
                val recorded =
                    env.onCore {
                        if (target is EntryTarget.Correct) amendVital(target.vitalId, entry) else recordVital(requireNotNull(profileId), entry)
                    }
                showSaved(recorded)
            } catch (e: CancellationException) {
                throw e
            } catch (e: ApiException.Validation) {
                showProblem(e)
            } catch (e: Exception) {
                val text = env.words().errors.message(e, Action.SAVE)
                update { it.copy(saving = false, formError = text) }
            }
        }

    private suspend fun startNew(kind: VitalKind) {
        val profile = env.onCore { activeProfile() } ?: throw ApiException.NoActiveProfile()
        profileId = profile.id
        val now = env.now()
        val offset = env.offsetMinutes(now)
        val defaults = env.onCore { entryDefaults(now, offset) }
        val words = env.words()
        update {
            EntryState(
                ready = true,
                kind = kind,
                person = PersonHeader.of(profile, words),
                inputs = fieldsOf(kind).map { f -> input(f, "", defaults.glucoseUnit, words) },
                bpContext = options(BpContext.entries, defaults.bpContext, words.values::bpContext),
                glucoseUnit = options(GlucoseUnit.entries, defaults.glucoseUnit, words.values::glucoseUnit),
                glucoseTiming = options(GlucoseTiming.entries, defaults.glucoseTiming, words.values::glucoseTiming),
                measuredAt = now,
                offsetMinutes = offset,
                picked = pickedDateTime(now, offset),
                measuredAtText = words.dates.dateTime(now, offset),
            )
        }
    }

    private suspend fun startCorrection(vitalId: String) {
        val vital = env.onCore { getVital(vitalId) }
        val profile = env.onCore { profiles() }.firstOrNull { it.id == vital.profileId }
        val words = env.words()
        val form = FormValues.of(vital)
        correctingOffset = vital.utcOffsetMinutes
        update {
            EntryState(
                ready = true,
                kind = vital.kind,
                correcting = true,
                person = profile?.let { p -> PersonHeader.of(p, words) },
                inputs = fieldsOf(vital.kind).map { f -> input(f, form.texts[f].orEmpty(), form.unit, words) },
                bpContext = options(BpContext.entries, form.context, words.values::bpContext),
                glucoseUnit = options(GlucoseUnit.entries, form.unit, words.values::glucoseUnit),
                glucoseTiming = options(GlucoseTiming.entries, form.timing, words.values::glucoseTiming),
                measuredAt = vital.measuredAt,
                offsetMinutes = vital.utcOffsetMinutes,
                picked = pickedDateTime(vital.measuredAt, vital.utcOffsetMinutes),
                measuredAtText = words.dates.dateTime(vital.measuredAt, vital.utcOffsetMinutes),
                note = vital.note.orEmpty(),
            )
        }
    }

    private suspend fun showSaved(recorded: RecordedVital) {
        val words = env.words()
        val status = env.onCore { syncStatus() }
        val value = words.values.valueWithDetail(recorded.vital)
        val warnings = recorded.warnings.map(words.problems::warning)
        val saved =
            SavedReading(
                vitalId = recorded.vital.id,
                text = words[if (current.correcting) StringKey.CORRECTED_VALUE else StringKey.SAVED_VALUE, value],
                warnings = warnings,
                nextStep = if (warnings.isEmpty()) null else words[StringKey.WARNING_NEXT_STEP],
                sync = words.sync.line(status, env.offsetMinutes(env.now()), env.monitor.progress.value),
            )
        update { it.copy(saving = false, saved = saved) }
    }

    /** The core named the field; the message goes next to it (or atop the form if not shown). */
    private fun showProblem(e: ApiException.Validation) {
        val text = env.words().problems.validation(e.field, e.problem)
        update { s ->
            when {
                s.inputs.any { it.field == e.field } ->
                    s.copy(saving = false, inputs = s.inputs.map { if (it.field == e.field) it.copy(error = text) else it })
                e.field == Field.MEASURED_AT -> s.copy(saving = false, measuredAtError = text)
                e.field == Field.NOTE -> s.copy(saving = false, noteError = text)
                else -> s.copy(saving = false, formError = text)
            }
        }
    }

    private fun input(field: Field, text: String, unit: GlucoseUnit, words: Wording): FieldInput =
        FieldInput(
            field = field,
            label = words.values.field(field),
            unit = unitOf(field, unit, words),
            text = text,
            optional = field == Field.PULSE,
            decimalKeyboard = field == Field.WEIGHT || field == Field.TEMPERATURE || field == Field.GLUCOSE,
        )

    private fun unitOf(field: Field, glucoseUnit: GlucoseUnit, words: Wording): String =
        when (field) {
            Field.WEIGHT -> words[StringKey.UNIT_KG]
            Field.TEMPERATURE -> words[StringKey.UNIT_CELSIUS]
            Field.SYSTOLIC, Field.DIASTOLIC -> words[StringKey.UNIT_MMHG]
            Field.PULSE -> words[StringKey.UNIT_PER_MIN]
            Field.GLUCOSE -> words.values.glucoseUnit(glucoseUnit)
            Field.STEPS -> words[StringKey.UNIT_STEPS]
            else -> ""
        }

    private fun text(s: EntryState, field: Field): String = s.inputs.first { it.field == field }.text

    private fun inputOf(kind: VitalKind, s: EntryState): VitalInput =
        when (kind) {
            VitalKind.WEIGHT -> VitalInput.Weight(text(s, Field.WEIGHT))
            VitalKind.TEMPERATURE -> VitalInput.Temperature(text(s, Field.TEMPERATURE))
            VitalKind.BLOOD_PRESSURE ->
                VitalInput.BloodPressure(
                    text(s, Field.SYSTOLIC),
                    text(s, Field.DIASTOLIC),
                    text(s, Field.PULSE),
                    s.bpContext.chosen(),
                )
            VitalKind.GLUCOSE -> VitalInput.Glucose(text(s, Field.GLUCOSE), s.glucoseUnit.chosen(), s.glucoseTiming.chosen())
            VitalKind.STEPS -> VitalInput.Steps(text(s, Field.STEPS))
        }
}
