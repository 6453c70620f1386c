package jp.kenkotecho.appmodel.firstrun

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.profile.AddPersonViewModel
import jp.kenkotecho.appmodel.signin.SignInViewModel
import jp.kenkotecho.core.Relationship
import jp.kenkotecho.appmodel.text.Action
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.first

/** Link the HM card as this phone's owner, then sign in (or later, from Settings). */
enum class FirstRunStep { PERSON, SIGN_IN, DONE }

data class FirstRunState(val step: FirstRunStep = FirstRunStep.PERSON, val linkedMessage: String? = null)

/**
 * The first-run flow as two one-task screens: [person] (HM code and name) and [signIn]
 * (one-time code or password). Offline, the person can skip signing in and still record.
 */
class FirstRunViewModel(env: AppEnvironment, scope: CoroutineScope) : ScreenModel<FirstRunState>(FirstRunState(), env, scope) {
    val person = AddPersonViewModel(env, scope, Relationship.MYSELF)
    val signIn = SignInViewModel(env, scope)

    private var flow: Job = follow()

    private fun follow(): Job =
        launch {
            val added = person.state.first { it.added != null }.added ?: return@launch
            signIn.load().join()
            update { it.copy(step = FirstRunStep.SIGN_IN, linkedMessage = added.message) }
            signIn.state.first { it.done }
            update { it.copy(step = FirstRunStep.DONE) }
        }

    /**
     * Back from signing in to the card number, to correct it: the person linked a moment ago
     * (nothing recorded yet) is taken off again; the typed number and name stay to edit.
     */
    fun back(): Job =
        launch {
            val added = person.state.value.added ?: return@launch
            if (current.step != FirstRunStep.SIGN_IN) return@launch
            val removed = attempt(Action.ADD_PERSON, person::showFormError) { env.onCore { removeProfile(added.profileId, false) } }
            if (removed == null) return@launch
            flow.cancel()
            person.reopen()
            // The sign-in form fills in the card linked next.
            signIn.prefill("")
            update { FirstRunState() }
            flow = follow()
        }

    /** "Sign in later": records stay on the phone until the person signs in from Settings. */
    fun skipSignIn() = update { it.copy(step = FirstRunStep.DONE) }
}
