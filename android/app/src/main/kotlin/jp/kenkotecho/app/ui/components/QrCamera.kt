package jp.kenkotecho.app.ui.components

import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.Preview
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.LocalLifecycleOwner
import jp.kenkotecho.appmodel.medications.structuredAppendHeader
import jp.kenkotecho.core.StructuredAppendHeader
import java.util.concurrent.Executors
import zxingcpp.BarcodeReader

/**
 * The camera, looking for QR codes with zxing-cpp. Each code goes on as its data bytes (Kanji mode
 * as Shift_JIS bytes) with its Structured Append header: ML Kit drops that header, and the core
 * needs it to join a receipt's codes. The same code is reported on many frames; the view model
 * passes on only what is new.
 */
@Composable
fun QrCamera(description: String, onSymbol: (ByteArray, StructuredAppendHeader?) -> Unit) {
    val context = LocalContext.current
    val lifecycleOwner = LocalLifecycleOwner.current
    val previewView = remember { PreviewView(context) }
    val latest by rememberUpdatedState(onSymbol)

    DisposableEffect(lifecycleOwner) {
        val analyzer = Executors.newSingleThreadExecutor()
        val reader = BarcodeReader(BarcodeReader.Options(formats = setOf(BarcodeReader.Format.QR_CODE), tryHarder = true))
        val providerFuture = ProcessCameraProvider.getInstance(context)
        var provider: ProcessCameraProvider? = null
        providerFuture.addListener(
            {
                val cameras = providerFuture.get()
                provider = cameras
                val preview = Preview.Builder().build()
                preview.setSurfaceProvider(previewView.surfaceProvider)
                val analysis = ImageAnalysis.Builder().setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST).build()
                analysis.setAnalyzer(analyzer) { image ->
                    val found = image.use { runCatching { reader.read(it) }.getOrDefault(emptyList()) }
                    for (code in found) {
                        val bytes = code.bytes ?: continue
                        if (code.format != BarcodeReader.Format.QR_CODE || bytes.isEmpty()) continue
                        latest(bytes, structuredAppendHeader(code.sequenceIndex, code.sequenceSize, code.sequenceId))
                    }
                }
                cameras.unbindAll()
                cameras.bindToLifecycle(lifecycleOwner, CameraSelector.DEFAULT_BACK_CAMERA, preview, analysis)
            },
            ContextCompat.getMainExecutor(context),
        )
        onDispose {
            provider?.unbindAll()
            analyzer.shutdown()
        }
    }

    AndroidView(
        factory = { previewView },
        modifier = Modifier.fillMaxWidth().height(320.dp).semantics { contentDescription = description },
    )
}
