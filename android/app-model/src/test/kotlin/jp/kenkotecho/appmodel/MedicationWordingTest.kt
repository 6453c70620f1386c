package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.DosageForm
import jp.kenkotecho.core.DoseMeaning
import jp.kenkotecho.core.DrugInfo
import jp.kenkotecho.core.MedicationArrival
import jp.kenkotecho.core.MedicationImportResult
import jp.kenkotecho.core.MedicationKind
import jp.kenkotecho.core.QuantityUnit
import jp.kenkotecho.core.RpInfo
import jp.kenkotecho.core.ScanGroup
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The medication notebook's words in both languages, on records built the way the core returns them. */
class MedicationWordingTest {
    private val ja = Wording(XmlStringTable.JAPANESE).medications
    private val en = Wording(XmlStringTable.ENGLISH).medications

    private fun drug(amount: String?, unit: String, meaning: DoseMeaning?) = DrugInfo("テスト錠", null, amount, unit, meaning, emptyList(), emptyList())

    private fun rp(usage: String?, quantity: UShort?, unit: QuantityUnit?) =
        RpInfo(1u, null, emptyList(), usage, DosageForm.INTERNAL, quantity, unit, emptyList(), emptyList())

    private fun result(added: Int, present: Int, skipped: Int) = MedicationImportResult(added.toUInt(), present.toUInt(), skipped.toUInt(), emptyList())

    @Test
    fun doseMeaningsAndAmounts() {
        assertEquals(listOf("1日量", "1回量", "全量"), DoseMeaning.entries.map { ja.doseMeaning(it) })
        assertEquals(listOf("per day", "per dose", "in total"), DoseMeaning.entries.map { en.doseMeaning(it) })
        assertEquals("1日量 2錠", ja.dose(drug("2", "錠", DoseMeaning.DAILY)))
        assertEquals("1回量 0.5包", ja.dose(drug("0.5", "包", DoseMeaning.PER_DOSE)))
        assertEquals("全量 25g", ja.dose(drug("25", "g", DoseMeaning.TOTAL)))
        assertEquals("2 錠 per day", en.dose(drug("2", "錠", DoseMeaning.DAILY)))
        // Without a dosage form the core cannot say what the amount counts: the amount alone.
        assertEquals("2錠", ja.dose(drug("2", "錠", null)))
        assertNull(ja.dose(drug(null, "", null)))
    }

    @Test
    fun quantitiesAndHowToTake() {
        assertEquals("28日分", ja.quantity(28u, QuantityUnit.DAYS))
        assertEquals("10回分", ja.quantity(10u, QuantityUnit.TIMES))
        assertEquals("今回お渡しした分", ja.quantity(1u, QuantityUnit.ONCE))
        assertEquals("28 days' supply", en.quantity(28u, QuantityUnit.DAYS))
        assertEquals("10 doses", en.quantity(10u, QuantityUnit.TIMES))
        assertEquals("The amount given this time", en.quantity(1u, QuantityUnit.ONCE))
        assertNull(ja.quantity(28u, null))
        assertEquals("【１日２回 朝夕食後】 28日分", ja.howToTake(rp("【１日２回 朝夕食後】", 28u, QuantityUnit.DAYS)))
        assertEquals("【疼痛時】", ja.howToTake(rp("【疼痛時】", null, null)))
        assertEquals("10回分", ja.howToTake(rp(null, 10u, QuantityUnit.TIMES)))
        assertNull(ja.howToTake(rp(" ", null, null)))
    }

    @Test
    fun dosageFormsInPlainWords() {
        assertEquals("飲み薬", ja.dosageForm(DosageForm.INTERNAL))
        assertEquals("頓服（必要なときに飲む薬）", ja.dosageForm(DosageForm.AS_NEEDED))
        assertEquals("塗り薬・貼り薬など", ja.dosageForm(DosageForm.EXTERNAL))
        assertEquals("注射", ja.dosageForm(DosageForm.INJECTION))
        assertEquals("Only when needed", en.dosageForm(DosageForm.AS_NEEDED))
        for (words in listOf(ja, en)) {
            val all = DosageForm.entries.map { words.dosageForm(it) }
            assertEquals("every form has its own words", all.size, all.toSet().size)
        }
    }

    @Test
    fun provenanceAndKinds() {
        assertEquals(
            listOf("明細書のQRコードから読み取り", "ファイルから取り込み", "HMネットから届きました"),
            MedicationArrival.entries.map { ja.arrival(it) },
        )
        assertEquals(listOf("Read from the receipt's QR codes", "Imported from a file", "Arrived from HM Net"), MedicationArrival.entries.map { en.arrival(it) })
        for (words in listOf(ja, en)) {
            val kinds = MedicationKind.entries.map { words.kind(it) }
            assertEquals(kinds.size, kinds.toSet().size)
            assertTrue(kinds.none { it.isBlank() })
        }
        assertEquals("薬局でもらった薬", ja.kind(MedicationKind.DISPENSING))
        assertEquals("※朝１錠、夕１錠", ja.note("朝１錠、夕１錠"))
    }

    @Test
    fun scanProgressCountsQrCodesOrParts() {
        assertEquals("2枚中1枚 読み取りました", ja.scanProgress(ScanGroup(1u, 2u, true)))
        assertEquals("3件中2件 読み取りました", ja.scanProgress(ScanGroup(2u, 3u, false)))
        assertEquals("1 of 2 read", en.scanProgress(ScanGroup(1u, 2u, true)))
    }

    @Test
    fun importResultsSayWhatHappened() {
        assertEquals("お薬の記録を3件取り込みました", ja.importResult(listOf(result(3, 0, 0))).text)
        assertEquals(Tone.SUCCESS, ja.importResult(listOf(result(3, 0, 0))).tone)
        assertEquals("この明細書はもう取り込まれています", ja.importResult(listOf(result(0, 1, 0))).text)
        assertEquals(Tone.INFO, ja.importResult(listOf(result(0, 1, 0))).tone)
        // Some new, some known: only what was added is news.
        assertEquals("お薬の記録を2件取り込みました", ja.importResult(listOf(result(2, 1, 0))).text)
        val partly = ja.importResult(listOf(result(2, 0, 1)))
        assertEquals(
            "お薬の記録を2件取り込みました\n一部の記録は、データに誤りがあったため取り込めませんでした。くわしくは薬局にお尋ねください。",
            partly.text,
        )
        assertEquals(Tone.WARNING, partly.tone)
        assertTrue(ja.importResult(listOf(result(0, 0, 1))).text.startsWith("一部の記録は、データに誤りがあったため取り込めませんでした"))
        assertEquals("取り込めるお薬の記録はありませんでした。ほかのファイルを選んでください。", ja.importResult(listOf(result(0, 0, 0))).text)
        // Several receipts completed by one photo add up.
        assertEquals("お薬の記録を3件取り込みました", ja.importResult(listOf(result(1, 0, 0), result(2, 0, 0))).text)
        assertEquals("Medication records added: 3", en.importResult(listOf(result(3, 0, 0))).text)
        assertEquals("This receipt is already in your notebook", en.importResult(listOf(result(0, 1, 0))).text)
    }
}
