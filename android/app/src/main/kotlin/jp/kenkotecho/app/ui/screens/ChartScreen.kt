package jp.kenkotecho.app.ui.screens

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.drawscope.DrawScope
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.ChoiceGroup
import jp.kenkotecho.app.ui.components.ErrorText
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.chart.ChartPoint
import jp.kenkotecho.appmodel.chart.ChartViewModel

/** The core's series drawn as lines, with every point also listed as text (and read by TalkBack). */
@Composable
fun ChartScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> ChartViewModel(env, scope) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.show() }

    ScreenFrame(stringResource(R.string.chart_title), person = s.person, onBack = nav::back) {
        if (s.kinds.isNotEmpty()) ChoiceGroup(stringResource(R.string.label_kind), s.kinds) { vm.show(kind = it) }
        if (s.buckets.isNotEmpty()) ChoiceGroup(stringResource(R.string.label_bucket), s.buckets) { vm.show(bucket = it) }
        s.error?.let { ErrorText(it) }
        s.emptyText?.let { BodyText(it) }
        if (s.points.isNotEmpty()) {
            val line = MaterialTheme.colorScheme.primary
            val lower = MaterialTheme.colorScheme.secondary
            Canvas(Modifier.fillMaxWidth().aspectRatio(1.6f).clearAndSetSemantics { contentDescription = s.a11y }) {
                drawSeries(s.points, line, lower)
            }
            s.points.forEach { p -> BodyText("${p.label}  ${p.valueText}") }
        }
    }
}

/** Scales the points into the canvas; only drawing, the values are the core's means. */
private fun DrawScope.drawSeries(points: List<ChartPoint>, upper: Color, lower: Color) {
    val values = points.map { it.value } + points.mapNotNull { it.lower }
    val top = values.max()
    val bottom = values.min()
    val span = (top - bottom).takeIf { it > 0.0 } ?: 1.0
    val step = if (points.size > 1) size.width / (points.size - 1) else 0f
    fun at(i: Int, v: Double) = Offset(if (points.size > 1) i * step else size.width / 2, (size.height * (1 - (v - bottom) / span)).toFloat())
    fun series(pick: (ChartPoint) -> Double?, color: Color) {
        val pts = points.mapIndexedNotNull { i, p -> pick(p)?.let { at(i, it) } }
        pts.zipWithNext { a, b -> drawLine(color, a, b, strokeWidth = 6f) }
        pts.forEach { drawCircle(color, radius = 10f, center = it) }
    }
    series({ it.value }, upper)
    series({ it.lower }, lower)
}
