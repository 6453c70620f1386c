package jp.kenkotecho.app.ui.screens

import androidx.activity.compose.BackHandler
import androidx.compose.foundation.Image
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.Screen
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.CheckupItemCard
import jp.kenkotecho.app.ui.components.CheckupItemInput
import jp.kenkotecho.app.ui.components.CheckupItemPicker
import jp.kenkotecho.app.ui.components.ChoiceGroup
import jp.kenkotecho.app.ui.components.ErrorText
import jp.kenkotecho.app.ui.components.JudgementText
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.components.SecondaryButton
import jp.kenkotecho.app.ui.components.SectionTitle
import jp.kenkotecho.app.ui.components.TextInput
import jp.kenkotecho.app.ui.components.WaitingPhotos
import jp.kenkotecho.app.ui.components.rememberPhotoSources
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.checkup.CheckupDetailViewModel
import jp.kenkotecho.appmodel.checkup.DetailsEditState
import jp.kenkotecho.appmodel.checkup.ItemEditState
import jp.kenkotecho.core.Field
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.io.File

/**
 * One checkup: differences to settle first, then the results judged in words, the photos of the
 * result sheet, and the changes (an item, the details, a page, delete after asking). One task at
 * a time: while an item or the details are being written, only that form is shown.
 */
@Composable
fun CheckupDetailScreen(checkupId: String, justSaved: Boolean, nav: Nav) {
    val vm = rememberScreenModel { env, scope -> CheckupDetailViewModel(env, scope, checkupId, justSaved) }
    val s by vm.state.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    LaunchedEffect(Unit) { vm.load() }
    LaunchedEffect(s.deleted) { if (s.deleted) nav.back() }
    val photos =
        rememberPhotoSources("checkup-camera") { path ->
            scope.launch {
                vm.addPage(path).join()
                // Added or refused, the core has read it: the cache copy is not needed any more.
                withContext(Dispatchers.IO) { File(path).delete() }
            }
        }
    // A page in full, once its file is ready (downloaded first when another phone added it).
    var fullPage by remember { mutableStateOf<String?>(null) }

    // Back from a form or a page shown in full returns to the checkup, not to the list.
    val inside = s.picking || s.itemEdit != null || s.detailsEdit != null || fullPage != null
    fun closeInside() {
        when {
            fullPage != null -> fullPage = null
            s.picking -> vm.closePicker()
            s.itemEdit != null -> vm.cancelItem()
            else -> vm.cancelDetails()
        }
    }
    BackHandler(enabled = inside) { closeInside() }

    ScreenFrame(
        s.title.ifEmpty { stringResource(R.string.checkup_title) },
        person = s.person,
        onBack = { if (inside) closeInside() else nav.back() },
    ) {
        s.notice?.let { NoticeCard(it) }
        if (s.picking) {
            CheckupItemPicker(s.pickerGroups, onPick = vm::startNewItem, onCancel = vm::closePicker)
            return@ScreenFrame
        }
        val itemEdit = s.itemEdit
        if (itemEdit != null) {
            EditItem(itemEdit, vm)
            return@ScreenFrame
        }
        val detailsEdit = s.detailsEdit
        if (detailsEdit != null) {
            EditDetails(detailsEdit, vm)
            return@ScreenFrame
        }
        val page = fullPage
        if (page != null) {
            PageImage(page, stringResource(R.string.checkup_photos))
            SecondaryButton(stringResource(R.string.button_close)) { fullPage = null }
            return@ScreenFrame
        }

        s.institution?.let { BodyText(it) }
        s.noteText?.let { BodyText(it) }
        s.unsentText?.let { BodyText(it) }
        s.worst?.let { JudgementText(it, s.worstTone) }

        if (s.conflicts.isNotEmpty()) {
            SectionTitle(stringResource(R.string.box_conflicts))
            BodyText(stringResource(R.string.box_conflict_intro))
            s.conflicts.forEach { c ->
                Text(c.label, style = MaterialTheme.typography.titleMedium)
                BodyText(c.ours)
                BodyText(c.theirs)
                SecondaryButton(stringResource(R.string.box_keep_ours), enabled = !s.busy) { vm.chooseOurs(c.field) }
                SecondaryButton(stringResource(R.string.box_keep_theirs), enabled = !s.busy) { vm.chooseTheirs(c.field) }
            }
        }

        SectionTitle(stringResource(R.string.checkup_results))
        s.itemsEmptyText?.let { BodyText(it) }
        if (s.offerSheet) SecondaryButton(stringResource(R.string.checkup_write_sex)) { nav.push(Screen.EmergencySheet) }
        s.items.forEach { row ->
            CheckupItemCard(row) {
                SecondaryButton(stringResource(R.string.checkup_show_trend)) { nav.push(Screen.CheckupTrend(row.code)) }
                SecondaryButton(stringResource(R.string.checkup_change_value), enabled = !s.busy) { vm.startEditItem(row.code) }
                SecondaryButton(stringResource(R.string.checkup_remove_item), enabled = !s.busy) { vm.removeItem(row.code) }
            }
        }
        SecondaryButton(stringResource(R.string.checkup_add_item), enabled = !s.busy) { vm.openPicker() }

        SectionTitle(stringResource(R.string.checkup_photos))
        s.pagesEmptyText?.let { BodyText(it) }
        s.pages.forEach { p ->
            Text(p.title, style = MaterialTheme.typography.titleMedium)
            p.thumbnailPath?.let { PageImage(it, p.title) }
            SecondaryButton(stringResource(R.string.checkup_show_page, p.title)) { scope.launch { fullPage = vm.pageFile(p.imageSha256) } }
            val pending = s.pendingRemoval
            if (pending?.imageSha256 == p.imageSha256) {
                NoticeCard(Notice(pending.question, Tone.WARNING))
                BigButton(stringResource(R.string.box_remove_yes), enabled = !s.busy) { vm.confirmRemovePage() }
                SecondaryButton(stringResource(R.string.button_cancel)) { vm.cancelRemovePage() }
            } else {
                SecondaryButton(stringResource(R.string.box_remove_page), enabled = !s.busy) { vm.askRemovePage(p.imageSha256) }
            }
        }
        s.waiting?.let { w ->
            WaitingPhotos(w, s.pendingRemoval, s.busy, vm::askDiscardWaiting, { vm.confirmRemovePage() }, vm::cancelRemovePage) { sha, title ->
                SecondaryButton(stringResource(R.string.checkup_show_page, title)) { scope.launch { fullPage = vm.pageFile(sha) } }
            }
        }
        BigButton(stringResource(R.string.box_add_photo), enabled = !s.busy) { photos.pick() }
        SecondaryButton(stringResource(R.string.box_take_photo), enabled = !s.busy) { photos.take() }

        SecondaryButton(stringResource(R.string.checkup_edit_details), enabled = !s.busy) { vm.startEditDetails() }
        val question = s.deleteQuestion
        if (question != null) {
            NoticeCard(Notice(question, Tone.WARNING))
            BigButton(stringResource(R.string.checkup_delete_yes), enabled = !s.busy) { vm.confirmDelete() }
            SecondaryButton(stringResource(R.string.button_cancel)) { vm.cancelDelete() }
        } else {
            SecondaryButton(stringResource(R.string.checkup_delete), enabled = !s.busy) { vm.askDelete() }
        }
    }
}

