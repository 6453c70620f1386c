package jp.kenkotecho.appmodel.sync

import jp.kenkotecho.core.SyncState
import jp.kenkotecho.core.SyncStatus

/**
 * Whether to ask the phone's system for a run of its own, soon and on a network, to send the
 * photos still waiting. Photos are large: the hourly run, or the moment the app leaves the
 * screen, often cannot finish them, and a person who closes the app expects them to go anyway.
 */
object PhotoUploads {
    /**
     * When the app leaves the screen: ask while photos wait and a run could send them. Signed out,
     * asked to sign in again or needing an update, no run can; the person has to act first.
     */
    fun shouldAsk(status: SyncStatus): Boolean =
        status.pendingUploads > 0uL &&
            when (status.state) {
                SyncState.NotSignedIn, SyncState.NeedsLogin, SyncState.UpdateRequired -> false
                else -> true
            }

    /**
     * After a background run: ask for another only when this one sent at least one photo and more
     * wait (the run ended before all were sent). A run that sent none (the server out of reach, the
     * room on it full) is not repeated at once, which would only spin; the hourly run and the next
     * time the app leaves the screen try again.
     */
    fun shouldAskAgain(before: SyncStatus, after: SyncStatus): Boolean =
        shouldAsk(after) && after.pendingUploads < before.pendingUploads
}
