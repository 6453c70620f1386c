package jp.kenkotecho.appmodel.checkup

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.CheckupJudgement
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

/** One checkup's value of the item, worded: "2026年6月12日（金）　6.8 %　受診をすすめる値です。…". */
data class TrendPointRow(
    val dateText: String,
    val valueText: String,
    /** Which variant was measured, when the series has several (1回目, 2回目). */
    val variant: String?,
    val judgement: String,
    val judgementKind: CheckupJudgement,
    val tone: Tone,
    /** The whole point as one line, and as TalkBack reads it. */
    val line: String,
)

data class CheckupTrendState(
    val loading: Boolean = true,
    val person: PersonHeader? = null,
    val title: String = "",
    val intro: String = "",
    /** Oldest first, as the core gives them. */
    val points: List<TrendPointRow> = emptyList(),
    val emptyText: String? = null,
    val notice: Notice? = null,
)

/** An item across every checkup of the person, with its variants of the same series, each judged by the core. */
class CheckupTrendViewModel(
    env: AppEnvironment,
    scope: CoroutineScope,
    private val code: String,
    private val catalogue: ItemCatalogue = ItemCatalogue(),
) : ScreenModel<CheckupTrendState>(CheckupTrendState(), env, scope) {
    fun load(): Job =
        launch {
            attempt(Action.LOAD, { text -> update { it.copy(loading = false, notice = Notice(text, Tone.ERROR)) } }) {
                val profile = env.onCore { activeProfile() } ?: throw ApiException.NoActiveProfile()
                val series = env.onCore { checkupSeries(profile.id, code) }
                val words = env.words()
                val c = words.checkups
                // The points name the item; with none yet, the code list does (an unknown item: its code).
                val name = c.itemName(series.firstNotNullOfOrNull { it.plainName } ?: catalogue[code]?.plainName, code)
                val points =
                    series.map { p ->
                        val unit = p.unit
                        TrendPointRow(
                            dateText = c.date(p.date, ""),
                            valueText = c.value(p.shownValue, unit),
                            variant = p.variant,
                            judgement = c.judgement(p.judgement),
                            judgementKind = p.judgement,
                            tone = p.judgement.tone(),
                            line = c.trendPoint(p.date, p.shownValue, unit, p.judgement),
                        )
                    }
                update {
                    it.copy(
                        loading = false,
                        person = PersonHeader.of(profile, words),
                        title = c.trendTitle(name),
                        intro = words[StringKey.CHECKUP_TREND_INTRO],
                        points = points,
                        emptyText = if (points.isEmpty()) words[StringKey.CHECKUP_TREND_EMPTY] else null,
                        notice = null,
                    )
                }
            }
        }
}
