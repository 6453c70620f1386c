package jp.kenkotecho.app.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import jp.kenkotecho.appmodel.AppEnvironment
import kotlinx.coroutines.CoroutineScope

/** The open core's environment, provided once the core is ready. */
val LocalEnvironment = staticCompositionLocalOf<AppEnvironment> { error("the core is not open yet") }

/** Holds an :app-model view model for the screen's lifetime, on `viewModelScope`. */
class ModelHolder : ViewModel() {
    var model: Any? = null
}

/**
 * The screen's plain-Kotlin view model, created once per back-stack entry and kept across
 * configuration changes; its coroutines end when the entry leaves the stack.
 */
@Composable
inline fun <reified T : Any> rememberScreenModel(crossinline create: (AppEnvironment, CoroutineScope) -> T): T {
    val env = LocalEnvironment.current
    val holder = viewModel(key = T::class.java.name) { ModelHolder() }
    @Suppress("UNCHECKED_CAST")
    return (holder.model as T?) ?: create(env, holder.viewModelScope).also { holder.model = it }
}
