package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.medications.MedicationScanViewModel
import jp.kenkotecho.appmodel.medications.structuredAppendHeader
import jp.kenkotecho.appmodel.support.Receipts
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.core.MedicationFilter
import jp.kenkotecho.core.StructuredAppendHeader
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class MedicationScanViewModelTest {
    private val phone = TestPhone()

    @After
    fun close() = phone.close()

    @Test
    fun aReceiptScannedInReverseOrderSaysOneOfTwoThenImportsIt() =
        runBlocking {
            val owner = phone.addOwner()
            val vm = MedicationScanViewModel(phone.env(), phone.scope)
            val (first, second) = Receipts.inTwo()
            vm.addSymbol(second.first, second.second).join()
            var s = vm.state.value
            assertEquals("お薬の明細書（領収書）のQRコードを、1つずつカメラに写してください。どの順番でもかまいません。", s.introText)
            assertEquals("2枚中1枚 読み取りました", s.progressText)
            assertEquals("続けて、残りのQRコードを写してください。", s.nextText)
            assertNull(s.result)
            assertNull(s.error)
            assertTrue(phone.core.listMedications(owner.id, MedicationFilter()).items.isEmpty())

            // The camera sees the same code again: nothing changes.
            vm.addSymbol(second.first.copyOf(), second.second).join()
            assertEquals(s, vm.state.value)

            vm.addSymbol(first.first, first.second).join()
            s = vm.state.value
            assertEquals("お薬の記録を1件取り込みました", s.result?.text)
            assertEquals(Tone.SUCCESS, s.result?.tone)
            assertNull(s.progressText)
            assertNull(s.nextText)
            assertTrue(s.importedAny)
            assertEquals(1, phone.core.listMedications(owner.id, MedicationFilter()).items.size)

            // Codes of the finished receipt seen again are duplicates for the core: still nothing changes.
            vm.addSymbol(second.first, second.second).join()
            vm.addSymbol(first.first, first.second).join()
            assertEquals(s, vm.state.value)
            assertEquals(1, phone.core.listMedications(owner.id, MedicationFilter()).items.size)
        }

    @Test
    fun aNewReceiptAfterOneIsDoneStartsCleanly() =
        runBlocking {
            phone.addOwner()
            val vm = MedicationScanViewModel(phone.env(), phone.scope)
            Receipts.inTwo().forEach { (data, header) -> vm.addSymbol(data, header).join() }
            assertEquals("お薬の記録を1件取り込みました", vm.state.value.result?.text)

            vm.addSymbol(byteArrayOf(1, 2), StructuredAppendHeader(0u, 3u, 7u)).join()
            val s = vm.state.value
            assertEquals("3枚中1枚 読み取りました", s.progressText)
            assertNull("the last receipt's result is gone", s.result)
            assertNull(s.error)

            // A code of yet another receipt while this one is half read is refused, not mixed in.
            vm.addSymbol(byteArrayOf(3, 4), StructuredAppendHeader(1u, 2u, 9u)).join()
            assertEquals("別の明細書のQRコードです。読み取り中の明細書のQRコードを続けて読み取ってください。", vm.state.value.error?.text)
            assertEquals("3枚中1枚 読み取りました", vm.state.value.progressText)
        }

    @Test
    fun photosOfAReceiptAlreadyInTheNotebookSaySo() =
        runBlocking {
            val owner = phone.addOwner()
            phone.core.importMedicationFile(owner.id, Receipts.jahis)
            val vm = MedicationScanViewModel(phone.env(), phone.scope)
            val n = Receipts.photoCount
            assertTrue("the fixture is a group of several codes", n >= 2)
            vm.addPhoto(Receipts.photo(1)).join()
            assertEquals("${n}枚中1枚 読み取りました", vm.state.value.progressText)
            for (i in 2..n) vm.addPhoto(Receipts.photo(i)).join()
            val s = vm.state.value
            assertEquals("この明細書はもう取り込まれています", s.result?.text)
            assertEquals(Tone.INFO, s.result?.tone)
            assertNull(s.progressText)
            assertFalse(s.busy)
            assertEquals(1, phone.core.listMedications(owner.id, MedicationFilter()).items.size)
        }

    @Test
    fun aFileThatIsNotAPhotoIsWordedWithANextStep() =
        runBlocking {
            phone.addOwner()
            val vm = MedicationScanViewModel(phone.env(), phone.scope)
            vm.addPhoto(java.io.File(Receipts.dir, "receipt.jahis").path).join()
            assertEquals("この写真は使えません。カメラで撮った写真を選んでください。", vm.state.value.error?.text)
            assertFalse(vm.state.value.busy)
        }

    @Test
    fun aPrescriptionsQrCodeIsNamedForWhatItIs() =
        runBlocking {
            phone.addOwner()
            val vm = MedicationScanViewModel(phone.env(), phone.scope)
            vm.addSymbol("JAHIS10\r\n1,1,1234567\r\n".toByteArray(), null).join()
            assertEquals(
                "これは処方箋のQRコードです。お薬手帳には、お薬の明細書（領収書）に印刷されたQRコードを読み取ってください。",
                vm.state.value.error?.text,
            )
        }

    @Test
    fun startingAgainForgetsTheHalfReadReceipt() =
        runBlocking {
            phone.addOwner()
            val vm = MedicationScanViewModel(phone.env(), phone.scope)
            val (first, second) = Receipts.inTwo()
            vm.addSymbol(second.first, second.second).join()
            assertEquals("2枚中1枚 読み取りました", vm.state.value.progressText)
            vm.reset().join()
            assertNull(vm.state.value.progressText)
            assertEquals("はじめからやり直します。明細書のQRコードを、もう一度写してください。", vm.state.value.result?.text)
            // The same code is taken again after starting over.
            vm.addSymbol(second.first, second.second).join()
            assertEquals("2枚中1枚 読み取りました", vm.state.value.progressText)
            vm.addSymbol(first.first, first.second).join()
            assertEquals("お薬の記録を1件取り込みました", vm.state.value.result?.text)
        }

    @Test
    fun progressAndResultsInEnglish() =
        runBlocking {
            phone.addOwner()
            val vm = MedicationScanViewModel(phone.env(strings = XmlStringTable.ENGLISH), phone.scope)
            val (first, second) = Receipts.inTwo()
            vm.addSymbol(second.first, second.second).join()
            assertEquals("1 of 2 read", vm.state.value.progressText)
            assertEquals("Now scan the remaining QR codes.", vm.state.value.nextText)
            vm.addSymbol(first.first, first.second).join()
            assertEquals("Medication records added: 1", vm.state.value.result?.text)
        }

    @Test
    fun withoutAPersonScanningSaysWhatToDoFirst() =
        runBlocking {
            val vm = MedicationScanViewModel(phone.env(), phone.scope)
            val (first, _) = Receipts.inTwo()
            vm.addSymbol(first.first, first.second).join()
            assertEquals("まだ手帳の持ち主が決まっていません。最初の設定をしてください。", vm.state.value.error?.text)
        }

    @Test
    fun zxingCppMetadataBecomesTheCoreHeader() {
        assertEquals(StructuredAppendHeader(1u, 3u, 200u), structuredAppendHeader(sequenceIndex = 1, sequenceSize = 3, sequenceId = "200"))
        // A code on its own: zxing-cpp reports no sequence.
        assertNull(structuredAppendHeader(sequenceIndex = -1, sequenceSize = -1, sequenceId = ""))
        assertNull(structuredAppendHeader(sequenceIndex = 0, sequenceSize = 1, sequenceId = "0"))
        assertNull(structuredAppendHeader(sequenceIndex = 0, sequenceSize = 2, sequenceId = "not a parity"))
        assertNull(structuredAppendHeader(sequenceIndex = 0, sequenceSize = 2, sequenceId = "256"))
    }
}
