package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.history.HistoryViewModel
import jp.kenkotecho.appmodel.history.ReadingDetailViewModel
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.Source
import jp.kenkotecho.core.VitalEntry
import jp.kenkotecho.core.VitalInput
import jp.kenkotecho.core.VitalKind
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.time.Duration
import java.time.Instant

class HistoryViewModelTest {
    private val phone = TestPhone()

    @After
    fun close() = phone.close()

    @Test
    fun pagesFollowTheCoreCursorUntilTheEnd() =
        runBlocking {
            val owner = phone.addOwner()
            val start = Instant.now().minus(Duration.ofDays(20))
            repeat(25) { i -> phone.record(owner, VitalInput.Weight("60.${i % 10}"), start.plus(Duration.ofHours(12L * i))) }
            val vm = HistoryViewModel(phone.env(), phone.scope, pageSize = 10u)
            vm.load().join()
            assertEquals(10, vm.state.value.rows.size)
            assertTrue(vm.state.value.hasMore)
            vm.loadMore().join()
            assertEquals(20, vm.state.value.rows.size)
            vm.loadMore().join()
            val s = vm.state.value
            assertEquals(25, s.rows.size)
            assertFalse(s.hasMore)
            assertEquals("every reading once", 25, s.rows.map { it.id }.toSet().size)
            // Newest first, as the core orders them.
            assertEquals("60.4 kg", s.rows.first().valueText)
            vm.loadMore().join()
            assertEquals(25, vm.state.value.rows.size)
        }

    @Test
    fun comingBackKeepsAsManyRowsAsWereShownFetchedAfresh() =
        runBlocking {
            val owner = phone.addOwner()
            val start = Instant.now().minus(Duration.ofDays(20))
            val readings = (0 until 25).map { i -> phone.record(owner, VitalInput.Weight("60.${i % 10}"), start.plus(Duration.ofHours(12L * i))) }
            val vm = HistoryViewModel(phone.env(), phone.scope, pageSize = 10u)
            // Shown for the first time: the first page.
            vm.reload().join()
            assertEquals(10, vm.state.value.rows.size)
            vm.loadMore().join()
            assertEquals(20, vm.state.value.rows.size)
            // Meanwhile, the newest reading was deleted from its detail screen.
            phone.core.deleteVital(readings.last().id)
            vm.reload().join()
            val s = vm.state.value
            assertEquals("the 20 rows shown, not page 1", 20, s.rows.size)
            assertFalse(readings.last().id in s.rows.map { it.id })
            assertEquals(readings.reversed().drop(1).take(20).map { it.id }, s.rows.map { it.id })
            assertTrue(s.hasMore)
            // The cursor goes on after the rows shown.
            vm.loadMore().join()
            assertEquals(24, vm.state.value.rows.size)
            assertFalse(vm.state.value.hasMore)
        }

    @Test
    fun theKindFilterAsksTheCoreForOneKind() =
        runBlocking {
            val owner = phone.addOwner()
            val at = Instant.now().minusSeconds(7200)
            phone.record(owner, VitalInput.Weight("61"), at)
            phone.record(owner, phone.bp(120, 80, BpContext.EVENING), at.plusSeconds(60))
            phone.record(owner, VitalInput.Steps("8,000"), at.plusSeconds(120))
            val vm = HistoryViewModel(phone.env(), phone.scope)
            vm.load(VitalKind.STEPS).join()
            val s = vm.state.value
            assertEquals(listOf("8,000 歩"), s.rows.map { it.valueText })
            assertEquals(VitalKind.STEPS, s.filter.single { it.selected }.value)
            assertEquals("すべて", s.filter.first().label)
            vm.load(null).join()
            assertEquals(3, vm.state.value.rows.size)
        }

    @Test
    fun anEmptyListSaysSo() =
        runBlocking {
            phone.addOwner()
            val vm = HistoryViewModel(phone.env(), phone.scope)
            vm.load().join()
            assertEquals("まだ記録がありません。", vm.state.value.emptyText)
        }

    @Test
    fun detailShowsEveryVersionAndDeletionAsksFirst() =
        runBlocking {
            val owner = phone.addOwner()
            val at = Instant.now().minusSeconds(3600)
            val first = phone.record(owner, VitalInput.Temperature("37.9"), at)
            val corrected = phone.core.amendVital(first.id, VitalEntry(VitalInput.Temperature("36.9"), at, 540, Source.SELF_ENTERED, null, null)).vital
            val vm = ReadingDetailViewModel(phone.env(), phone.scope, first.id)
            vm.load().join()
            var s = vm.state.value
            assertEquals(corrected.id, s.currentId)
            assertEquals("36.9 ℃", s.valueText)
            assertEquals(listOf("最初の記録", "訂正"), s.versions.map { it.label })
            assertEquals(listOf("37.9 ℃", "36.9 ℃"), s.versions.map { it.valueText })
            assertTrue(s.canChange)

            vm.askDelete()
            assertTrue(vm.state.value.confirmingDelete)
            vm.cancelDelete()
            assertFalse(vm.state.value.confirmingDelete)
            assertEquals(1, phone.core.latestVitals(owner.id).size)

            vm.askDelete()
            vm.confirmDelete().join()
            s = vm.state.value
            assertEquals("記録を削除しました。変更の履歴には残ります。", s.notice?.text)
            assertFalse(s.canChange)
            assertEquals("削除", s.versions.last().label)
            assertTrue(phone.core.latestVitals(owner.id).isEmpty())
        }

    @Test
    fun deletingAReadingAlreadyCorrectedElsewhereSaysWhatToDo() =
        runBlocking {
            val owner = phone.addOwner()
            val at = Instant.now().minusSeconds(3600)
            val first = phone.record(owner, VitalInput.Weight("70"), at)
            val vm = ReadingDetailViewModel(phone.env(), phone.scope, first.id)
            vm.load().join()
            // Meanwhile the reading was corrected (another screen, or a pulled change).
            phone.core.amendVital(first.id, VitalEntry(VitalInput.Weight("69.5"), at, 540, Source.SELF_ENTERED, null, null))
            vm.askDelete()
            vm.confirmDelete().join()
            assertEquals("この記録は、開いたあとで訂正されています。一覧に戻って最新の記録を開き、もう一度お試しください。", vm.state.value.notice?.text)
        }

    @Test
    fun deletingAReadingAlreadyDeletedElsewhereSaysWhatToDo() =
        runBlocking {
            val owner = phone.addOwner()
            val first = phone.record(owner, VitalInput.Weight("70"), Instant.now().minusSeconds(3600))
            val vm = ReadingDetailViewModel(phone.env(), phone.scope, first.id)
            vm.load().join()
            phone.core.deleteVital(first.id)
            vm.askDelete()
            vm.confirmDelete().join()
            assertEquals("この記録は、開いたあとで削除されています。一覧に戻って開き直し、もう一度お試しください。", vm.state.value.notice?.text)
        }

    @Test
    fun withoutAPersonTheListSaysWhatToDoFirst() =
        runBlocking {
            val vm = HistoryViewModel(phone.env(), phone.scope)
            vm.load().join()
            assertEquals("まだ手帳の持ち主が決まっていません。最初の設定をしてください。", vm.state.value.error)
            assertFalse(vm.state.value.loading)
        }
}
