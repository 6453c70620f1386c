package jp.kenkotecho.app.ui.screens

import android.Manifest
import android.content.pm.PackageManager
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
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
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.kenkotecho.app.R
import jp.kenkotecho.app.medications.MedicationFiles
import jp.kenkotecho.app.ui.Nav
import jp.kenkotecho.app.ui.components.BigButton
import jp.kenkotecho.app.ui.components.BodyText
import jp.kenkotecho.app.ui.components.NoticeCard
import jp.kenkotecho.app.ui.components.QrCamera
import jp.kenkotecho.app.ui.components.ScreenFrame
import jp.kenkotecho.app.ui.components.SecondaryButton
import jp.kenkotecho.app.ui.rememberScreenModel
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.medications.MedicationScanViewModel
import kotlinx.coroutines.launch

/** Reading a receipt's QR codes with the camera, or from photos; "2枚中1枚 読み取りました" as it goes. */
@Composable
fun MedicationScanScreen(nav: Nav) {
    val vm = rememberScreenModel { env, scope -> MedicationScanViewModel(env, scope) }
    val s by vm.state.collectAsStateWithLifecycle()
    val context = LocalContext.current
    val scope = rememberCoroutineScope()

    var cameraAllowed by remember {
        mutableStateOf(ContextCompat.checkSelfPermission(context, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED)
    }
    var cameraRefused by remember { mutableStateOf(false) }
    val askCamera =
        rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
            cameraAllowed = granted
            cameraRefused = !granted
        }
    val pickPhoto =
        rememberLauncherForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri ->
            if (uri != null) scope.launch { MedicationFiles.copyPhoto(context, uri)?.let { vm.addPhoto(it) } }
        }
    LaunchedEffect(Unit) {
        MedicationFiles.clearPhotos(context)
        if (!cameraAllowed) askCamera.launch(Manifest.permission.CAMERA)
    }

    val title = stringResource(R.string.med_scan_title)
    ScreenFrame(title, person = s.person, onBack = nav::back) {
        BodyText(s.introText)
        if (cameraAllowed) {
            QrCamera(description = title, onSymbol = { data, header -> vm.addSymbol(data, header) })
        } else {
            if (cameraRefused) NoticeCard(Notice(stringResource(R.string.med_camera_denied), Tone.WARNING))
            SecondaryButton(stringResource(R.string.med_button_allow_camera)) { askCamera.launch(Manifest.permission.CAMERA) }
        }
        s.progressText?.let {
            Text(it, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite })
        }
        s.nextText?.let { BodyText(it) }
        s.result?.let { NoticeCard(it) }
        s.error?.let { NoticeCard(it) }
        BigButton(stringResource(R.string.med_button_photo), enabled = !s.busy) {
            pickPhoto.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly))
        }
        if (s.progressText != null) SecondaryButton(stringResource(R.string.med_button_restart)) { vm.reset() }
        SecondaryButton(stringResource(R.string.button_done)) { nav.back() }
    }
}