/** A page's JPEG from the core's cache, as large as the screen is wide. */
@Composable
private fun PageImage(path: String, description: String) {
    val bitmap = remember(path) { android.graphics.BitmapFactory.decodeFile(path) }
    bitmap?.let {
        Image(it.asImageBitmap(), contentDescription = description, modifier = Modifier.fillMaxWidth().heightIn(max = 480.dp))
    }
}

@Composable
private fun EditItem(edit: ItemEditState, vm: CheckupDetailViewModel) {
    SectionTitle(stringResource(if (edit.isNew) R.string.checkup_add_item else R.string.checkup_change_value))
    CheckupItemInput(edit.draft, vm::onItemValue)
    BigButton(stringResource(R.string.button_save), enabled = !edit.saving) { vm.saveItem() }
    SecondaryButton(stringResource(R.string.button_cancel)) { vm.cancelItem() }
}

/** The date, kind, facility and note; a refused one has the core's problem under it. */
@Composable
private fun EditDetails(edit: DetailsEditState, vm: CheckupDetailViewModel) {
    val context = LocalContext.current
    SectionTitle(stringResource(R.string.checkup_edit_details))
    SectionTitle(stringResource(R.string.field_checkup_date))
    BodyText(edit.dateText)
    edit.errors[Field.CHECKUP_DATE]?.let { ErrorText(it) }
    edit.date?.let { day ->
        SecondaryButton(stringResource(R.string.checkup_change_date)) { showDatePicker(context, day) { y, m, d -> vm.chooseDate(y, m, d) } }
    }
    ChoiceGroup(stringResource(R.string.field_checkup_kind), edit.kinds, vm::chooseKind)
    edit.errors[Field.CHECKUP_KIND]?.let { ErrorText(it) }
    TextInput(stringResource(R.string.checkup_institution_hint), edit.institution, vm::onInstitution, error = edit.errors[Field.INSTITUTION])
    TextInput(stringResource(R.string.label_note), edit.note, vm::onNote, error = edit.errors[Field.NOTE], singleLine = false)
    BigButton(stringResource(R.string.button_save), enabled = !edit.saving) { vm.saveDetails() }
    SecondaryButton(stringResource(R.string.button_cancel)) { vm.cancelDetails() }
}
