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
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.JudgementText
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.checkup.CheckupTrendViewModel

/** An item across the checkups, oldest first: each value as the core printed it, and what it means. */
@Composable
fun CheckupTrendScreen(code: String, nav: Nav) {
    val vm = rememberScreenModel { env, scope -> CheckupTrendViewModel(env, scope, code) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }

    ScreenFrame(s.title.ifEmpty { stringResource(R.string.checkup_title) }, person = s.person, onBack = nav::back) {
        s.notice?.let { NoticeCard(it) }
        BodyText(s.intro)
        s.emptyText?.let { BodyText(it) }
        s.points.forEach { p ->
            Surface(color = MaterialTheme.colorScheme.surfaceVariant, shape = MaterialTheme.shapes.medium, modifier = Modifier.fillMaxWidth()) {
                Column(
                    Modifier.padding(16.dp).clearAndSetSemantics { contentDescription = p.line },
                    verticalArrangement = Arrangement.spacedBy(4.dp),
                ) {
                    Text(p.dateText, style = MaterialTheme.typography.labelLarge)
                    Text(p.valueText, style = MaterialTheme.typography.headlineSmall)
                    p.variant?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
                    JudgementText(p.judgement, p.tone)
                }
            }
        }
    }
}
