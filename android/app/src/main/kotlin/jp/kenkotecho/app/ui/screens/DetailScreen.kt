package jp.kenkotecho.app.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
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
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.history.ReadingDetailViewModel

/** A reading and its change history; correcting opens the form, deleting asks first. */
@Composable
fun DetailScreen(vitalId: String, nav: Nav) {
    val vm = rememberScreenModel { env, scope -> ReadingDetailViewModel(env, scope, vitalId) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }

    ScreenFrame(stringResource(R.string.detail_title), person = s.person, onBack = nav::back) {
        s.notice?.let { NoticeCard(it) }
        Text(s.kindLabel, style = MaterialTheme.typography.labelMedium)
        Text(s.valueText, style = MaterialTheme.typography.headlineSmall)
        BodyText(s.measuredText)
        s.note?.let { BodyText(it) }

        val currentId = s.currentId
        if (s.canChange && currentId != null) {
            if (s.confirmingDelete) {
                NoticeCard(Notice(stringResource(R.string.delete_confirm_question), Tone.WARNING))
                BigButton(stringResource(R.string.button_confirm_delete)) { vm.confirmDelete() }
                SecondaryButton(stringResource(R.string.button_cancel)) { vm.cancelDelete() }
            } else {
                BigButton(stringResource(R.string.button_correct)) { nav.push(Screen.Correct(currentId)) }
                SecondaryButton(stringResource(R.string.button_delete)) { vm.askDelete() }
            }
        }

        SectionTitle(stringResource(R.string.detail_versions))
        s.versions.forEach { v ->
            Surface(color = MaterialTheme.colorScheme.surfaceVariant, shape = MaterialTheme.shapes.medium, modifier = Modifier.fillMaxWidth()) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Text(v.line, style = MaterialTheme.typography.labelMedium)
                    Text(v.valueText, style = MaterialTheme.typography.bodyLarge)
                    Text(v.measuredText, style = MaterialTheme.typography.bodyMedium)
                }
            }
        }
    }
}
