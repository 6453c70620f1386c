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
import androidx.compose.ui.graphics.PathEffect
import androidx.compose.ui.graphics.drawscope.DrawScope
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.text.TextMeasurer
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.drawText
import androidx.compose.ui.text.rememberTextMeasurer
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.ChoiceGroup
import jp.kenkotecho.app.ui.components.ErrorText
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.chart.ChartPoint
import jp.kenkotecho.appmodel.chart.ChartState
import jp.kenkotecho.appmodel.chart.ChartViewModel

/**
 * The core's series on a time axis over the whole period (gaps show as gaps), with the value
 * axis, its unit, the first and last dates and, for blood pressure, the dashed 135/85 lines — all
 * from the core. Every point is also listed as text (and read by TalkBack).
 */
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
            val colors = ChartColors(
                upper = MaterialTheme.colorScheme.primary,
                lower = MaterialTheme.colorScheme.secondary,
                axis = MaterialTheme.colorScheme.onSurfaceVariant,
                reference = MaterialTheme.colorScheme.error,
            )
            val measurer = rememberTextMeasurer()
            val labelStyle = MaterialTheme.typography.bodyMedium.copy(color = colors.axis)
            BodyText(s.unit)
            Canvas(Modifier.fillMaxWidth().aspectRatio(1.3f).clearAndSetSemantics { contentDescription = s.a11y }) {
                drawChart(s, colors, measurer, labelStyle)
            }
            s.points.forEach { p -> BodyText(p.spoken) }
        }
    }
}

private class ChartColors(val upper: Color, val lower: Color, val axis: Color, val reference: Color)

/** Only drawing: positions come from the core's axis range and each point's day index. */
private fun DrawScope.drawChart(s: ChartState, colors: ChartColors, measurer: TextMeasurer, style: TextStyle) {
    val left = 56.dp.toPx()
    val bottom = 32.dp.toPx()
    val width = size.width - left - 8.dp.toPx()
    val height = size.height - bottom - 8.dp.toPx()
    val top = 8.dp.toPx()
    val span = (s.axisMax - s.axisMin).takeIf { it > 0.0 } ?: 1.0
    val days = (s.dayCount - 1).coerceAtLeast(1)
    fun x(dayIndex: Int) = left + width * dayIndex / days
    fun y(v: Double) = top + (height * (1 - (v - s.axisMin) / span)).toFloat()

    // Value axis: a grid line and a label per tick.
    for (tick in s.ticks) {
        drawLine(colors.axis.copy(alpha = 0.3f), Offset(left, y(tick.value)), Offset(left + width, y(tick.value)), strokeWidth = 1.dp.toPx())
        val label = measurer.measure(tick.label, style)
        drawText(label, topLeft = Offset(left - label.size.width - 6.dp.toPx(), y(tick.value) - label.size.height / 2))
    }
    drawLine(colors.axis, Offset(left, top), Offset(left, top + height), strokeWidth = 1.dp.toPx())
    drawLine(colors.axis, Offset(left, top + height), Offset(left + width, top + height), strokeWidth = 1.dp.toPx())
    // Time axis: the period's first and last day.
    val first = measurer.measure(s.firstLabel, style)
    drawText(first, topLeft = Offset(left, top + height + 4.dp.toPx()))
    val last = measurer.measure(s.lastLabel, style)
    drawText(last, topLeft = Offset(left + width - last.size.width, top + height + 4.dp.toPx()))
    // The 135/85 home-BP lines, dashed and labelled.
    for (ref in s.references) {
        drawLine(
            colors.reference,
            Offset(left, y(ref.value)),
            Offset(left + width, y(ref.value)),
            strokeWidth = 2.dp.toPx(),
            pathEffect = PathEffect.dashPathEffect(floatArrayOf(8.dp.toPx(), 6.dp.toPx())),
        )
        val label = measurer.measure(ref.label, style.copy(color = colors.reference))
        drawText(label, topLeft = Offset(left + width - label.size.width, y(ref.value) - label.size.height))
    }
    fun series(pick: (ChartPoint) -> Double?, color: Color) {
        val pts = s.points.mapNotNull { p -> pick(p)?.let { Offset(x(p.dayIndex), y(it)) } }
        pts.zipWithNext { a, b -> drawLine(color, a, b, strokeWidth = 3.dp.toPx()) }
        pts.forEach { drawCircle(color, radius = 5.dp.toPx(), center = it) }
    }
    series({ it.value }, colors.upper)
    series({ it.lower }, colors.lower)
}
