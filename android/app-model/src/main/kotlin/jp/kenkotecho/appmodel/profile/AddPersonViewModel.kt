package jp.kenkotecho.appmodel.profile

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.ConflictKind
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.Relationship
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job

data class AddPersonState(
    val hmCode: String = "",
    val hmCodeError: String? = null,
    val name: String = "",
    val nameError: String? = null,
    val formError: String? = null,
    val busy: Boolean = false,
    /** Set once the core added the person; the UI moves on. */
    val added: AddedPerson? = null,
)

data class AddedPerson(val profileId: String, val name: String, val message: String)

/**
 * Links an HM card to this phone as a person: the owner on first run ([Relationship.MYSELF]) or a
 * family member later. The core checks and normalises the HM code (full-width digits are fine).
 */
class AddPersonViewModel(
    env: AppEnvironment,
    scope: CoroutineScope,
    private val relationship: Relationship,
) : ScreenModel<AddPersonState>(AddPersonState(), env, scope) {
    fun onHmCode(text: String) = update { it.copy(hmCode = text, hmCodeError = null, formError = null) }

    fun onName(text: String) = update { it.copy(name = text, nameError = null, formError = null) }

    /** The person was taken off again (first run's back step): the form is editable once more. */
    fun reopen() = update { it.copy(added = null, busy = false) }

    fun showFormError(text: String) = update { it.copy(busy = false, formError = text) }

    fun submit(): Job =
        launch {
            val s = current
            if (s.busy) return@launch
            update { it.copy(busy = true, formError = null) }
            try {
                val profile = env.onCore { addProfile(s.hmCode, s.name, relationship) }
                val key = if (relationship == Relationship.MYSELF) StringKey.PROFILE_LINKED else StringKey.PROFILE_ADDED
                val added = AddedPerson(profile.id, profile.displayName, env.words()[key, profile.displayName])
                update { it.copy(busy = false, added = added) }
            } catch (e: CancellationException) {
                throw e
            } catch (e: ApiException.Validation) {
                val text = env.words().problems.validation(e.field, e.problem)
                update {
                    when (e.field) {
                        Field.HM_CODE -> it.copy(busy = false, hmCodeError = text)
                        Field.DISPLAY_NAME -> it.copy(busy = false, nameError = text)
                        else -> it.copy(busy = false, formError = text)
                    }
                }
            } catch (e: ApiException.Conflict) {
                // A number already on this phone is a problem with the number typed: shown beside it.
                val text = env.words().errors.message(e, Action.ADD_PERSON)
                update {
                    if (e.kind == ConflictKind.ALREADY_EXISTS) it.copy(busy = false, hmCodeError = text) else it.copy(busy = false, formError = text)
                }
            } catch (e: Exception) {
                update { it.copy(busy = false, formError = env.words().errors.message(e, Action.ADD_PERSON)) }
            }
        }
}
