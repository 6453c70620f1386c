package jp.kenkotecho.app.ui.screens

import androidx.compose.runtime.Composable
import androidx.compose.ui.res.stringResource
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.ErrorText
import jp.kenkotecho.app.ui.components.TextInput
import jp.kenkotecho.appmodel.profile.AddPersonState
import jp.kenkotecho.appmodel.profile.AddPersonViewModel

/** HM code and name; the core checks the code (full-width digits and hyphens are fine). */
@Composable
fun PersonForm(s: AddPersonState, vm: AddPersonViewModel, buttonText: String) {
    s.formError?.let { ErrorText(it) }
    TextInput(stringResource(R.string.label_hm_code), s.hmCode, vm::onHmCode, error = s.hmCodeError)
    TextInput(stringResource(R.string.label_name), s.name, vm::onName, error = s.nameError)
    BigButton(buttonText, enabled = !s.busy) { vm.submit() }
}
