package jp.kenkotecho.app

import android.content.Context
import jp.kenkotecho.app.text.AndroidStringTable
import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.DisplayPrefs
import jp.kenkotecho.appmodel.startup.StartOver
import jp.kenkotecho.appmodel.sync.SyncMonitor
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.CoreConfig
import jp.kenkotecho.core.TechoCore
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import java.io.File

sealed interface CoreState {
    data object Opening : CoreState

    data class Ready(val core: TechoCore, val env: AppEnvironment) : CoreState

    /** Open failed (key gone, device locked, damaged data…); the start screen words it. */
    data class Failed(val error: Throwable) : CoreState
}

/**
 * The app-lifetime [TechoCore]: opened once, never closed while the process lives (P-F7), and
 * never on the main thread (opening reads the key store and the database, P-F11).
 */
class CoreHolder(
    private val context: Context,
    private val scope: CoroutineScope,
    private val monitor: SyncMonitor,
    private val display: MutableStateFlow<DisplayPrefs>,
) {
    private val mutableState = MutableStateFlow<CoreState>(CoreState.Opening)
    val state: StateFlow<CoreState> = mutableState.asStateFlow()

    /** Held while a core is being opened: one open at a time, however often [open] is called. */
    private val opening = Mutex()

    /**
     * Opens the core, or tries again after a failure (e.g. once the phone is unlocked). Single
     * flight: a call while an open is under way waits for it and then does nothing if it worked.
     * Two opens at once must never happen: on a first install each would create its own
     * database key.
     */
    fun open() {
        // "Opening" at once, so a Retry tap shows progress; an open core is never replaced.
        mutableState.update { if (it is CoreState.Ready) it else CoreState.Opening }
        scope.launch(Dispatchers.IO) {
            opening.withLock {
                if (state.value is CoreState.Ready) return@withLock
                mutableState.value =
                    try {
                        openCore().let { core -> CoreState.Ready(core, environment(core)) }
                    } catch (e: CancellationException) {
                        throw e
                    } catch (e: Exception) {
                        CoreState.Failed(e)
                    }
            }
        }
    }

    /** After starting over: what was carried over, shown once over the fresh notebook. */
    private val mutableNotice = MutableStateFlow<String?>(null)
    val startOverNotice: StateFlow<String?> = mutableNotice.asStateFlow()

    fun dismissStartOverNotice() {
        mutableNotice.value = null
    }

    /**
     * The person confirmed starting over after an open that retrying cannot fix: the core sets
     * the unreadable database aside (never deleting it), carries over what it can still read,
     * and the fresh one opens. Signing in brings back what the server has.
     */
    fun startOver() {
        val failed = state.value as? CoreState.Failed ?: return
        if (!StartOver.helps(failed.error)) return
        mutableState.value = CoreState.Opening
        scope.launch(Dispatchers.IO) {
            opening.withLock {
                if (state.value is CoreState.Ready) return@withLock
                mutableState.value =
                    try {
                        val report = StartOver.run(config(), keys())
                        mutableNotice.value = StartOver.notice(report, Wording(AndroidStringTable(context.resources)))
                        openCore().let { core -> CoreState.Ready(core, environment(core)) }
                    } catch (e: CancellationException) {
                        throw e
                    } catch (e: Exception) {
                        CoreState.Failed(e)
                    }
            }
        }
    }

    /** The core once it is open, or `null` if it could not be opened (the worker then stops). */
    suspend fun awaitCore(): TechoCore? =
        when (val s = state.first { it !is CoreState.Opening }) {
            is CoreState.Ready -> s.core
            else -> null
        }

    private fun openCore(): TechoCore = TechoCore.open(config(), keys())

    private fun config(): CoreConfig {
        // no_backup/: never in cloud backups or device transfers (the key stays on this phone).
        val dataDir = File(context.noBackupFilesDir, "techo").apply { mkdirs() }
        // Only the network's CA is trusted (set at build time): no platform verifier, no JNI (P-F12).
        return CoreConfig(dataDir.path, BuildConfig.SERVER_URL, BuildConfig.TRUSTED_ROOTS_PEM)
    }

    private fun keys() = AndroidKeystoreSecrets(File(context.noBackupFilesDir, "secrets"))

    private fun environment(core: TechoCore): AppEnvironment =
        AppEnvironment(
            core = core,
            io = Dispatchers.IO,
            clock = PhoneClock(),
            strings = { AndroidStringTable(context.resources) },
            monitor = monitor,
            display = display,
        )
}
