package jp.kenkotecho.app.ui.screens

import android.app.DatePickerDialog
import androidx.activity.compose.BackHandler
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.Screen
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.CheckupItemInput
import jp.kenkotecho.app.ui.components.CheckupItemPicker
import jp.kenkotecho.app.ui.components.ChoiceGroup
import jp.kenkotecho.app.ui.components.ErrorText
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.components.SecondaryButton
import jp.kenkotecho.app.ui.components.SectionTitle
import jp.kenkotecho.app.ui.components.TextInput
import jp.kenkotecho.app.ui.components.rememberPhotoSources
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.checkup.CheckupFormViewModel
import jp.kenkotecho.core.CalendarDay
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.File

/** A new checkup: date, kind, facility, photos of the result sheet, items, note; then save once. */
@Composable
fun CheckupFormScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> CheckupFormViewModel(env, scope) }
    val s by vm.state.collectAsStateWithLifecycle()
    val context = LocalContext.current
    LaunchedEffect(Unit) { if (vm.state.value.loading) vm.load() }
    // Saved: the form gives way to the new checkup, which says it was saved.
    LaunchedEffect(s.savedId) {
        s.savedId?.let { id ->
            // The core keeps its own encrypted copies: the photos in the cache are not needed any more.
            val paths = s.photos.map { it.path }
            withContext(Dispatchers.IO) { paths.forEach { File(it).delete() } }
            nav.back()
            nav.push(Screen.CheckupDetail(id, justSaved = true))
        }
    }
    val photos = rememberPhotoSources("checkup-camera") { vm.addPhoto(it) }
    // Back from the item picker returns to the form: what was typed must not be lost.
    BackHandler(enabled = s.picking) { vm.closePicker() }

    ScreenFrame(
        s.title.ifEmpty { stringResource(R.string.checkup_add) },
        person = s.person,
        onBack = { if (s.picking) vm.closePicker() else nav.back() },
    ) {
        s.notice?.let { NoticeCard(it) }
        if (s.picking) {
            CheckupItemPicker(s.pickerGroups, onPick = vm::addItem, onCancel = vm::closePicker)
            return@ScreenFrame
        }

        SectionTitle(stringResource(R.string.field_checkup_date))
        BodyText(s.dateText)
        s.dateError?.let { ErrorText(it) }
        SecondaryButton(stringResource(R.string.checkup_change_date), enabled = s.date != null) {
            s.date?.let { day -> showDatePicker(context, day) { y, m, d -> vm.chooseDate(y, m, d) } }
        }

        ChoiceGroup(stringResource(R.string.field_checkup_kind), s.kinds, vm::chooseKind)
        s.kindError?.let { ErrorText(it) }

        TextInput(stringResource(R.string.checkup_institution_hint), s.institution, vm::onInstitution, error = s.institutionError)

        SectionTitle(stringResource(R.string.checkup_photos))
        if (s.photos.isEmpty()) BodyText(stringResource(R.string.box_pages_empty))
        s.photos.forEach { p ->
            Text(p.title, style = MaterialTheme.typography.titleMedium)
            SecondaryButton(stringResource(R.string.box_remove_page)) { vm.removePhoto(p.path) }
        }
        s.photosError?.let { ErrorText(it) }
        BigButton(stringResource(R.string.box_add_photo), enabled = !s.saving) { photos.pick() }
        SecondaryButton(stringResource(R.string.box_take_photo), enabled = !s.saving) { photos.take() }

        SectionTitle(stringResource(R.string.field_items))
        s.itemsEmptyText?.let { BodyText(it) }
        s.itemsError?.let { ErrorText(it) }
        s.items.forEach { draft ->
            CheckupItemInput(draft) { vm.onItemValue(draft.code, it) }
            SecondaryButton(stringResource(R.string.checkup_remove_item)) { vm.removeItem(draft.code) }
        }
        SecondaryButton(stringResource(R.string.checkup_add_item), enabled = !s.saving) { vm.openPicker() }

        TextInput(stringResource(R.string.label_note), s.note, vm::onNote, error = s.noteError, singleLine = false)
        BigButton(stringResource(R.string.button_save), enabled = !s.loading && !s.saving) { vm.save() }
    }
}

/**
 * The platform's date picker on [day]; it hands back the month as 0–11, passed on as 1–12. No
 * date after today can be chosen (the core refuses one anyway).
 */
fun showDatePicker(context: android.content.Context, day: CalendarDay, onChosen: (Int, Int, Int) -> Unit) {
    DatePickerDialog(context, { _, year, month, dayOfMonth -> onChosen(year, month + 1, dayOfMonth) }, day.year, day.month.toInt() - 1, day.day.toInt())
        .apply { datePicker.maxDate = System.currentTimeMillis() }
        .show()
}
