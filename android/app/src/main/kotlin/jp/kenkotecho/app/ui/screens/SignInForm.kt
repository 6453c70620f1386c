package jp.kenkotecho.app.ui.screens

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.ChoiceGroup
import jp.kenkotecho.app.ui.components.ErrorText
import jp.kenkotecho.app.ui.components.SecondaryButton
import jp.kenkotecho.app.ui.components.TextInput
import jp.kenkotecho.app.ui.components.ToggleRow
import jp.kenkotecho.appmodel.signin.SignInMode
import jp.kenkotecho.appmodel.signin.SignInState
import jp.kenkotecho.appmodel.signin.SignInViewModel

/**
 * Sign in with a password, or the first time with the code from the letter. Codes and passwords
 * can be pasted (no forced transcription, WCAG 3.3.8); the password can be shown.
 */
@Composable
fun SignInForm(s: SignInState, vm: SignInViewModel, onLater: (() -> Unit)?) {
    var showPassword by remember { mutableStateOf(false) }
    val activating = s.modes.any { it.selected && it.value == SignInMode.ACTIVATE }
    BodyText(stringResource(R.string.sign_in_intro))
    s.error?.let { ErrorText(it) }
    if (s.modes.isNotEmpty()) ChoiceGroup(stringResource(R.string.sign_in_title), s.modes, vm::onMode)
    TextInput(stringResource(R.string.label_hm_code), s.hmCode, vm::onHmCode, error = s.hmCodeError)
    if (activating) TextInput(stringResource(R.string.label_activation_code), s.activationCode, vm::onActivationCode)
    TextInput(
        stringResource(R.string.label_password),
        s.password,
        vm::onPassword,
        keyboardType = KeyboardType.Password,
        password = !showPassword,
    )
    ToggleRow(stringResource(R.string.label_show_password), showPassword) { showPassword = it }
    BigButton(stringResource(if (activating) R.string.button_activate else R.string.button_sign_in), enabled = !s.busy) { vm.submit() }
    if (onLater != null) SecondaryButton(stringResource(R.string.button_later), onClick = onLater)
}
