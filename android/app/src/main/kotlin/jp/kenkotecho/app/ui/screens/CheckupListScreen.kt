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
import jp.kenkotecho.app.ui.components.CheckupCard
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.checkup.CheckupListViewModel

/** The person's checkups, newest first; "add" at the top, where it is found first. */
@Composable
fun CheckupListScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> CheckupListViewModel(env, scope) }
    val s by vm.state.collectAsStateWithLifecycle()
    // Each time the list is shown again (back from a new or deleted checkup).
    LaunchedEffect(Unit) { vm.load() }

    ScreenFrame(s.title.ifEmpty { stringResource(R.string.checkup_title) }, person = s.person, onBack = nav::back) {
        s.notice?.let { NoticeCard(it) }
        BodyText(s.intro)
        BigButton(s.addLabel.ifEmpty { stringResource(R.string.checkup_add) }) { nav.push(Screen.CheckupAdd) }
        s.emptyText?.let { BodyText(it) }
        s.rows.forEach { row -> CheckupCard(row) { nav.push(Screen.CheckupDetail(row.id)) } }
    }
}
