package jp.kenkotecho.appmodel.settings

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.SyncLine
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

/** A change the server refused, with its own "send again" button. */
data class RefusedRow(val mutationId: String, val text: String)

data class SettingsState(
    val loading: Boolean = true,
    val person: PersonHeader? = null,
    val signedIn: Boolean = false,
    val accountText: String = "",
    val refused: List<RefusedRow> = emptyList(),
    val refusedText: String = "",
    /** People on this phone whose records this account cannot send. */
    val notLinked: List<String> = emptyList(),
    val sync: SyncLine? = null,
    val wareki: Boolean = false,
    val busy: Boolean = false,
    val notice: Notice? = null,
)

/** Account, sign-out, refused changes with retry, and how dates are shown. */
class SettingsViewModel(env: AppEnvironment, scope: CoroutineScope) : ScreenModel<SettingsState>(SettingsState(), env, scope) {
    fun load(): Job = launch { reload(notice = null) }

    /** Unsent readings stay queued in the core for the next sign-in. */
    fun signOut(): Job =
        launch {
            update { it.copy(busy = true, notice = null) }
            val done = attempt(Action.SIGN_OUT, ::showError) { env.core.logout() }
            if (done != null) reload(Notice(env.words()[StringKey.SETTINGS_SIGNED_OUT], Tone.SUCCESS))
        }

    /** Puts a refused change back in the queue; the core sends it with the next sync. */
    fun retry(mutationId: String): Job =
        launch {
            val done = attempt(Action.RETRY, ::showError) { env.onCore { retryWedged(mutationId) } }
            if (done != null) reload(Notice(env.words()[StringKey.SETTINGS_RETRY_QUEUED], Tone.SUCCESS))
        }

    fun setWareki(on: Boolean) {
        env.display.value = env.display.value.copy(wareki = on)
        update { it.copy(wareki = on) }
    }

    private suspend fun reload(notice: Notice?) {
        attempt(Action.LOAD, ::showError) {
            val (status, refused) = env.onCore { syncStatus() to wedgedItems() }
            val (people, active) = env.onCore { profiles() to activeProfile() }
            val words = env.words()
            val account = status.account
            val offset = env.offsetMinutes(env.now())
            val notLinked = status.lastReport?.notLinked.orEmpty()
            update {
                SettingsState(
                    loading = false,
                    person = active?.let { p -> PersonHeader.of(p, words) },
                    signedIn = account != null,
                    accountText = if (account != null) words[StringKey.SETTINGS_SIGNED_IN_AS, account.hmCode] else words[StringKey.SETTINGS_NOT_SIGNED_IN],
                    refused = refused.map { w -> RefusedRow(w.mutationId, words.refused.item(w, offset)) },
                    refusedText = words[if (refused.isEmpty()) StringKey.SETTINGS_NO_REFUSED else StringKey.SETTINGS_REFUSED_HELP],
                    notLinked = people.filter { p -> p.hmCode in notLinked }.map { p -> words[StringKey.SETTINGS_NOT_LINKED, p.displayName] },
                    sync = words.sync.line(status, offset, env.monitor.progress.value),
                    wareki = env.display.value.wareki,
                    notice = notice,
                )
            }
        }
    }

    private fun showError(text: String) = update { it.copy(loading = false, busy = false, notice = Notice(text, Tone.ERROR)) }
}
