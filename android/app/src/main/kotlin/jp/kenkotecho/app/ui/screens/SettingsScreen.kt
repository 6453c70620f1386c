package jp.kenkotecho.app.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.Screen
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.components.SecondaryButton
import jp.kenkotecho.app.ui.components.SectionTitle
import jp.kenkotecho.app.ui.components.ToggleRow
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.settings.SettingsViewModel

/** Account, sign-in and sign-out, readings the server refused (each with "send again"), dates. */
@Composable
fun SettingsScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> SettingsViewModel(env, scope) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }

    ScreenFrame(stringResource(R.string.settings_title), person = s.person, onBack = nav::back, sync = s.sync) {
        s.notice?.let { NoticeCard(it) }

        SectionTitle(stringResource(R.string.settings_account))
        BodyText(s.accountText)
        if (s.signedIn) {
            SecondaryButton(stringResource(R.string.button_sign_out), enabled = !s.busy) { vm.signOut() }
        } else {
            BigButton(stringResource(R.string.button_sign_in)) { nav.push(Screen.SignIn) }
        }
        s.notLinked.forEach { BodyText(it) }

        SectionTitle(stringResource(R.string.settings_refused_title))
        BodyText(s.refusedText)
        s.refused.forEach { row ->
            Surface(color = MaterialTheme.colorScheme.surfaceVariant, shape = MaterialTheme.shapes.medium, modifier = Modifier.fillMaxWidth()) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    BodyText(row.text)
                    SecondaryButton(stringResource(R.string.button_retry)) { vm.retry(row.mutationId) }
                }
            }
        }

        ToggleRow(stringResource(R.string.settings_wareki), s.wareki, vm::setWareki)
    }
}
