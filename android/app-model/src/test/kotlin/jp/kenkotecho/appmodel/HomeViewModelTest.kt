package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.entry.EntryTarget
import jp.kenkotecho.appmodel.entry.EntryViewModel
import jp.kenkotecho.appmodel.home.HomeViewModel
import jp.kenkotecho.appmodel.support.ServerEnv
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.await
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.SyncOutcome
import jp.kenkotecho.core.VitalKind
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.time.Instant

class HomeViewModelTest {
    private var phone = TestPhone()

    @After
    fun close() = phone.close()

    @Test
    fun withoutAPersonHomeAsksForTheFirstRun() =
        runBlocking {
            val vm = HomeViewModel(phone.env(), phone.scope)
            vm.refresh().join()
            assertTrue(vm.state.value.needsFirstRun)
            assertFalse(vm.state.value.loading)
        }

    @Test
    fun homeShowsTodayLatestTheBpLineAndThatNothingIsSentYet() =
        runBlocking {
            val owner = phone.addOwner(name = "山田 花子")
            val vm = HomeViewModel(phone.env(), phone.scope)
            vm.refresh().join()
            assertEquals("今日の記録はまだありません。下のボタンから記録できます。", vm.state.value.todayEmptyText)
            phone.record(owner, phone.bp(128, 82, BpContext.MORNING), Instant.now().minusSeconds(60))
            vm.refresh().join()
            val s = vm.state.value
            assertEquals("山田 花子さんの手帳", s.person?.text)
            assertEquals(1, s.today.size)
            assertEquals("128/82 mmHg 脈拍 70・朝", s.today.single().valueText)
            assertEquals("まだ送っていません", s.today.single().statusText)
            assertTrue(s.today.single().a11y.startsWith("血圧、128/82 mmHg 脈拍 70・朝、"))
            assertEquals(listOf(VitalKind.BLOOD_PRESSURE), s.latest.map { it.kind })
            assertTrue(s.bpSummary!!.startsWith("目安を出すには、7日のうち5日以上"))
            assertTrue(s.sync!!.text.startsWith("サインインしていません"))
            assertEquals(1L, s.sync!!.pending)
        }

    @Test
    fun sendingThroughHomeEndsWithNothingPendingAndThePulledReadings() =
        runBlocking {
            // The resident's other phone sent a blood pressure reading earlier.
            TestPhone(ServerEnv.url).use { other ->
                val me = other.addOwner(hmCode = ServerEnv.hmCode)
                other.core.login(ServerEnv.hmCode, ServerEnv.password)
                other.record(me, other.bp(128, 82, BpContext.MORNING), Instant.now().minusSeconds(3600))
                other.record(me, other.bp(124, 80, BpContext.EVENING), Instant.now().minusSeconds(7200))
                assertEquals(SyncOutcome.Complete, other.core.syncNow(null).outcome)
            }
            phone = phone.restartWith(ServerEnv.url)
            val owner = phone.addOwner(name = "デモ 花子", hmCode = ServerEnv.hmCode)
            phone.core.login(ServerEnv.hmCode, ServerEnv.password)
            val env = phone.env()
            val entry = EntryViewModel(env, phone.scope, EntryTarget.New(VitalKind.WEIGHT))
            entry.load().join()
            entry.onText(Field.WEIGHT, "58.4")
            entry.save().join()
            assertEquals("まだ送っていない記録が1件あります。次の送受信で送ります。", entry.state.value.saved?.sync?.text)

            val home = HomeViewModel(env, phone.scope)
            home.syncNow().join()
            val s = home.state.await("all sent") { it.sync?.pending == 0L && !it.syncing }
            assertTrue(s.sync!!.text, s.sync!!.text.startsWith("すべて送りました"))
            assertEquals(0uL, phone.core.syncStatus().pending)
            assertTrue("the weight went out", s.today.any { it.kind == VitalKind.WEIGHT && it.sent })
            // The other phone's blood pressure came down with the same run.
            assertTrue(s.latest.any { it.kind == VitalKind.BLOOD_PRESSURE })
            assertTrue(phone.core.listVitals(owner.id, jp.kenkotecho.core.VitalFilter(VitalKind.BLOOD_PRESSURE, null, null, 0u, null)).items.size >= 2)
        }

    @Test
    fun offlineShowsTheOfflineLineAndKeepsTheReadingPending() =
        runBlocking {
            // Signed in once, then the phone loses its connection.
            val online = phone.restartWith(ServerEnv.url)
            online.addOwner(hmCode = ServerEnv.hmCode)
            online.core.login(ServerEnv.hmCode, ServerEnv.password)
            phone = online.restartWith(ServerEnv.closedPortUrl())
            val owner = phone.core.activeProfile()!!
            phone.record(owner, phone.bp(131, 84, BpContext.MORNING), Instant.now().minusSeconds(60))

            val home = HomeViewModel(phone.env(), phone.scope)
            val run = home.syncNow()
            val s = home.state.await("offline line") { it.sync?.offline == true }
            assertEquals("インターネットにつながっていません。記録は保存しました。つながったら送ります。", s.sync!!.text)
            assertEquals(1L, s.sync!!.pending)
            // The run waits to retry: the button can be pressed again (the core then tries at once).
            assertTrue(run.isActive)
            assertFalse(s.syncing)
            run.cancel()
            assertEquals(1uL, phone.core.syncStatus().pending)
            home.refresh().join()
            assertEquals("まだ送っていません", home.state.value.today.single().statusText)
        }
}
