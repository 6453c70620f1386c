package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.sync.AutoSyncController
import jp.kenkotecho.appmodel.sync.SyncMonitor
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.await
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class AutoSyncControllerTest {
    private val phone = TestPhone()

    @After
    fun close() = phone.close()

    @Test
    fun theCoreLoopRunsOnlyWhileTheAppIsInTheForeground() =
        runBlocking {
            val monitor = SyncMonitor()
            val controller = AutoSyncController(phone.core, monitor, 3600u)
            assertFalse(controller.isRunning)
            controller.onForeground()
            assertTrue(controller.isRunning)
            // The loop syncs at once on start; signed out, that run ends quickly and is reported.
            monitor.finishedRuns.await("first run") { it >= 1 }
            controller.onNetworkAvailable()
            controller.onForeground()
            assertTrue(controller.isRunning)
            controller.onBackground()
            assertFalse(controller.isRunning)
            controller.onNetworkAvailable()
            assertFalse(controller.isRunning)
        }
}
