package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.sync.SyncMonitor
import jp.kenkotecho.appmodel.text.StringTable
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.PhoneZone
import jp.kenkotecho.core.TechoCoreInterface
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.withContext
import java.time.Clock
import java.time.Instant

/** How dates are shown; a person's choice, kept by the shell. */
data class DisplayPrefs(val wareki: Boolean = false)

/**
 * What every view model needs: the app-lifetime core, where its blocking calls run, the phone's
 * clock and zone, and the texts of the current language.
 */
class AppEnvironment(
    val core: TechoCoreInterface,
    /** Database calls are synchronous in the core; they must never run on the UI thread (P-F11). */
    val io: CoroutineDispatcher,
    val clock: Clock,
    private val strings: () -> StringTable,
    val monitor: SyncMonitor = SyncMonitor(),
    val display: MutableStateFlow<DisplayPrefs> = MutableStateFlow(DisplayPrefs()),
) {
    /** Looked up per use: the language may change while a view model lives. */
    fun words(): Wording = Wording(strings(), display.value.wareki)

    suspend fun <T> onCore(block: TechoCoreInterface.() -> T): T = withContext(io) { core.block() }

    fun now(): Instant = clock.instant()

    /** The phone's UTC offset at [at], which the core stores with each reading. */
    fun offsetMinutes(at: Instant): Int = zone.utcOffsetSecondsAt(at) / 60

    /** The phone's zone rules, for the core's one question about them (`readingTime`). */
    val zone: PhoneZone =
        object : PhoneZone {
            override fun utcOffsetSecondsAt(at: Instant): Int = clock.zone.rules.getOffset(at).totalSeconds
        }
}
