package jp.kenkotecho.appmodel.text

import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.AuthProblem
import jp.kenkotecho.core.ConflictKind
import jp.kenkotecho.core.ImportProblem
import jp.kenkotecho.core.PhotoProblem
import jp.kenkotecho.core.Wait
import jp.kenkotecho.core.WaitUnit

/** What the person was doing when something failed: the same core error reads differently. */
enum class Action { LOAD, SAVE, DELETE, ADD_PERSON, SWITCH_PERSON, SIGN_IN, ACTIVATE, SIGN_OUT, SYNC, RETRY }

/** Plain sentences with a next step for every core error; no codes, no English reasons. */
class ErrorWording(
    private val table: StringTable,
    private val problems: ProblemWording,
    private val numbers: NumberWording,
) {
    fun message(error: Throwable, action: Action): String =
        when (error) {
            is ApiException.Validation -> problems.validation(error.field, error.problem)
            is ApiException.DocumentField -> problems.documentField(error.problem)
            is ApiException.NotFound ->
                table[if (action == Action.SWITCH_PERSON) StringKey.ERROR_PERSON_NOT_FOUND else StringKey.ERROR_NOT_FOUND]
            is ApiException.Conflict -> conflict(error.kind)
            is ApiException.NoActiveProfile -> table[StringKey.ERROR_NO_PROFILE]
            is ApiException.KeyUnavailable, is ApiException.KeyChanged -> table[StringKey.ERROR_KEY]
            is ApiException.KeyStore -> table[StringKey.ERROR_KEY_STORE]
            is ApiException.UpdateRequired -> table[StringKey.ERROR_UPDATE_REQUIRED]
            is ApiException.StorageFull -> table[StringKey.ERROR_STORAGE_FULL]
            is ApiException.DataDamaged -> table[StringKey.ERROR_DATA_DAMAGED]
            is ApiException.Network -> table[StringKey.ERROR_NETWORK]
            is ApiException.Auth -> signIn(error.problem, action)
            is ApiException.Import -> importProblem(error.problem)
            is ApiException.Photo -> table[photoProblem(error.problem)]
            else -> table[StringKey.ERROR_INTERNAL]
        }

    /** Why the server refused; only a refusal without a reason depends on what the person was doing. */
    fun signIn(problem: AuthProblem, action: Action): String =
        when (problem) {
            AuthProblem.WrongCredentials -> table[StringKey.ERROR_WRONG_CREDENTIALS]
            AuthProblem.InvalidActivationCode -> table[StringKey.ERROR_INVALID_ACTIVATION_CODE]
            AuthProblem.WeakPassword -> table[StringKey.ERROR_WEAK_PASSWORD]
            is AuthProblem.TooManyAttempts -> tooManyAttempts(problem.wait)
            AuthProblem.Refused ->
                table[
                    when (action) {
                        Action.ACTIVATE -> StringKey.ERROR_ACTIVATE_REFUSED
                        Action.SIGN_IN -> StringKey.ERROR_SIGN_IN_REFUSED
                        // Outside the sign-in screen the way on is to sign in again from Settings.
                        else -> StringKey.SYNC_NEEDS_LOGIN
                    },
                ]
        }

    /** Why scanned or shared medication data was refused, and what to do instead. */
    fun importProblem(problem: ImportProblem): String = table[importProblemKey(problem)]

    private fun importProblemKey(problem: ImportProblem): StringKey =
        when (problem) {
            ImportProblem.PRESCRIPTION_SYMBOL -> StringKey.ERROR_PRESCRIPTION_QR
            ImportProblem.NOT_MEDICATION_DATA -> StringKey.ERROR_NOT_MEDICATION_DATA
            ImportProblem.OTHER_RECEIPT -> StringKey.ERROR_OTHER_RECEIPT
            ImportProblem.SCAN_AGAIN -> StringKey.ERROR_SCAN_AGAIN
            ImportProblem.UNREADABLE_CODE -> StringKey.ERROR_UNREADABLE_CODE
        }

    private fun photoProblem(problem: PhotoProblem): StringKey =
        when (problem) {
            PhotoProblem.UNSUPPORTED_FORMAT -> StringKey.ERROR_PHOTO_FORMAT
            PhotoProblem.TOO_LARGE -> StringKey.ERROR_PHOTO_TOO_LARGE
            PhotoProblem.DAMAGED -> StringKey.ERROR_PHOTO_DAMAGED
            PhotoProblem.NO_CODE_FOUND -> StringKey.ERROR_PHOTO_NO_CODE
        }

    /** What an action on a person or a reading collided with, and how to carry on. */
    fun conflict(kind: ConflictKind): String =
        table[
            when (kind) {
                ConflictKind.ALREADY_EXISTS -> StringKey.ERROR_PROFILE_EXISTS
                ConflictKind.CORRECTED_SINCE -> StringKey.ERROR_CONFLICT_CORRECTED
                ConflictKind.DELETED -> StringKey.ERROR_CONFLICT_DELETED
                ConflictKind.DIFFERENT_KIND -> StringKey.ERROR_CONFLICT_DIFFERENT_KIND
                ConflictKind.AMBIGUOUS -> StringKey.ERROR_CONFLICT_AMBIGUOUS
                ConflictKind.UNSENT_CHANGES -> StringKey.ERROR_UNSENT_CHANGES
            },
        ]

    /** The wait in the unit the core chose (seconds up to two minutes, then minutes rounded up). */
    private fun tooManyAttempts(wait: Wait): String =
        when (wait.unit) {
            WaitUnit.SECONDS -> table[StringKey.ERROR_TOO_MANY_ATTEMPTS_SECONDS, numbers.whole(wait.count)]
            WaitUnit.MINUTES -> table[StringKey.ERROR_TOO_MANY_ATTEMPTS_MINUTES, numbers.whole(wait.count)]
        }
}
