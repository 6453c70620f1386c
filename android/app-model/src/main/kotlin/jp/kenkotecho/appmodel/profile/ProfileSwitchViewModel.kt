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

/**
 * A removal waiting for the person's answer; the question says what would be lost. With unsent
 * changes that a sync can send, it offers [sendFirst] (send, then remove if nothing is left
 * unsent) beside [remove], which then removes without sending.
 */
data class PendingRemoval(
    val profileId: String,
    val question: String,
    val discardsUnsent: Boolean,
    val remove: String,
    val sendFirst: String?,
)

data class ProfileSwitchState(
    val loading: Boolean = true,
    val person: PersonHeader? = null,
    val people: List<PersonChoice> = emptyList(),
    val notice: Notice? = null,
    val pendingRemoval: PendingRemoval? = null,
    /** Sending before a removal: the remove buttons wait. */
    val busy: Boolean = false,
    /** A problem with the name typed for a rename, shown next to the field. */
    val renameError: String? = null,
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

    /** A new name for a person (a mistyped one, or "HM 34005678" after signing in). */
    fun rename(profileId: String, name: String): Job =
        launch {
            update { it.copy(renameError = null) }
            val renamed =
                attempt(Action.SWITCH_PERSON, { text -> update { it.copy(renameError = text) } }) {
                    env.onCore { renameProfile(profileId, name) }
                }
            if (renamed != null) reload(Notice(env.words()[StringKey.PROFILES_RENAMED, renamed.displayName], Tone.SUCCESS))
        }

    /** First step of removing a person: the question to confirm, saying what would be lost. */
    fun askToRemove(profileId: String): Job =
        launch {
            val name = current.people.firstOrNull { it.profileId == profileId }?.name ?: return@launch
            val (unsent, canSend) =
                attempt(Action.LOAD, ::showError) { env.onCore { unsentChanges(profileId) to canSendChanges(profileId) } } ?: return@launch
            val words = env.words()
            var question = words[StringKey.PROFILES_REMOVE_QUESTION, name]
            if (unsent > 0uL) question += "\n" + words[StringKey.PROFILES_REMOVE_UNSENT, words.numbers.whole(unsent)]
            val removal =
                if (unsent > 0uL) {
                    val sendFirst = if (canSend) words[StringKey.PROFILES_SEND_THEN_REMOVE] else null
                    PendingRemoval(profileId, question, true, words[StringKey.PROFILES_REMOVE_WITHOUT_SENDING], sendFirst)
                } else {
                    PendingRemoval(profileId, question, false, words[StringKey.PROFILES_REMOVE], null)
                }
            update { it.copy(pendingRemoval = removal) }
        }

    fun cancelRemoval() = update { it.copy(pendingRemoval = null) }

    /** The person confirmed: removes them (and, if the question said so, their unsent changes). */
    fun confirmRemoval(): Job =
        launch {
            val removal = current.pendingRemoval ?: return@launch
            val name = current.people.firstOrNull { it.profileId == removal.profileId }?.name.orEmpty()
            update { it.copy(pendingRemoval = null) }
            val done =
                attempt(Action.SWITCH_PERSON, ::showError) {
                    env.onCore { removeProfile(removal.profileId, removal.discardsUnsent) }
                }
            if (done != null) reload(Notice(env.words()[StringKey.PROFILES_REMOVED, name], Tone.SUCCESS))
        }

    /**
     * The person chose to send first: the core sends what the phone holds and removes them only
     * if nothing of theirs is left unsent; otherwise they stay, and the message says why.
     */
    fun sendThenRemove(): Job =
        launch {
            val removal = current.pendingRemoval ?: return@launch
            val name = current.people.firstOrNull { it.profileId == removal.profileId }?.name.orEmpty()
            val words = env.words()
            update { it.copy(pendingRemoval = null, busy = true, notice = Notice(words[StringKey.PROFILES_SENDING_FIRST], Tone.INFO)) }
            val done =
                attempt(Action.SWITCH_PERSON, ::showError) { env.core.sendThenRemoveProfile(removal.profileId, env.monitor) }
            update { it.copy(busy = false) }
            if (done != null) reload(Notice(words[StringKey.PROFILES_REMOVED, name], Tone.SUCCESS))
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
