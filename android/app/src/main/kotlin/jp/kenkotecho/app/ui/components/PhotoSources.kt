package jp.kenkotecho.app.ui.components

import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalContext
import androidx.core.content.FileProvider
import jp.kenkotecho.app.medications.MedicationFiles
import kotlinx.coroutines.launch
import java.io.File

/** Opens the photo picker or the camera; either way [onPhoto] gets a JPEG or PNG file the core can read. */
class PhotoSources(val pick: () -> Unit, val take: () -> Unit)

/**
 * The picker copies the chosen photo into the cache (HEIC re-encoded as JPEG); the camera app
 * writes into a file of ours in [cameraDir] that FileProvider hands it (res/xml/file_paths.xml).
 */
@Composable
fun rememberPhotoSources(cameraDir: String, onPhoto: (String) -> Unit): PhotoSources {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val pickPhoto =
        rememberLauncherForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri ->
            if (uri != null) scope.launch { MedicationFiles.copyPhoto(context, uri)?.let(onPhoto) }
        }
    var cameraFile by remember { mutableStateOf<File?>(null) }
    val takePhoto =
        rememberLauncherForActivityResult(ActivityResultContracts.TakePicture()) { taken ->
            val file = cameraFile
            if (taken && file != null) onPhoto(file.path)
        }
    return PhotoSources(
        pick = { pickPhoto.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly)) },
        take = {
            val file = File(File(context.cacheDir, cameraDir).apply { mkdirs() }, "page-${System.nanoTime()}.jpg")
            cameraFile = file
            takePhoto.launch(FileProvider.getUriForFile(context, "${context.packageName}.files", file))
        },
    )
}
