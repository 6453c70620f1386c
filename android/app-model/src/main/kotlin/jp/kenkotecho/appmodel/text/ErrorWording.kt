package jp.kenkotecho.appmodel.text

import jp.kenkotecho.core.ApiException

/** What the person was doing when something failed: the same core error reads differently. */
enum class Action { LOAD, SAVE, DELETE, ADD_PERSON, SWITCH_PERSON, SIGN_IN, ACTIVATE, SIGN_OUT, SYNC, RETRY }

/** Plain sentences with a next step for every core error; no codes, no English reasons. */
class ErrorWording(private val table: StringTable, private val problems: ProblemWording) {
    fun message(error: Throwable, action: Action): String =
        when (error) {
            is ApiException.Validation -> problems.validation(error.field, error.problem)
            is ApiException.NotFound ->
                table[if (action == Action.SWITCH_PERSON) StringKey.ERROR_PERSON_NOT_FOUND else StringKey.ERROR_NOT_FOUND]
            // The facade says only "conflict"; adding a person can conflict in one way only.
            is ApiException.Conflict ->
                table[if (action == Action.ADD_PERSON) StringKey.ERROR_PROFILE_EXISTS else StringKey.ERROR_CONFLICT_READING]
            is ApiException.NoActiveProfile -> table[StringKey.ERROR_NO_PROFILE]
            is ApiException.KeyUnavailable, is ApiException.KeyChanged -> table[StringKey.ERROR_KEY]
            is ApiException.KeyStore -> table[StringKey.ERROR_KEY_STORE]
            is ApiException.UpdateRequired -> table[StringKey.ERROR_UPDATE_REQUIRED]
            is ApiException.StorageFull -> table[StringKey.ERROR_STORAGE_FULL]
            is ApiException.DataDamaged -> table[StringKey.ERROR_DATA_DAMAGED]
            is ApiException.Network -> table[StringKey.ERROR_NETWORK]
            is ApiException.Auth ->
                table[
                    when (action) {
                        Action.ACTIVATE -> StringKey.ERROR_ACTIVATE
                        Action.SIGN_IN -> StringKey.ERROR_SIGN_IN
                        else -> StringKey.SYNC_NEEDS_LOGIN
                    },
                ]
            else -> table[StringKey.ERROR_INTERNAL]
        }
}
