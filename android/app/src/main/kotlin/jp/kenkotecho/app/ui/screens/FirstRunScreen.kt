package jp.kenkotecho.app.ui.screens

import androidx.activity.compose.BackHandler
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.Screen
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.firstrun.FirstRunStep
import jp.kenkotecho.appmodel.firstrun.FirstRunViewModel

/** Link the HM card as this phone's owner, then sign in or choose to do it later. */
@Composable
fun FirstRunScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> FirstRunViewModel(env, scope) }
    val s by vm.state.collectAsStateWithLifecycle()
    val person by vm.person.state.collectAsStateWithLifecycle()
    val signIn by vm.signIn.state.collectAsStateWithLifecycle()
    LaunchedEffect(s.step) { if (s.step == FirstRunStep.DONE) nav.restart(Screen.Home) }

    when (s.step) {
        FirstRunStep.PERSON ->
            ScreenFrame(stringResource(R.string.first_run_title), person = null, onBack = null) {
                BodyText(stringResource(R.string.first_run_intro))
                PersonForm(person, vm.person, buttonText = stringResource(R.string.button_start_with_card))
            }
        FirstRunStep.SIGN_IN, FirstRunStep.DONE -> {
            // Back to the card number, to correct a mistyped one. The first run is the bottom of
            // the stack, where the navigator lets the system back leave the app: this step takes
            // it instead.
            BackHandler(enabled = s.step == FirstRunStep.SIGN_IN) { vm.back() }
            ScreenFrame(stringResource(R.string.sign_in_title), person = null, onBack = { vm.back() }) {
                s.linkedMessage?.let { NoticeCard(Notice(it, Tone.SUCCESS)) }
                SignInForm(signIn, vm.signIn, onLater = vm::skipSignIn)
            }
        }
    }
}
