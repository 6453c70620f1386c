package jp.kenkotecho.appmodel.text

import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.core.DosageForm
import jp.kenkotecho.core.DoseMeaning
import jp.kenkotecho.core.DrugInfo
import jp.kenkotecho.core.MedicationArrival
import jp.kenkotecho.core.MedicationImportResult
import jp.kenkotecho.core.MedicationKind
import jp.kenkotecho.core.QuantityUnit
import jp.kenkotecho.core.RpInfo
import jp.kenkotecho.core.ScanGroup

/** What an import did, in sentences, with how it should look. */
data class ImportMessage(val text: String, val tone: Tone)

/**
 * The medication notebook in plain words. Drug names, amounts, units and how to take them are the
 * pharmacy's own text and are printed as written; only the core's enums and counts are worded here.
 */
class MedicationWording(private val table: StringTable, private val numbers: NumberWording) {
    fun kind(kind: MedicationKind): String =
        table[
            when (kind) {
                MedicationKind.DISPENSING -> StringKey.MED_KIND_DISPENSING
                MedicationKind.OTC -> StringKey.MED_KIND_OTC
                MedicationKind.PATIENT_NOTE -> StringKey.MED_KIND_PATIENT_NOTE
                MedicationKind.MEMO -> StringKey.MED_KIND_MEMO
                MedicationKind.PHARMACIST -> StringKey.MED_KIND_PHARMACIST
                MedicationKind.PATIENT_INFO -> StringKey.MED_KIND_PATIENT_INFO
            },
        ]

    /** 1日量, 1回量, 全量: what the amount of a drug counts. */
    fun doseMeaning(meaning: DoseMeaning): String =
        table[
            when (meaning) {
                DoseMeaning.DAILY -> StringKey.MED_DOSE_DAILY
                DoseMeaning.PER_DOSE -> StringKey.MED_DOSE_PER_DOSE
                DoseMeaning.TOTAL -> StringKey.MED_DOSE_TOTAL
            },
        ]

    /** "1日量 2錠": the amount as the pharmacy wrote it, with its meaning when the core knows it. */
    fun dose(drug: DrugInfo): String? {
        val amount = drug.doseAmount ?: return null
        val withUnit = if (drug.doseUnit.isEmpty()) amount else table[StringKey.MED_AMOUNT, amount, drug.doseUnit]
        val meaning = drug.doseMeaning ?: return withUnit
        return table[StringKey.MED_DOSE_LINE, withUnit, doseMeaning(meaning)]
    }

    /** "28日分", "10回分", or a short phrase for a one-off supply (creams, injections). */
    fun quantity(amount: UShort?, unit: QuantityUnit?): String? =
        when (unit) {
            null -> null
            QuantityUnit.DAYS -> amount?.let { table[StringKey.MED_QUANTITY_DAYS, numbers.whole(it.toLong())] }
            QuantityUnit.TIMES -> amount?.let { table[StringKey.MED_QUANTITY_TIMES, numbers.whole(it.toLong())] }
            QuantityUnit.ONCE -> table[StringKey.MED_QUANTITY_ONCE]
        }

    /** "【１日２回 朝夕食後】 28日分": the pharmacy's usage text with the quantity worded. */
    fun howToTake(rp: RpInfo): String? {
        val usage = rp.usage?.takeIf { it.isNotBlank() }
        val quantity = quantity(rp.quantity, rp.quantityUnit)
        return when {
            usage != null && quantity != null -> table[StringKey.MED_HOW_TO_TAKE, usage, quantity]
            else -> usage ?: quantity
        }
    }

    fun dosageForm(form: DosageForm): String =
        table[
            when (form) {
                DosageForm.INTERNAL -> StringKey.MED_FORM_INTERNAL
                DosageForm.INTERNAL_DROPS -> StringKey.MED_FORM_INTERNAL_DROPS
                DosageForm.AS_NEEDED -> StringKey.MED_FORM_AS_NEEDED
                DosageForm.INJECTION -> StringKey.MED_FORM_INJECTION
                DosageForm.EXTERNAL -> StringKey.MED_FORM_EXTERNAL
                DosageForm.DECOCTION -> StringKey.MED_FORM_DECOCTION
                DosageForm.KAMPO -> StringKey.MED_FORM_KAMPO
                DosageForm.MATERIAL -> StringKey.MED_FORM_MATERIAL
                DosageForm.OTHER -> StringKey.MED_FORM_OTHER
            },
        ]

    /** Where an entry came from, as the person sees it. */
    fun arrival(arrival: MedicationArrival): String =
        table[
            when (arrival) {
                MedicationArrival.SCANNED -> StringKey.MED_ARRIVAL_SCANNED
                MedicationArrival.FILE -> StringKey.MED_ARRIVAL_FILE
                MedicationArrival.SYNCED -> StringKey.MED_ARRIVAL_SYNCED
            },
        ]

    /** A caution or note from the pharmacy, marked (「※」). */
    fun note(text: String): String = table[StringKey.MED_NOTE_MARK, text]

    /** "2枚中1枚 読み取りました" for QR codes joined by Structured Append; parts of split data count as parts. */
    fun scanProgress(group: ScanGroup): String {
        val have = numbers.whole(group.have.toLong())
        val total = numbers.whole(group.total.toLong())
        return table[if (group.qrCodes) StringKey.MED_SCAN_PROGRESS else StringKey.MED_SCAN_PROGRESS_PARTS, have, total]
    }

    /**
     * What one or more imports did: added, already there (only when nothing was new), and dispensings
     * left out for errors in their data. One sentence per line.
     */
    fun importResult(results: List<MedicationImportResult>): ImportMessage {
        val added = results.sumOf { it.added.toLong() }
        val present = results.sumOf { it.alreadyPresent.toLong() }
        val skipped = results.sumOf { it.skippedDispensings.toLong() }
        val lines = mutableListOf<String>()
        if (added > 0) lines += table[StringKey.MED_IMPORTED, numbers.whole(added)]
        if (added == 0L && present > 0) lines += table[StringKey.MED_ALREADY_PRESENT]
        if (skipped > 0) lines += table[StringKey.MED_SKIPPED]
        if (lines.isEmpty()) lines += table[StringKey.MED_NOTHING_IMPORTED]
        val tone =
            when {
                skipped > 0 || (added == 0L && present == 0L) -> Tone.WARNING
                added > 0 -> Tone.SUCCESS
                else -> Tone.INFO
            }
        return ImportMessage(lines.joinToString("\n"), tone)
    }
}
