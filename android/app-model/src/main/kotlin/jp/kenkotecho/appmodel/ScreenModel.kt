package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.text.Action
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * A screen's view model: plain Kotlin with a [StateFlow] the UI renders. Actions return the [Job]
 * they start so that tests (and callers that care) can wait for them; the UI just fires them.
 * [scope] is the owner's lifetime (Android `viewModelScope`, a test's own scope).
 */
abstract class ScreenModel<S>(
    initial: S,
    protected val env: AppEnvironment,
    protected val scope: CoroutineScope,
) {
    private val mutableState = MutableStateFlow(initial)
    val state: StateFlow<S> = mutableState.asStateFlow()

    protected val current: S get() = mutableState.value

    protected fun update(change: (S) -> S) = mutableState.update(change)

    protected fun launch(block: suspend CoroutineScope.() -> Unit): Job = scope.launch(block = block)

    /**
     * Runs [block]; any failure reaches [onFailure] already worded for [action]. Cancellation is
     * passed on, never shown.
     */
    protected suspend fun <T> attempt(action: Action, onFailure: (String) -> Unit, block: suspend () -> T): T? =
        try {
            block()
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            onFailure(env.words().errors.message(e, action))
            null
        }
}
