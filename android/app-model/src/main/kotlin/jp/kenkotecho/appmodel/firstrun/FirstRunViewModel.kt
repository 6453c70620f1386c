package jp.kenkotecho.appmodel.firstrun

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.profile.AddPersonViewModel
import jp.kenkotecho.appmodel.signin.SignInViewModel
import jp.kenkotecho.core.Relationship
import kotlinx.coroutines.CoroutineScope
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

    init {
        launch {
            val added = person.state.first { it.added != null }.added ?: return@launch
            signIn.load().join()
            update { it.copy(step = FirstRunStep.SIGN_IN, linkedMessage = added.message) }
            signIn.state.first { it.done }
            update { it.copy(step = FirstRunStep.DONE) }
        }
    }

    /** "Sign in later": records stay on the phone until the person signs in from Settings. */
    fun skipSignIn() = update { it.copy(step = FirstRunStep.DONE) }
}
