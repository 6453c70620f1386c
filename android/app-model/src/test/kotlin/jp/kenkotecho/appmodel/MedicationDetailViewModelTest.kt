package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.medications.MedicationDetailViewModel
import jp.kenkotecho.appmodel.medications.MedicationsViewModel
import jp.kenkotecho.appmodel.support.Receipts
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.core.MedicationFilter
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class MedicationDetailViewModelTest {
    private val phone = TestPhone()

    @After
    fun close() = phone.close()

    private fun importReceipt(): String {
        val owner = phone.addOwner(name = "広島 花子")
        phone.core.importMedicationFile(owner.id, Receipts.jahis)
        return phone.core.listMedications(owner.id, MedicationFilter()).items.single().id
    }

    @Test
    fun aDispensingIsReadyToDraw() =
        runBlocking {
            val id = importReceipt()
            val vm = MedicationDetailViewModel(phone.env(), phone.scope, id)
            vm.load().join()
            val s = vm.state.value
            assertEquals("広島 花子さんの手帳", s.person?.text)
            assertEquals("薬局でもらった薬", s.kindLabel)
            assertEquals("お薬をもらった日：2026年11月20日（金）", s.dateText)
            assertEquals("12月17日（木）までの分", s.untilText)
            assertEquals("ファイルから取り込み", s.arrivalText)
            assertEquals("薬局：テスト薬局 本通店", s.pharmacyLines.first())
            val rp = s.rps.single()
            assertEquals("飲み薬", rp.formText)
            assertEquals(listOf("アムロジピン錠５ｍｇ「テスト」", "ﾒﾄﾎﾙﾐﾝ塩酸塩錠250mg"), rp.drugs.map { it.name })
            val metformin = rp.drugs[1]
            assertTrue(metformin.doseLine!!, metformin.doseLine!!.contains("1日量") && metformin.doseLine!!.contains("2錠"))
            assertEquals("1日量 2錠", metformin.doseLine)
            assertEquals("1日量 1錠", rp.drugs[0].doseLine)
            assertEquals(listOf("※朝１錠、夕１錠"), metformin.notes)
            assertTrue(rp.howToTake!!, rp.howToTake!!.contains("28日分"))
            assertEquals("【１日２回 朝夕食後】 28日分", rp.howToTake)
            assertEquals(listOf("※めまいが出たら相談してください。"), s.cautions)
            assertTrue(s.canHide)
            assertFalse(s.hidden)
        }

    @Test
    fun theSameRowsInEnglish() =
        runBlocking {
            val id = importReceipt()
            val vm = MedicationDetailViewModel(phone.env(strings = XmlStringTable.ENGLISH), phone.scope, id)
            vm.load().join()
            val rp = vm.state.value.rps.single()
            assertEquals("Medicine to take by mouth", rp.formText)
            assertEquals("2 錠 per day", rp.drugs[1].doseLine)
            assertEquals("【１日２回 朝夕食後】, 28 days' supply", rp.howToTake)
            assertEquals(listOf("Note: 朝１錠、夕１錠"), rp.drugs[1].notes)
            assertEquals("Imported from a file", vm.state.value.arrivalText)
            assertEquals("Received on Fri 20 November 2026", vm.state.value.dateText)
        }

    @Test
    fun hidingAsksFirstAndTakesTheEntryOffTheLists() =
        runBlocking {
            val id = importReceipt()
            val env = phone.env(clock = Receipts.duringTheReceipt)
            val list = MedicationsViewModel(env, phone.scope)
            list.load().join()
            assertEquals(1, list.state.value.current.rows.size)

            val vm = MedicationDetailViewModel(env, phone.scope, id)
            vm.load().join()
            vm.askHide()
            assertTrue(vm.state.value.confirmingHide)
            vm.cancelHide()
            assertFalse(vm.state.value.confirmingHide)
            assertEquals(1, phone.core.listMedications(phone.core.activeProfile()!!.id, MedicationFilter()).items.size)

            vm.askHide()
            vm.confirmHide().join()
            val s = vm.state.value
            assertEquals("一覧から外しました。「戻る」で一覧に戻れます。", s.notice?.text)
            assertEquals(Tone.SUCCESS, s.notice?.tone)
            assertTrue(s.hidden)
            assertFalse(s.canHide)
            assertFalse(s.confirmingHide)

            // Back on the list.
            list.load().join()
            assertTrue(list.state.value.current.rows.isEmpty())
            assertTrue(list.state.value.history.rows.isEmpty())

            // Opened again later, it says it was taken off.
            val again = MedicationDetailViewModel(env, phone.scope, id)
            again.load().join()
            assertEquals("この記録は一覧から外してあります。", again.state.value.notice?.text)
            assertFalse(again.state.value.canHide)
        }
}
