package jp.kenkotecho.appmodel.chart

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Option
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.Bucket
import jp.kenkotecho.core.SeriesPoint
import jp.kenkotecho.core.VitalKind
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

/**
 * One bucket: [value] is the mean (systolic for blood pressure), [lower] the diastolic mean;
 * [dayIndex] is its place on the time axis (days after the period's first day); [spoken] the
 * point as listed under the chart and read out, in the same words as on iOS.
 */
data class ChartPoint(val label: String, val value: Double, val lower: Double?, val valueText: String, val dayIndex: Int, val spoken: String)

/** A labelled value on the chart: an axis tick, or a reference line (135/85 mmHg). */
data class ChartMark(val value: Double, val label: String)

data class ChartState(
    val loading: Boolean = false,
    val person: PersonHeader? = null,
    val kind: VitalKind = VitalKind.BLOOD_PRESSURE,
    val title: String = "",
    val kinds: List<Option<VitalKind>> = emptyList(),
    val buckets: List<Option<Bucket>> = emptyList(),
    val points: List<ChartPoint> = emptyList(),
    /** The time axis: [dayCount] days from [firstLabel] to [lastLabel]. */
    val dayCount: Int = 1,
    val firstLabel: String = "",
    val lastLabel: String = "",
    /** The value axis, its ticks and the unit, as the core chose them. */
    val axisMin: Double = 0.0,
    val axisMax: Double = 1.0,
    val ticks: List<ChartMark> = emptyList(),
    val unit: String = "",
    val references: List<ChartMark> = emptyList(),
    /** What TalkBack reads instead of the drawing: every point as text. */
    val a11y: String = "",
    val emptyText: String? = null,
    val error: String? = null,
)

/** Chart points from the core's series for the last days, weeks or months. */
class ChartViewModel(env: AppEnvironment, scope: CoroutineScope) : ScreenModel<ChartState>(ChartState(), env, scope) {
    /** Shows [kind] by [bucket]; either left out keeps what is on screen. */
    fun show(
        kind: VitalKind = current.kind,
        bucket: Bucket = current.buckets.firstOrNull { it.selected }?.value ?: Bucket.DAY,
    ): Job =
        launch {
            update { it.copy(loading = true, error = null) }
            attempt(Action.LOAD, { text -> update { it.copy(loading = false, error = text) } }) {
                val profile = env.onCore { activeProfile() } ?: throw ApiException.NoActiveProfile()
                val now = env.now()
                val offset = env.offsetMinutes(now)
                // The period, the axis and the reference lines are the core's.
                val chart = env.onCore { vitalChart(profile.id, kind, bucket, now, offset) }
                val words = env.words()
                val shown = chart.points.map { point(it.point, it.dayIndex.toInt(), kind, bucket, words) }
                val unit = words.values.unit(chart.unit)
                val title = words.values.kind(kind)
                update {
                    ChartState(
                        person = PersonHeader.of(profile, words),
                        kind = kind,
                        title = title,
                        kinds = VitalKind.entries.map { k -> Option(k, words.values.kind(k), k == kind) },
                        buckets = Bucket.entries.map { b -> Option(b, words.values.bucket(b), b == bucket) },
                        points = shown,
                        dayCount = chart.dayCount.toInt(),
                        firstLabel = words.dates.chartLabel(chart.first, Bucket.DAY),
                        lastLabel = words.dates.chartLabel(chart.last, Bucket.DAY),
                        axisMin = chart.axisMin,
                        axisMax = chart.axisMax,
                        ticks = chart.ticks.map { t -> ChartMark(t.value, t.shown) },
                        unit = unit,
                        references = chart.referenceLines.map { r -> ChartMark(r.value, words[StringKey.VALUE_WITH_UNIT, r.shown, unit]) },
                        a11y = words[StringKey.A11Y_CHART, title, shown.joinToString(" ") { p -> p.spoken }],
                        emptyText = if (shown.isEmpty()) words[StringKey.CHART_EMPTY] else null,
                    )
                }
            }
        }

    private fun point(p: SeriesPoint, dayIndex: Int, kind: VitalKind, bucket: Bucket, words: Wording): ChartPoint {
        val lower = p.diastolic?.mean
        val shownLower = p.shownDiastolic
        val text =
            when (kind) {
                VitalKind.BLOOD_PRESSURE ->
                    if (shownLower != null) words[StringKey.VALUE_BP, p.shownMean, shownLower] else p.shownMean
                VitalKind.WEIGHT -> words[StringKey.VALUE_WEIGHT, p.shownMean]
                VitalKind.TEMPERATURE -> words[StringKey.VALUE_TEMPERATURE, p.shownMean]
                // Series are in the core's canonical unit (mg/dL for glucose).
                VitalKind.GLUCOSE -> words[StringKey.VALUE_GLUCOSE_MG_DL, p.shownMean]
                VitalKind.STEPS -> words[StringKey.VALUE_STEPS, p.shownMean]
            }
        val spoken = words[StringKey.CHART_A11Y_POINT, words.dates.chartPeriod(p.start, bucket), text, words.numbers.whole(p.value.count.toULong())]
        return ChartPoint(words.dates.chartLabel(p.start, bucket), p.value.mean, lower, text, dayIndex, spoken)
    }
}
