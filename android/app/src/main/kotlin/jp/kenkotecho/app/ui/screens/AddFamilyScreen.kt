package jp.kenkotecho.app.ui.screens

import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.profile.AddPersonViewModel
import jp.kenkotecho.core.Relationship

/** Adds a family member's HM card; switching to them stays a separate, explicit tap. */
@Composable
fun AddFamilyScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> AddPersonViewModel(env, scope, Relationship.FAMILY) }
    val s by vm.state.collectAsStateWithLifecycle()

    ScreenFrame(stringResource(R.string.add_family_title), person = null, onBack = nav::back) {
        val added = s.added
        if (added != null) {
            NoticeCard(Notice(added.message, Tone.SUCCESS))
            BigButton(stringResource(R.string.nav_back)) { nav.back() }
        } else {
            PersonForm(s, vm, buttonText = stringResource(R.string.button_add))
        }
    }
}
