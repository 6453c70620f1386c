package jp.kenkotecho.appmodel.startup

import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.CoreConfig
import jp.kenkotecho.core.DeviceKeyStore
import jp.kenkotecho.core.StartOverReport
import jp.kenkotecho.core.startOver
import jp.kenkotecho.core.startOverOffered

/**
 * Starting over when the store cannot be opened for good: the core sets the old database aside
 * (it is never deleted), carries over what it can still read, and makes a fresh one.
 */
object StartOver {
    /** The core decides (`startOverOffered`): only failures that retrying cannot fix. */
    fun helps(error: Throwable): Boolean = error is ApiException && startOverOffered(error)

    /** Blocking (files and the key store): call it off the main thread, with no core open. */
    fun run(config: CoreConfig, keys: DeviceKeyStore): StartOverReport = startOver(config, keys)

    /** What to tell the person once the fresh notebook is open. */
    fun notice(report: StartOverReport, words: Wording): String =
        if (report.salvagedChanges > 0uL) {
            words[StringKey.START_OVER_DONE_KEPT, report.salvagedChanges.toString()]
        } else {
            words[StringKey.START_OVER_DONE]
        }
}
