package jp.kenkotecho.app.ui.screens

import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.signin.SignInViewModel

/** Signing in again from Settings (after signing out, or when the core asks for it). */
@Composable
fun SignInScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> SignInViewModel(env, scope) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { if (vm.state.value.modes.isEmpty()) vm.load() }

    ScreenFrame(stringResource(R.string.sign_in_title), person = null, onBack = nav::back) {
        val done = s.doneText
        if (s.done && done != null) {
            NoticeCard(Notice(done, Tone.SUCCESS))
            BigButton(stringResource(R.string.nav_back)) { nav.back() }
        } else {
            SignInForm(s, vm, onLater = null)
        }
    }
}
