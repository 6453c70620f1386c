package jp.kenkotecho.app.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.components.SecondaryButton
import jp.kenkotecho.app.ui.components.SectionTitle
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.medications.MedicationDetailViewModel
import jp.kenkotecho.appmodel.medications.RpRow

/** One notebook entry in full; a wrongly imported one can be taken off the lists after asking. */
@Composable
fun MedicationDetailScreen(medicationId: String, nav: Nav) {
    val vm = rememberScreenModel { env, scope -> MedicationDetailViewModel(env, scope, medicationId) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }

    ScreenFrame(stringResource(R.string.med_detail_title), person = s.person, onBack = nav::back) {
        s.notice?.let { NoticeCard(it) }
        Text(s.kindLabel, style = MaterialTheme.typography.labelMedium)
        Text(s.title, style = MaterialTheme.typography.headlineSmall)
        s.dateText?.let { BodyText(it) }
        s.untilText?.let { BodyText(it) }
        s.names.forEach { BodyText(it) }

        if (s.rps.isNotEmpty()) SectionTitle(stringResource(R.string.med_section_medicines))
        s.rps.forEach { rp -> RpCard(rp) }
        s.cautions.forEach { BodyText(it) }

        (s.pharmacyLines + s.prescriberLines).forEach { BodyText(it) }
        if (s.notes.isNotEmpty()) {
            SectionTitle(stringResource(R.string.med_section_notes))
            s.notes.forEach { BodyText(it) }
        }
        Text(s.arrivalText, style = MaterialTheme.typography.bodyMedium)

        if (s.canHide) {
            if (s.confirmingHide) {
                NoticeCard(Notice(stringResource(R.string.med_hide_question), Tone.WARNING))
                BigButton(stringResource(R.string.med_button_confirm_hide)) { vm.confirmHide() }
                SecondaryButton(stringResource(R.string.button_cancel)) { vm.cancelHide() }
            } else {
                SecondaryButton(stringResource(R.string.med_button_hide)) { vm.askHide() }
            }
        }
    }
}

/** Medicines taken the same way: each name large, its amount, then how to take them. */
@Composable
private fun RpCard(rp: RpRow) {
    Surface(color = MaterialTheme.colorScheme.surfaceVariant, shape = MaterialTheme.shapes.medium, modifier = Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            rp.formText?.let { Text(it, style = MaterialTheme.typography.labelMedium) }
            rp.drugs.forEach { drug ->
                Text(drug.name, style = MaterialTheme.typography.titleMedium)
                drug.genericName?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
                drug.doseLine?.let { Text(it, style = MaterialTheme.typography.bodyLarge) }
                drug.notes.forEach { Text(it, style = MaterialTheme.typography.bodyLarge) }
            }
            rp.howToTake?.let { Text(it, style = MaterialTheme.typography.bodyLarge) }
            rp.notes.forEach { Text(it, style = MaterialTheme.typography.bodyLarge) }
            rp.doctorText?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
        }
    }
}
