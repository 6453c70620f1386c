package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.medications.MedicationTab
import jp.kenkotecho.appmodel.medications.MedicationsViewModel
import jp.kenkotecho.appmodel.support.Receipts
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.core.MedicationFilter
import jp.kenkotecho.core.MedicationKind
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class MedicationsViewModelTest {
    private val phone = TestPhone()

    @After
    fun close() = phone.close()

    @Test
    fun anEmptyNotebookSaysHowToFillIt() =
        runBlocking {
            phone.addOwner(name = "広島 花子")
            val vm = MedicationsViewModel(phone.env(clock = Receipts.duringTheReceipt), phone.scope)
            vm.load().join()
            val s = vm.state.value
            assertEquals("広島 花子さんの手帳", s.person?.text)
            assertEquals(listOf("いま飲んでいる薬", "履歴", "薬局別"), s.tabs.map { it.label })
            assertEquals(MedicationTab.CURRENT, s.tabs.single { it.selected }.value)
            assertEquals("いま飲んでいる薬の記録はありません。明細書のQRコードを読み取ると、ここに出ます。", s.current.emptyText)
            assertEquals("お薬の記録はまだありません。明細書のQRコードを読み取ると、ここに出ます。", s.history.emptyText)
            assertEquals("薬局の記録はまだありません。明細書のQRコードを読み取ると、薬局ごとに見られます。", s.pharmaciesEmptyText)
            vm.selectTab(MedicationTab.PHARMACIES)
            assertEquals(MedicationTab.PHARMACIES, vm.state.value.tab)
            assertEquals(MedicationTab.PHARMACIES, vm.state.value.tabs.single { it.selected }.value)
        }

    @Test
    fun aFileImportFillsTheTabsAndSaysHowManyWereAdded() =
        runBlocking {
            phone.addOwner()
            val vm = MedicationsViewModel(phone.env(clock = Receipts.duringTheReceipt), phone.scope)
            vm.load().join()
            vm.importFile(Receipts.jahis).join()
            var s = vm.state.value
            assertEquals("お薬の記録を1件取り込みました", s.notice?.text)
            assertEquals(Tone.SUCCESS, s.notice?.tone)
            assertFalse(s.busy)
            val now = s.current.rows.single()
            assertEquals(MedicationKind.DISPENSING, now.kind)
            assertEquals("薬局でもらった薬", now.kindLabel)
            assertEquals("テスト薬局 本通店", now.title)
            assertEquals(listOf("アムロジピン錠５ｍｇ「テスト」", "ﾒﾄﾎﾙﾐﾝ塩酸塩錠250mg"), now.names)
            assertEquals("2026年11月20日（金）", now.dateText)
            // The core says the 18th is the first day without; the row shows the last day supplied.
            assertEquals("12月17日（木）までの分", now.untilText)
            assertEquals("ファイルから取り込み", now.arrivalText)
            assertTrue(now.a11y, now.a11y.startsWith("薬局でもらった薬、テスト薬局 本通店、2026年11月20日（金） 12月17日（木）までの分、アムロジピン"))
            assertNull(s.current.emptyText)
            assertEquals(listOf(now.id), s.history.rows.map { it.id })
            assertEquals(listOf("テスト薬局 本通店（1回、最後は2026年11月20日（金））"), s.pharmacies.map { it.label })

            vm.importFile(Receipts.jahis).join()
            s = vm.state.value
            assertEquals("この明細書はもう取り込まれています", s.notice?.text)
            assertEquals(1, s.history.rows.size)
        }

    @Test
    fun whatIsTakenNowFollowsTodayFromTheCore() =
        runBlocking {
            val owner = phone.addOwner()
            phone.core.importMedicationFile(owner.id, Receipts.jahis)
            val vm = MedicationsViewModel(phone.env(clock = Receipts.afterTheReceipt), phone.scope)
            vm.load().join()
            val s = vm.state.value
            assertTrue(s.current.rows.isEmpty())
            assertEquals("いま飲んでいる薬の記録はありません。明細書のQRコードを読み取ると、ここに出ます。", s.current.emptyText)
            assertEquals(1, s.history.rows.size)
        }

    @Test
    fun historyPagesAppendAndAReloadKeepsWhatWasShown() =
        runBlocking {
            val owner = phone.addOwner()
            val days = listOf("20261101", "20261102", "20261103", "20261104", "20261105")
            days.forEachIndexed { i, day -> phone.core.importMedicationFile(owner.id, Receipts.dispensing(day, "テスト錠${i + 1}")) }
            val vm = MedicationsViewModel(phone.env(clock = Receipts.duringTheReceipt), phone.scope, pageSize = 2u)
            vm.load().join()
            assertEquals(2, vm.state.value.history.rows.size)
            assertTrue(vm.state.value.history.hasMore)
            vm.loadMoreHistory().join()
            vm.loadMoreHistory().join()
            var s = vm.state.value
            assertEquals(5, s.history.rows.size)
            assertFalse(s.history.hasMore)
            assertEquals("newest first, each once", listOf("テスト錠5", "テスト錠4", "テスト錠3", "テスト錠2", "テスト錠1"), s.history.rows.map { it.names.single() })
            vm.loadMoreHistory().join()
            assertEquals(5, vm.state.value.history.rows.size)

            // Back from a detail: the list is loaded again with as many rows as were shown.
            vm.load().join()
            s = vm.state.value
            assertEquals(5, s.history.rows.size)
            assertFalse(s.history.hasMore)
        }

    @Test
    fun choosingAPharmacyShowsOnlyItsDispensings() =
        runBlocking {
            val owner = phone.addOwner()
            phone.core.importMedicationFile(owner.id, Receipts.jahis)
            phone.core.importMedicationFile(owner.id, Receipts.dispensing("20261125", "テスト錠", pharmacy = "みどり薬局", code = "7654321"))
            val vm = MedicationsViewModel(phone.env(clock = Receipts.duringTheReceipt), phone.scope)
            vm.load().join()
            assertEquals(listOf("7654321", "0123456"), vm.state.value.pharmacies.map { it.value })
            assertTrue(vm.state.value.pharmacies.none { it.selected })
            vm.selectPharmacy("0123456").join()
            var s = vm.state.value
            assertEquals("0123456", s.pharmacies.single { it.selected }.value)
            assertEquals(listOf("テスト薬局 本通店"), s.pharmacy.rows.map { it.title })
            assertEquals(2, s.history.rows.size)
            // A reload keeps the choice.
            vm.load().join()
            s = vm.state.value
            assertEquals("0123456", s.pharmacies.single { it.selected }.value)
            assertEquals(listOf("テスト薬局 本通店"), s.pharmacy.rows.map { it.title })
        }

    @Test
    fun searchFindsMedicinesHoweverTheyAreTypedAndAnEmptyBoxClears() =
        runBlocking {
            val owner = phone.addOwner()
            phone.core.importMedicationFile(owner.id, Receipts.jahis)
            val vm = MedicationsViewModel(phone.env(clock = Receipts.duringTheReceipt), phone.scope)
            vm.load().join()
            vm.search("めとほるみん").join()
            assertEquals("めとほるみん", vm.state.value.query)
            assertEquals(listOf("テスト薬局 本通店"), vm.state.value.search?.rows?.map { it.title })
            vm.search("ロキソニン").join()
            assertEquals(
                "「ロキソニン」に合うお薬の記録はありません。ひらがなや、ほかの言葉でも探せます。",
                vm.state.value.search?.emptyText,
            )
            vm.search("").join()
            assertNull(vm.state.value.search)
            assertEquals("", vm.state.value.query)
        }

    @Test
    fun exportGivesAJahisFileToShare() =
        runBlocking {
            val owner = phone.addOwner()
            phone.core.importMedicationFile(owner.id, Receipts.jahis)
            val vm = MedicationsViewModel(phone.env(clock = Receipts.duringTheReceipt), phone.scope)
            vm.load().join()
            vm.export().join()
            val s = vm.state.value
            val file = s.export!!
            assertEquals("okusuri-techo.jahis", file.fileName)
            assertEquals("JAHISTC08,2", String(file.data.copyOfRange(0, 11), Charsets.US_ASCII))
            assertEquals("お薬手帳のファイルを作りました。送り先を選んでください。", s.notice?.text)
            assertFalse(s.busy)
            vm.exportHandled()
            assertNull(vm.state.value.export)
        }

    @Test
    fun aPrescriptionFileSaysItIsForThePharmacy() =
        runBlocking {
            val owner = phone.addOwner()
            val vm = MedicationsViewModel(phone.env(clock = Receipts.duringTheReceipt), phone.scope)
            vm.load().join()
            vm.importFile("JAHIS10\r\n".toByteArray()).join()
            val s = vm.state.value
            assertEquals(
                "これは処方箋のQRコードです。お薬手帳には、お薬の明細書（領収書）に印刷されたQRコードを読み取ってください。",
                s.notice?.text,
            )
            assertEquals(Tone.ERROR, s.notice?.tone)
            assertFalse(s.busy)
            assertTrue(phone.core.listMedications(owner.id, MedicationFilter()).items.isEmpty())
        }

    @Test
    fun withoutAPersonTheNotebookSaysWhatToDoFirst() =
        runBlocking {
            val vm = MedicationsViewModel(phone.env(), phone.scope)
            vm.load().join()
            assertEquals("まだ手帳の持ち主が決まっていません。最初の設定をしてください。", vm.state.value.notice?.text)
            assertFalse(vm.state.value.loading)
        }
}
