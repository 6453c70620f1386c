package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.appmodel.sync.SyncMonitor
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.SyncOutcome
import jp.kenkotecho.core.SyncPhase
import jp.kenkotecho.core.SyncProgress
import jp.kenkotecho.core.SyncReport
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Test

/** The monitor keeps the running run's latest step for the sync line, and nothing after the run. */
class SyncMonitorTest {
    @Test
    fun theLatestStepIsKeptUntilTheRunFinishes() {
        val monitor = SyncMonitor()
        assertNull(monitor.progress.value)
        monitor.onProgress(SyncProgress(SyncPhase.UPLOADING, 0uL, 0uL, 3uL, "connection reset", 250uL, 1_000uL, 25u))
        val step = monitor.progress.value!!
        assertEquals(SyncPhase.UPLOADING, step.phase)
        assertEquals(250uL, step.uploadSent)
        assertNull("the error text is not kept", step.lastError)
        assertEquals("写真を送っています（25%）", Wording(XmlStringTable.JAPANESE).sync.running(step))
        assertEquals(1L, monitor.changes.value)

        monitor.onProgress(SyncProgress(SyncPhase.PUSHING, 0uL, 0uL, 3uL, null, 0uL, 0uL, 0u))
        assertEquals(SyncPhase.PUSHING, monitor.progress.value?.phase)

        monitor.onFinished(SyncReport(SyncOutcome.Complete, 3uL, 0uL, 1uL, 0uL, 0uL, 0uL, 4uL, 0uL, 0uL, 0uL, 0uL, 0uL, emptyList(), false))
        assertNull(monitor.progress.value)
        assertEquals(1L, monitor.finishedRuns.value)
    }
}
