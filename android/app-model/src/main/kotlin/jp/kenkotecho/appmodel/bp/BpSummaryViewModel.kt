package jp.kenkotecho.appmodel.bp

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.BpContext
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

data class BpSummaryState(
    val loading: Boolean = true,
    val person: PersonHeader? = null,
    val period: String = "",
    /** The band of the 7-day average, or what is still missing before there is one. */
    val headline: String = "",
    val isolatedSystolic: String? = null,
    val morning: String = "",
    val evening: String = "",
    val disclaimer: String = "",
    val error: String? = null,
)

/** The JSH2019 home blood-pressure summary of the last 7 days, as information. */
class BpSummaryViewModel(env: AppEnvironment, scope: CoroutineScope) : ScreenModel<BpSummaryState>(BpSummaryState(), env, scope) {
    fun load(): Job =
        launch {
            attempt(Action.LOAD, { text -> update { it.copy(loading = false, error = text) } }) {
                val profile = env.onCore { activeProfile() } ?: throw ApiException.NoActiveProfile()
                val now = env.now()
                val summary = env.onCore { homeBpSummary(profile.id, now, env.offsetMinutes(now)) }
                val words = env.words()
                update {
                    BpSummaryState(
                        loading = false,
                        person = PersonHeader.of(profile, words),
                        period = words.bp.period(summary),
                        headline = words.bp.overall(summary),
                        isolatedSystolic = words.bp.isolatedSystolic(summary),
                        morning = words.bp.occasion(words.values.bpContext(BpContext.MORNING), summary.morning),
                        evening = words.bp.occasion(words.values.bpContext(BpContext.EVENING), summary.evening),
                        disclaimer = words.bp.disclaimer(),
                    )
                }
            }
        }
}
