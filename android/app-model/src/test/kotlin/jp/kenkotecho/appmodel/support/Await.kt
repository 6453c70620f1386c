package jp.kenkotecho.appmodel.support

import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeoutOrNull

/** Waits for a state instead of sleeping; fails with the last state seen. */
suspend fun <T> StateFlow<T>.await(what: String, timeoutMillis: Long = 15_000, predicate: (T) -> Boolean): T =
    withTimeoutOrNull(timeoutMillis) { first(predicate) }
        ?: throw AssertionError("timed out after $timeoutMillis ms waiting for $what; last state: $value")
