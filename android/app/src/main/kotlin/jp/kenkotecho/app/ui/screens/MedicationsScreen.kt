package jp.kenkotecho.app.ui.screens

import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.heightIn
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.PrimaryTabRow
import androidx.compose.material3.Tab
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.medications.MedicationFiles
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.Screen
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.ChoiceGroup
import jp.kenkotecho.app.ui.components.MedicationCard
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.components.SecondaryButton
import jp.kenkotecho.app.ui.components.TextInput
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.medications.MedicationList
import jp.kenkotecho.appmodel.medications.MedicationTab
import jp.kenkotecho.appmodel.medications.MedicationsViewModel
import kotlinx.coroutines.launch

/** お薬手帳: taking now, history, by pharmacy; search; scan, import a file, export and share. */
// PrimaryTabRow was experimental in older Material 3 releases.
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun MedicationsScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> MedicationsViewModel(env, scope) }
    val s by vm.state.collectAsStateWithLifecycle()
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    // Each time the screen is shown again (back from a detail or a scan) the lists are reloaded.
    LaunchedEffect(Unit) { vm.load() }

    val openFile =
        rememberLauncherForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
            if (uri != null) scope.launch { MedicationFiles.read(context, uri)?.let { vm.importFile(it) } }
        }
    val chooserTitle = stringResource(R.string.med_export_chooser)
    LaunchedEffect(s.export) {
        val file = s.export ?: return@LaunchedEffect
        vm.exportHandled()
        MedicationFiles.share(context, file.data, file.fileName, chooserTitle)
    }

    ScreenFrame(stringResource(R.string.med_title), person = s.person, onBack = nav::back) {
        s.notice?.let { NoticeCard(it) }
        BigButton(stringResource(R.string.med_scan_title)) { nav.push(Screen.MedicationScan) }
        TextInput(label = stringResource(R.string.med_search_label), value = s.query, onValueChange = { vm.search(it) })

        val search = s.search
        if (search != null) {
            Rows(search, onOpen = { nav.push(Screen.MedicationDetail(it)) })
        } else {
            val selected = s.tabs.indexOfFirst { it.selected }.coerceAtLeast(0)
            if (s.tabs.isNotEmpty()) {
                PrimaryTabRow(selectedTabIndex = selected) {
                    s.tabs.forEach { tab ->
                        Tab(
                            selected = tab.selected,
                            onClick = { vm.selectTab(tab.value) },
                            modifier = Modifier.heightIn(min = 56.dp),
                            text = { Text(tab.label, textAlign = TextAlign.Center) },
                        )
                    }
                }
            }
            when (s.tab) {
                MedicationTab.CURRENT -> Rows(s.current, onOpen = { nav.push(Screen.MedicationDetail(it)) })
                MedicationTab.HISTORY ->
                    Rows(s.history, onOpen = { nav.push(Screen.MedicationDetail(it)) }, loading = s.loading, onMore = { vm.loadMoreHistory() })
                MedicationTab.PHARMACIES -> {
                    s.pharmaciesEmptyText?.let { BodyText(it) }
                    if (s.pharmacies.isNotEmpty()) {
                        ChoiceGroup(stringResource(R.string.med_tab_pharmacies), s.pharmacies) { vm.selectPharmacy(it) }
                    }
                    Rows(s.pharmacy, onOpen = { nav.push(Screen.MedicationDetail(it)) }, loading = s.loading, onMore = { vm.loadMorePharmacy() })
                }
            }
        }

        SecondaryButton(stringResource(R.string.med_button_import_file), enabled = !s.busy) { openFile.launch(arrayOf("*/*")) }
        SecondaryButton(stringResource(R.string.med_button_export), enabled = !s.busy) { vm.export() }
    }
}

@Composable
private fun Rows(list: MedicationList, onOpen: (String) -> Unit, loading: Boolean = false, onMore: (() -> Unit)? = null) {
    list.emptyText?.let { BodyText(it) }
    list.rows.forEach { row -> MedicationCard(row) { onOpen(row.id) } }
    if (list.hasMore && onMore != null) SecondaryButton(stringResource(R.string.button_load_more), enabled = !loading) { onMore() }
}
