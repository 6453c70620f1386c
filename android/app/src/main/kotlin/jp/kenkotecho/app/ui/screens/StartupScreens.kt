package jp.kenkotecho.app.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.WindowInsets
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawing
import androidx.compose.foundation.layout.windowInsetsPadding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import jp.kenkotecho.app.R
import jp.kenkotecho.app.text.AndroidStringTable
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.ErrorText
import jp.kenkotecho.app.ui.components.SecondaryButton
import jp.kenkotecho.app.ui.components.SectionTitle
import jp.kenkotecho.appmodel.startup.StartOver
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.Wording

@Composable
fun StartupScreen() {
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column(
            Modifier.fillMaxSize().padding(24.dp),
            verticalArrangement = Arrangement.spacedBy(24.dp, Alignment.CenterVertically),
            horizontalAlignment = Alignment.CenterHorizontally,
        ) {
            CircularProgressIndicator()
            Text(stringResource(R.string.startup_opening), style = MaterialTheme.typography.bodyLarge)
        }
    }
}

/** The core could not open: say why in plain words (each with a next step) and offer a retry. */
@Composable
fun StartupFailedScreen(error: Throwable, onRetry: () -> Unit, onStartOver: () -> Unit) {
    val resources = LocalContext.current.resources
    val message = Wording(AndroidStringTable(resources)).errors.message(error, Action.LOAD)
    var confirming by remember { mutableStateOf(false) }
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        // Scrolls, so Retry stays reachable when a long message at 200 % text fills the screen.
        Column(
            Modifier
                .fillMaxSize()
                .windowInsetsPadding(WindowInsets.safeDrawing)
                .verticalScroll(rememberScrollState())
                .padding(24.dp),
            verticalArrangement = Arrangement.spacedBy(24.dp),
        ) {
            SectionTitle(stringResource(R.string.startup_failed_title))
            ErrorText(message)
            BigButton(stringResource(R.string.button_retry), onClick = onRetry)
            if (StartOver.helps(error)) {
                SecondaryButton(stringResource(R.string.start_over_button)) { confirming = true }
            }
        }
    }
    if (confirming) {
        AlertDialog(
            onDismissRequest = { confirming = false },
            title = { Text(stringResource(R.string.start_over_button)) },
            text = { Text(stringResource(R.string.start_over_confirm)) },
            confirmButton = {
                TextButton(onClick = {
                    confirming = false
                    onStartOver()
                }) { Text(stringResource(R.string.start_over_button)) }
            },
            dismissButton = { TextButton(onClick = { confirming = false }) { Text(stringResource(R.string.button_cancel)) } },
        )
    }
}
