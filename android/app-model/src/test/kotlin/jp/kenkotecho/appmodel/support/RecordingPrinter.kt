package jp.kenkotecho.appmodel.support

import jp.kenkotecho.appmodel.emergency.PrintOutcome
import jp.kenkotecho.appmodel.emergency.SheetPrinter
import kotlinx.coroutines.CompletableDeferred

/**
 * A printer that keeps what it was given and ends each job as told: [outcome], after [release]
 * when [holdUntilReleased] is set, which keeps a job in progress for a test to tap again.
 */
class RecordingPrinter(
    private val outcome: PrintOutcome = PrintOutcome.PRINTED,
    holdUntilReleased: Boolean = false,
) : SheetPrinter {
    data class Job(val html: String, val jobName: String)

    private val gate = CompletableDeferred<Unit>().apply { if (!holdUntilReleased) complete(Unit) }
    private val received = mutableListOf<Job>()

    /** Completes when the first job reaches the printer. */
    val started = CompletableDeferred<Unit>()

    val jobs: List<Job> @Synchronized get() = received.toList()

    fun release() {
        gate.complete(Unit)
    }

    override suspend fun print(html: String, jobName: String): PrintOutcome {
        synchronized(this) { received += Job(html, jobName) }
        started.complete(Unit)
        gate.await()
        return outcome
    }
}
