package jp.kenkotecho.app.ui.screens

import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.Screen
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.LatestCheckupCard
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ReadingCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.components.SecondaryButton
import jp.kenkotecho.app.ui.components.SectionTitle
import jp.kenkotecho.app.ui.recordTitle
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.home.HomeViewModel
import jp.kenkotecho.core.VitalKind

@Composable
fun HomeScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> HomeViewModel(env, scope) }
    val s by vm.state.collectAsStateWithLifecycle()
    // Each time Home is shown again (back from a form, another person chosen).
    LaunchedEffect(Unit) { vm.refresh() }
    LaunchedEffect(s.needsFirstRun) { if (s.needsFirstRun) nav.restart(Screen.FirstRun) }

    ScreenFrame(stringResource(R.string.app_name), person = s.person, onBack = null, sync = s.sync) {
        s.error?.let { NoticeCard(it) }
        SectionTitle(stringResource(R.string.home_record))
        VitalKind.entries.forEach { kind ->
            BigButton(stringResource(recordTitle(kind))) { nav.push(Screen.Record(kind)) }
        }

        SectionTitle(stringResource(R.string.home_today))
        s.todayEmptyText?.let { BodyText(it) }
        s.today.forEach { row -> ReadingCard(row) { nav.push(Screen.Detail(row.id)) } }

        SectionTitle(stringResource(R.string.home_bp_summary))
        s.bpSummary?.let { BodyText(it) }
        SecondaryButton(stringResource(R.string.button_bp_summary)) { nav.push(Screen.BpSummary) }

        SectionTitle(stringResource(R.string.home_latest))
        s.latest.forEach { row -> ReadingCard(row) { nav.push(Screen.Detail(row.id)) } }
        SecondaryButton(stringResource(R.string.button_history)) { nav.push(Screen.History) }
        SecondaryButton(stringResource(R.string.med_button_open)) { nav.push(Screen.Medications) }
        SecondaryButton(stringResource(R.string.box_open)) { nav.push(Screen.EmergencySheet) }

        SectionTitle(stringResource(R.string.home_checkups))
        s.latestCheckup?.let { c -> LatestCheckupCard(c) { nav.push(Screen.CheckupDetail(c.id)) } }
        SecondaryButton(stringResource(R.string.checkup_open)) { nav.push(Screen.Checkups) }

        SecondaryButton(stringResource(R.string.sync_now), enabled = !s.syncing) { vm.syncNow() }
        SecondaryButton(stringResource(R.string.button_switch_person)) { nav.push(Screen.Profiles) }
        SecondaryButton(stringResource(R.string.button_settings)) { nav.push(Screen.Settings) }
    }
}
