package jp.kenkotecho.app.ui.screens

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.ErrorText
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.bp.BpSummaryViewModel

/** The 7-day home blood-pressure summary, as information with the JSH2019 band named. */
@Composable
fun BpSummaryScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> BpSummaryViewModel(env, scope) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }

    ScreenFrame(stringResource(R.string.bp_summary_title), person = s.person, onBack = nav::back) {
        s.error?.let { ErrorText(it) }
        BodyText(s.period)
        Text(s.headline, style = MaterialTheme.typography.titleMedium)
        s.isolatedSystolic?.let { BodyText(it) }
        BodyText(s.morning)
        BodyText(s.evening)
        if (s.disclaimer.isNotEmpty()) NoticeCard(Notice(s.disclaimer, Tone.INFO))
    }
}
