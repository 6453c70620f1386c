package jp.kenkotecho.appmodel.signin

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Option
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.Relationship
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

/** First use of an HM card (one-time code from the letter), or an existing password. */
enum class SignInMode { LOGIN, ACTIVATE }

data class SignInState(
    val hmCode: String = "",
    val hmCodeError: String? = null,
    val modes: List<Option<SignInMode>> = emptyList(),
    val activationCode: String = "",
    val password: String = "",
    val busy: Boolean = false,
    val error: String? = null,
    val done: Boolean = false,
    val doneText: String? = null,
)

/** Activates an HM card and signs in, or just signs in; the core talks to the server. */
class SignInViewModel(env: AppEnvironment, scope: CoroutineScope) : ScreenModel<SignInState>(SignInState(), env, scope) {
    /** Prefills the HM code of the phone's owner (editable: it is only a convenience). */
    fun load(): Job =
        launch {
            val words = env.words()
            update { it.copy(modes = modes(SignInMode.LOGIN) { key -> words[key] }) }
            attempt(Action.LOAD, { text -> update { it.copy(error = text) } }) {
                val (people, active) = env.onCore { profiles() to activeProfile() }
                val owner = people.firstOrNull { it.relationship == Relationship.MYSELF } ?: active
                if (owner != null && current.hmCode.isEmpty()) update { it.copy(hmCode = owner.hmCode) }
            }
        }

    fun prefill(hmCode: String) = update { it.copy(hmCode = hmCode) }

    fun onHmCode(text: String) = update { it.copy(hmCode = text, hmCodeError = null, error = null) }

    fun onMode(mode: SignInMode) = update { it.copy(modes = it.modes.map { o -> o.copy(selected = o.value == mode) }, error = null) }

    fun onActivationCode(text: String) = update { it.copy(activationCode = text, error = null) }

    fun onPassword(text: String) = update { it.copy(password = text, error = null) }

    fun submit(): Job =
        launch {
            val s = current
            if (s.busy) return@launch
            val mode = s.modes.firstOrNull { it.selected }?.value ?: SignInMode.LOGIN
            update { it.copy(busy = true, error = null) }
            var step = if (mode == SignInMode.ACTIVATE) Action.ACTIVATE else Action.SIGN_IN
            try {
                if (mode == SignInMode.ACTIVATE) {
                    env.core.activate(s.hmCode, s.activationCode, s.password)
                    // The code is spent now. Should the sign-in below fail (say, the signal drops),
                    // the form is left as a plain sign-in with the new password still filled in:
                    // a retry must not send the code again, which the server would refuse.
                    update { it.copy(modes = it.modes.map { o -> o.copy(selected = o.value == SignInMode.LOGIN) }, activationCode = "") }
                    step = Action.SIGN_IN
                }
                env.core.login(s.hmCode, s.password)
                update { it.copy(busy = false, password = "", activationCode = "", done = true, doneText = env.words()[StringKey.SIGNED_IN]) }
            } catch (e: CancellationException) {
                throw e
            } catch (e: ApiException.Validation) {
                val text = env.words().problems.validation(e.field, e.problem)
                update { if (e.field == Field.HM_CODE) it.copy(busy = false, hmCodeError = text) else it.copy(busy = false, error = text) }
            } catch (e: Exception) {
                update { it.copy(busy = false, error = env.words().errors.message(e, step)) }
            }
        }

    private fun modes(selected: SignInMode, text: (StringKey) -> String): List<Option<SignInMode>> =
        listOf(
            Option(SignInMode.LOGIN, text(StringKey.MODE_HAVE_PASSWORD), selected == SignInMode.LOGIN),
            Option(SignInMode.ACTIVATE, text(StringKey.MODE_FIRST_TIME), selected == SignInMode.ACTIVATE),
        )
}
