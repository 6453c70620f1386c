package jp.kenkotecho.app.ui

import androidx.activity.compose.BackHandler
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.getValue
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.key
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveableStateHolder
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.LocalViewModelStoreOwner
import androidx.lifecycle.viewmodel.compose.viewModel
import androidx.compose.ui.res.stringResource
import jp.kenkotecho.app.CoreHolder
import jp.kenkotecho.app.R
import jp.kenkotecho.app.CoreState
import jp.kenkotecho.app.ui.screens.AddFamilyScreen
import jp.kenkotecho.app.ui.screens.BpSummaryScreen
import jp.kenkotecho.app.ui.screens.ChartScreen
import jp.kenkotecho.app.ui.screens.CheckupDetailScreen
import jp.kenkotecho.app.ui.screens.CheckupFormScreen
import jp.kenkotecho.app.ui.screens.CheckupListScreen
import jp.kenkotecho.app.ui.screens.CheckupTrendScreen
import jp.kenkotecho.app.ui.screens.DetailScreen
import jp.kenkotecho.app.ui.screens.EntryScreen
import jp.kenkotecho.app.ui.screens.FirstRunScreen
import jp.kenkotecho.app.ui.screens.HistoryScreen
import jp.kenkotecho.app.ui.screens.HomeScreen
import jp.kenkotecho.app.ui.screens.EmergencySheetScreen
import jp.kenkotecho.app.ui.screens.MedicationDetailScreen
import jp.kenkotecho.app.ui.screens.MedicationScanScreen
import jp.kenkotecho.app.ui.screens.MedicationsScreen
import jp.kenkotecho.app.ui.screens.ProfilesScreen
import jp.kenkotecho.app.ui.screens.SettingsScreen
import jp.kenkotecho.app.ui.screens.SignInScreen
import jp.kenkotecho.app.ui.screens.StartupFailedScreen
import jp.kenkotecho.app.ui.screens.StartupScreen
import jp.kenkotecho.appmodel.entry.EntryTarget

/** Waits for the core (opened off the main thread), then shows the screen on top of the stack. */
@Composable
fun AppRoot(holder: CoreHolder) {
    val state by holder.state.collectAsStateWithLifecycle()
    val notice by holder.startOverNotice.collectAsStateWithLifecycle()
    when (val s = state) {
        CoreState.Opening -> StartupScreen()
        is CoreState.Failed -> StartupFailedScreen(s.error, onRetry = holder::open, onStartOver = holder::startOver)
        is CoreState.Ready -> CompositionLocalProvider(LocalEnvironment provides s.env) { Navigator() }
    }
    notice?.let { text ->
        AlertDialog(
            onDismissRequest = holder::dismissStartOverNotice,
            confirmButton = { TextButton(onClick = holder::dismissStartOverNotice) { Text(stringResource(R.string.button_close)) } },
            text = { Text(text) },
        )
    }
}

@Composable
private fun Navigator() {
    val stack = viewModel { BackStack() }
    val top = stack.entries.last()
    val seen = remember { mutableSetOf<Long>() }
    BackHandler(enabled = stack.entries.size > 1) { stack.back() }
    // Each entry's saved UI state (its scroll position above all) is kept while it is on the
    // stack, so coming back shows it where it was left, and dropped when it leaves the stack.
    val saved = rememberSaveableStateHolder()
    val live = stack.entries.map { it.id }.toSet()
    DisposableEffect(live) {
        seen.filterNot { it in live }.forEach(saved::removeState)
        seen.retainAll(live)
        seen.addAll(live)
        onDispose {}
    }
    key(top.id) {
        saved.SaveableStateProvider(top.id) {
            CompositionLocalProvider(LocalViewModelStoreOwner provides top) {
                when (val screen = top.screen) {
                    Screen.Home -> HomeScreen(stack)
                    Screen.FirstRun -> FirstRunScreen(stack)
                    Screen.SignIn -> SignInScreen(stack)
                    is Screen.Record -> EntryScreen(EntryTarget.New(screen.kind), stack)
                    is Screen.Correct -> EntryScreen(EntryTarget.Correct(screen.vitalId), stack)
                    Screen.History -> HistoryScreen(stack)
                    Screen.Chart -> ChartScreen(stack)
                    is Screen.Detail -> DetailScreen(screen.vitalId, stack)
                    Screen.BpSummary -> BpSummaryScreen(stack)
                    Screen.Profiles -> ProfilesScreen(stack)
                    Screen.AddFamily -> AddFamilyScreen(stack)
                    Screen.Settings -> SettingsScreen(stack)
                    Screen.Medications -> MedicationsScreen(stack)
                    is Screen.MedicationDetail -> MedicationDetailScreen(screen.medicationId, stack)
                    Screen.MedicationScan -> MedicationScanScreen(stack)
                    Screen.EmergencySheet -> EmergencySheetScreen(stack)
                    Screen.Checkups -> CheckupListScreen(stack)
                    Screen.CheckupAdd -> CheckupFormScreen(stack)
                    is Screen.CheckupDetail -> CheckupDetailScreen(screen.checkupId, screen.justSaved, stack)
                    is Screen.CheckupTrend -> CheckupTrendScreen(screen.code, stack)
                }
            }
        }
    }
}
