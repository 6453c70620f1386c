package jp.kenkotecho.app.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.selected
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
import jp.kenkotecho.app.ui.components.TextInput
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.profile.ProfileSwitchViewModel

/** Whose records to show: a tap on a name switches, explicitly (U8). */
@Composable
fun ProfilesScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> ProfileSwitchViewModel(env, scope) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }
    val showing = stringResource(R.string.profiles_current)
    var renaming by remember { mutableStateOf<String?>(null) }
    var newName by remember { mutableStateOf("") }

    ScreenFrame(stringResource(R.string.profiles_title), person = s.person, onBack = nav::back) {
        BodyText(stringResource(R.string.profiles_intro))
        s.notice?.let { NoticeCard(it) }
        Column(Modifier.selectableGroup(), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            s.people.forEach { p ->
                Surface(
                    color = if (p.active) MaterialTheme.colorScheme.primaryContainer else MaterialTheme.colorScheme.surfaceVariant,
                    shape = MaterialTheme.shapes.medium,
                    modifier =
                        Modifier
                            .fillMaxWidth()
                            .heightIn(min = 56.dp)
                            .selectable(selected = p.active, role = Role.RadioButton, onClick = { vm.choose(p.profileId) })
                            .clearAndSetSemantics {
                                contentDescription = p.a11y
                                selected = p.active
                            },
                ) {
                    Column(Modifier.padding(16.dp)) {
                        Text(p.name, style = MaterialTheme.typography.titleMedium)
                        Text(p.relationship, style = MaterialTheme.typography.bodyMedium)
                        if (p.active) Text(showing, style = MaterialTheme.typography.labelMedium)
                    }
                }
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    TextButton(onClick = { renaming = p.profileId; newName = p.name }, modifier = Modifier.heightIn(min = 48.dp)) {
                        Text(stringResource(R.string.profiles_rename))
                    }
                    TextButton(onClick = { vm.askToRemove(p.profileId) }, enabled = !s.busy, modifier = Modifier.heightIn(min = 48.dp)) {
                        Text(stringResource(R.string.profiles_remove), color = MaterialTheme.colorScheme.error)
                    }
                }
                if (renaming == p.profileId) {
                    TextInput(stringResource(R.string.field_display_name), newName, { newName = it }, error = s.renameError)
                    BigButton(stringResource(R.string.profiles_rename)) { vm.rename(p.profileId, newName); renaming = null }
                }
            }
        }
        s.pendingRemoval?.let { removal ->
            AlertDialog(
                onDismissRequest = vm::cancelRemoval,
                text = { Text(removal.question) },
                confirmButton = {
                    Column(horizontalAlignment = Alignment.End) {
                        removal.sendFirst?.let { label -> TextButton(onClick = { vm.sendThenRemove() }) { Text(label) } }
                        TextButton(onClick = { vm.confirmRemoval() }) {
                            Text(removal.remove, color = MaterialTheme.colorScheme.error)
                        }
                    }
                },
                dismissButton = { TextButton(onClick = vm::cancelRemoval) { Text(stringResource(R.string.button_cancel)) } },
            )
        }
        SecondaryButton(stringResource(R.string.button_add_family)) { nav.push(Screen.AddFamily) }
    }
}
