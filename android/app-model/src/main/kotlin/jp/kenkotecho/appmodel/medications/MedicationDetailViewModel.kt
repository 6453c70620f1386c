package jp.kenkotecho.appmodel.medications

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.appmodel.text.toLocalDate
import jp.kenkotecho.core.DispensingInfo
import jp.kenkotecho.core.DrugInfo
import jp.kenkotecho.core.InstitutionInfo
import jp.kenkotecho.core.MedicationKind
import jp.kenkotecho.core.RpInfo
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

/** One medicine: its name, "1日量 2錠", and the pharmacy's notes on it, each marked 「※」. */
data class DrugRow(val name: String, val genericName: String?, val doseLine: String?, val notes: List<String>)

/** Medicines taken the same way: what kind of medicine, who prescribed, how to take it, notes (「※」). */
data class RpRow(
    val formText: String?,
    val doctorText: String?,
    val drugs: List<DrugRow>,
    /** "【１日２回 朝夕食後】 28日分". */
    val howToTake: String?,
    val notes: List<String>,
)

data class MedicationDetailState(
    val loading: Boolean = true,
    val person: PersonHeader? = null,
    val kindLabel: String = "",
    val title: String = "",
    /** Drug names or ingredients, for entries without a dispensing in full. */
    val names: List<String> = emptyList(),
    /** "お薬をもらった日：2026年11月20日(金)". */
    val dateText: String? = null,
    val untilText: String? = null,
    /** Where it came from: "明細書のQRコードから読み取り". */
    val arrivalText: String = "",
    /** Pharmacy name, address, phone, pharmacist: one line each. */
    val pharmacyLines: List<String> = emptyList(),
    val prescriberLines: List<String> = emptyList(),
    val rps: List<RpRow> = emptyList(),
    /** Cautions for the whole dispensing (「※」). */
    val cautions: List<String> = emptyList(),
    /** Information from the pharmacy, remarks, the person's own notes: as written. */
    val notes: List<String> = emptyList(),
    /** Removed from the lists (on every device); it stays in the history. */
    val hidden: Boolean = false,
    val canHide: Boolean = false,
    /** Hiding asks first, with its own large buttons. */
    val confirmingHide: Boolean = false,
    val notice: Notice? = null,
)

/** One notebook entry in full, ready to draw; a wrongly imported one can be hidden after asking. */
class MedicationDetailViewModel(
    env: AppEnvironment,
    scope: CoroutineScope,
    private val medicationId: String,
) : ScreenModel<MedicationDetailState>(MedicationDetailState(), env, scope) {
    fun load(): Job = launch { reload(current.notice) }

    fun askHide() = update { it.copy(confirmingHide = true, notice = null) }

    fun cancelHide() = update { it.copy(confirmingHide = false) }

    fun confirmHide(): Job =
        launch {
            update { it.copy(confirmingHide = false) }
            val done = attempt(Action.DELETE, ::showError) { env.onCore { deleteMedication(medicationId) } }
            if (done != null) reload(Notice(env.words()[StringKey.MED_HIDDEN], Tone.SUCCESS))
        }

    private suspend fun reload(notice: Notice?) {
        attempt(Action.LOAD, ::showError) {
            val detail = env.onCore { getMedication(medicationId) }
            val profile = env.onCore { activeProfile() }
            val words = env.words()
            val m = detail.summary
            val row = MedicationRow.of(m, words)
            val dispensing = detail.dispensing
            val day = m.day?.let { words.dates.longDay(it.toLocalDate()) }
            update {
                MedicationDetailState(
                    loading = false,
                    person = profile?.let { p -> PersonHeader.of(p, words) },
                    kindLabel = row.kindLabel,
                    title = m.title,
                    names = if (dispensing == null) m.names else emptyList(),
                    dateText = day?.let { d -> words[if (m.kind == MedicationKind.DISPENSING) StringKey.MED_RECEIVED_ON else StringKey.MED_DATE, d] },
                    untilText = row.untilText,
                    arrivalText = row.arrivalText,
                    pharmacyLines = dispensing?.let { d -> pharmacyLines(d, words) }.orEmpty(),
                    prescriberLines = dispensing?.prescriber?.let { p -> institutionLines(p, StringKey.MED_PRESCRIBER, words) }.orEmpty(),
                    rps = dispensing?.rps?.map { rp -> rp(rp, words) }.orEmpty(),
                    cautions = dispensing?.cautions?.map { c -> words.medications.note(c) }.orEmpty(),
                    notes = dispensing?.notes.orEmpty(),
                    hidden = m.hidden,
                    canHide = !m.hidden,
                    notice = notice ?: if (m.hidden) Notice(words[StringKey.MED_HIDDEN_STATE], Tone.INFO) else null,
                )
            }
        }
    }

    private fun pharmacyLines(d: DispensingInfo, words: Wording): List<String> =
        d.pharmacy?.let { institutionLines(it, StringKey.MED_PHARMACY, words) }.orEmpty() +
            listOfNotNull(d.pharmacist?.takeIf { it.isNotBlank() }?.let { words[StringKey.MED_PHARMACIST, it] })

    private fun institutionLines(i: InstitutionInfo, label: StringKey, words: Wording): List<String> =
        listOfNotNull(
            i.name.takeIf { it.isNotBlank() }?.let { words[label, it] },
            i.address.takeIf { it.isNotBlank() },
            i.phone.takeIf { it.isNotBlank() }?.let { words[StringKey.MED_PHONE, it] },
        )

    private fun rp(rp: RpInfo, words: Wording): RpRow =
        RpRow(
            formText = rp.dosageForm?.let { words.medications.dosageForm(it) },
            doctorText = rp.doctor?.takeIf { it.isNotBlank() }?.let { words[StringKey.MED_DOCTOR, it] },
            drugs = rp.drugs.map { drug(it, words) },
            howToTake = words.medications.howToTake(rp),
            notes = (rp.usageNotes + rp.cautions).map { words.medications.note(it) },
        )

    private fun drug(d: DrugInfo, words: Wording): DrugRow =
        DrugRow(
            name = d.name,
            genericName = d.genericName?.takeIf { it.isNotBlank() }?.let { words[StringKey.MED_GENERIC_NAME, it] },
            doseLine = words.medications.dose(d),
            notes = (d.supplements + d.cautions).map { words.medications.note(it) },
        )

    private fun showError(text: String) = update { it.copy(loading = false, notice = Notice(text, Tone.ERROR)) }
}
