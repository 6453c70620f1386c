package jp.kenkotecho.app.ui.screens

import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.Screen
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.ChoiceGroup
import jp.kenkotecho.app.ui.components.ErrorText
import jp.kenkotecho.app.ui.components.ReadingCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.components.SecondaryButton
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.history.HistoryViewModel

/** Readings newest first; "show more" loads the next page (no endless scrolling). */
@Composable
fun HistoryScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> HistoryViewModel(env, scope) }
    val s by vm.state.collectAsStateWithLifecycle()
    // Back from a reading: the same rows again, fetched afresh (the view model outlives this
    // composition while the screen is on the stack), not page 1.
    LaunchedEffect(Unit) { vm.reload() }

    ScreenFrame(stringResource(R.string.history_title), person = s.person, onBack = nav::back) {
        SecondaryButton(stringResource(R.string.button_chart)) { nav.push(Screen.Chart) }
        if (s.filter.isNotEmpty()) ChoiceGroup(stringResource(R.string.label_kind), s.filter) { vm.load(it) }
        s.error?.let { ErrorText(it) }
        s.emptyText?.let { BodyText(it) }
        s.rows.forEach { row -> ReadingCard(row) { nav.push(Screen.Detail(row.id)) } }
        if (s.hasMore) SecondaryButton(stringResource(R.string.button_load_more), enabled = !s.loading) { vm.loadMore() }
    }
}
