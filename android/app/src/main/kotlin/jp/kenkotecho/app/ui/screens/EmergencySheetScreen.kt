package jp.kenkotecho.app.ui.screens

import android.net.Uri
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
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
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.core.content.FileProvider
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.emergency.WebViewSheetPrinter
import jp.kenkotecho.app.medications.MedicationFiles
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.ChoiceGroup
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.components.SecondaryButton
import jp.kenkotecho.app.ui.components.SectionTitle
import jp.kenkotecho.app.ui.components.TextInput
import jp.kenkotecho.app.ui.components.WaitingPhotos
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Option
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.emergency.EmergencySheetViewModel
import jp.kenkotecho.appmodel.emergency.SheetEditState
import jp.kenkotecho.core.SheetFieldKind
import kotlinx.coroutines.launch
import java.io.File

/** 命の宝箱: printing it for the fridge, the sheet by group, photos of the paper sheet, differences to settle, the versions. */
@Composable
fun EmergencySheetScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> EmergencySheetViewModel(env, scope, WebViewSheetPrinter()) }
    val s by vm.state.collectAsStateWithLifecycle()
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    LaunchedEffect(Unit) { vm.load() }

    val pickPhoto =
        rememberLauncherForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri ->
            if (uri != null) scope.launch { MedicationFiles.copyPhoto(context, uri)?.let { vm.addPhoto(it) } }
        }
    // The camera app writes into a file of ours that FileProvider hands it (res/xml/file_paths.xml).
    var cameraFile by remember { mutableStateOf<File?>(null) }
    val takePhoto =
        rememberLauncherForActivityResult(ActivityResultContracts.TakePicture()) { taken ->
            val file = cameraFile
            if (taken && file != null) vm.addPhoto(file.path)
        }
    fun cameraUri(): Uri {
        val file = File(File(context.cacheDir, "box-camera").apply { mkdirs() }, "page-${System.nanoTime()}.jpg")
        cameraFile = file
        return FileProvider.getUriForFile(context, "${context.packageName}.files", file)
    }

    ScreenFrame(s.title.ifEmpty { stringResource(R.string.box_title) }, person = s.person, onBack = nav::back) {
        s.notice?.let { NoticeCard(it) }
        val edit = s.edit
        if (edit != null) {
            EditGroup(edit, vm)
            return@ScreenFrame
        }
        BodyText(s.intro)
        s.reviewText?.let { NoticeCard(Notice(it, Tone.INFO)) }
        s.emptyText?.let { BodyText(it) }
        s.updatedText?.let { BodyText(it) }
        s.unsentText?.let { BodyText(it) }
        if (!s.loading) {
            BodyText(s.printExplain)
            BigButton(s.printLabel, enabled = !s.printing) { vm.print() }
        }

        if (s.conflicts.isNotEmpty()) {
            SectionTitle(stringResource(R.string.box_conflicts))
            BodyText(stringResource(R.string.box_conflict_intro))
            s.conflicts.forEach { c ->
                Text(c.label, style = MaterialTheme.typography.titleMedium)
                BodyText(c.ours)
                BodyText(c.theirs)
                SecondaryButton(stringResource(R.string.box_keep_ours)) { vm.chooseOurs(c.key) }
                SecondaryButton(stringResource(R.string.box_keep_theirs)) { vm.chooseTheirs(c.key) }
            }
        }

        s.groups.forEach { g ->
            SectionTitle(g.label)
            g.fields.forEach { f ->
                Text(f.label, style = MaterialTheme.typography.labelLarge)
                BodyText(f.shown)
            }
            SecondaryButton(stringResource(R.string.box_edit)) { vm.startEdit(g.key) }
        }

        SectionTitle(stringResource(R.string.box_pages))
        s.pagesEmptyText?.let { BodyText(it) }
        s.pages.forEach { p ->
            Text(p.title, style = MaterialTheme.typography.titleMedium)
            p.thumbnailPath?.let { path ->
                android.graphics.BitmapFactory.decodeFile(path)?.let { bitmap ->
                    Image(bitmap.asImageBitmap(), contentDescription = p.title, modifier = Modifier.fillMaxWidth().heightIn(max = 240.dp))
                }
            }
            val pending = s.pendingRemoval
            if (pending?.imageSha256 == p.imageSha256) {
                NoticeCard(Notice(pending.question, Tone.WARNING))
                BigButton(stringResource(R.string.box_remove_yes), enabled = !s.busy) { vm.confirmRemovePage() }
                SecondaryButton(stringResource(R.string.box_cancel)) { vm.cancelRemovePage() }
            } else {
                SecondaryButton(stringResource(R.string.box_remove_page), enabled = !s.busy) { vm.askRemovePage(p.imageSha256) }
            }
        }
        s.waiting?.let { w ->
            WaitingPhotos(w, s.pendingRemoval, s.busy, vm::askDiscardWaiting, { vm.confirmRemovePage() }, vm::cancelRemovePage)
        }
        BigButton(stringResource(R.string.box_add_photo), enabled = !s.busy) {
            pickPhoto.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly))
        }
        SecondaryButton(stringResource(R.string.box_take_photo), enabled = !s.busy) { takePhoto.launch(cameraUri()) }

        SectionTitle(stringResource(R.string.box_history))
        s.historyNote?.let { BodyText(it) }
        if (s.history.isEmpty()) BodyText(stringResource(R.string.box_history_empty))
        s.history.forEach { v ->
            Text(v.whenWho, style = MaterialTheme.typography.titleMedium)
            BodyText(v.changed)
        }
    }
}

/** One group's fields as large inputs; a refused value's problem stands under its field. */
@Composable
private fun EditGroup(edit: SheetEditState, vm: EmergencySheetViewModel) {
    SectionTitle(edit.title)
    edit.fields.forEach { f ->
        val value = edit.drafts[f.key].orEmpty()
        if (f.kind == SheetFieldKind.CHOICE) {
            ChoiceGroup(f.label, f.choices.map { Option(it.value, it.label, it.value == value) }) { vm.onDraft(f.key, it) }
            edit.errors[f.key]?.let { NoticeCard(Notice(it, Tone.ERROR)) }
        } else {
            TextInput(
                label = f.hint?.let { "${f.label}（$it）" } ?: f.label,
                value = value,
                onValueChange = { vm.onDraft(f.key, it) },
                error = edit.errors[f.key],
                keyboardType = if (f.kind == SheetFieldKind.PHONE) KeyboardType.Phone else KeyboardType.Text,
                singleLine = f.kind != SheetFieldKind.TEXT,
            )
        }
    }
    BigButton(stringResource(R.string.box_save), enabled = !edit.saving) { vm.saveEdit() }
    SecondaryButton(stringResource(R.string.box_cancel)) { vm.cancelEdit() }
}
