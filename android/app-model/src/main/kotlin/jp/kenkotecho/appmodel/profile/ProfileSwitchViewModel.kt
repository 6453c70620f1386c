package jp.kenkotecho.appmodel.profile

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.core.Profile
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

data class PersonChoice(val profileId: String, val name: String, val relationship: String, val active: Boolean, val a11y: String)

data class ProfileSwitchState(
    val loading: Boolean = true,
    val person: PersonHeader? = null,
    val people: List<PersonChoice> = emptyList(),
    val notice: Notice? = null,
)

/** Whose records the app shows and records: switching is always an explicit tap (U8). */
class ProfileSwitchViewModel(env: AppEnvironment, scope: CoroutineScope) :
    ScreenModel<ProfileSwitchState>(ProfileSwitchState(), env, scope) {
    fun load(): Job = launch { reload(notice = null) }

    fun choose(profileId: String): Job =
        launch {
            val done = attempt(Action.SWITCH_PERSON, ::showError) { env.onCore { setActiveProfile(profileId) } }
            if (done != null) {
                val name = current.people.firstOrNull { it.profileId == profileId }?.name.orEmpty()
                reload(Notice(env.words()[StringKey.PROFILE_SWITCHED, name], Tone.SUCCESS))
            }
        }

    private suspend fun reload(notice: Notice?) {
        attempt(Action.LOAD, ::showError) {
            val (people, active) = env.onCore { profiles() to activeProfile() }
            val words = env.words()
            update {
                ProfileSwitchState(
                    loading = false,
                    person = active?.let { p -> PersonHeader.of(p, words) },
                    people = people.map { p -> choice(p, p.id == active?.id) },
                    notice = notice,
                )
            }
        }
    }

    private fun choice(p: Profile, active: Boolean): PersonChoice {
        val words = env.words()
        val relation = words.values.relationship(p.relationship)
        return PersonChoice(p.id, p.displayName, relation, active, words[StringKey.PERSON_HEADER_A11Y, p.displayName, relation])
    }

    private fun showError(text: String) = update { it.copy(loading = false, notice = Notice(text, Tone.ERROR)) }
}
