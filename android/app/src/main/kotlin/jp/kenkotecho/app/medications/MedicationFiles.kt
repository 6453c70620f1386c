package jp.kenkotecho.app.medications

import android.content.Context
import android.content.Intent
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.net.Uri
import androidx.core.content.FileProvider
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.File

/**
 * The files around the medication notebook: a chosen JAHIS file read as bytes, a picked photo
 * copied where the core can read it, and the exported notebook offered to other apps. The core
 * reads and writes nothing outside its own directory; these only move bytes.
 */
object MedicationFiles {
    private const val PHOTOS = "receipt-photos"
    private const val SHARED = "shared"

    /** The bytes of a document the person chose; `null` when it cannot be opened. */
    suspend fun read(context: Context, uri: Uri): ByteArray? =
        withContext(Dispatchers.IO) {
            runCatching { context.contentResolver.openInputStream(uri)?.use { it.readBytes() } }.getOrNull()
        }

    /**
     * A picked photo as a cache file the core can open: JPEG and PNG as they are, other formats
     * (HEIC) re-encoded as JPEG. Anything unreadable is copied as is, so the core says what is wrong.
     */
    suspend fun copyPhoto(context: Context, uri: Uri): String? =
        withContext(Dispatchers.IO) {
            runCatching {
                val resolver = context.contentResolver
                val dir = File(context.cacheDir, PHOTOS).apply { mkdirs() }
                val type = resolver.getType(uri)
                val stamp = System.nanoTime()
                if (type != "image/jpeg" && type != "image/png") { // shell-logic-ok: a MIME type from the platform
                    val bitmap = resolver.openInputStream(uri)?.use { BitmapFactory.decodeStream(it) }
                    if (bitmap != null) {
                        val out = File(dir, "receipt-$stamp.jpg")
                        out.outputStream().use { bitmap.compress(Bitmap.CompressFormat.JPEG, 95, it) }
                        bitmap.recycle()
                        return@runCatching out.path
                    }
                }
                val out = File(dir, if (type == "image/png") "receipt-$stamp.png" else "receipt-$stamp.jpg") // shell-logic-ok: a MIME type from the platform
                resolver.openInputStream(uri)?.use { input -> out.outputStream().use { input.copyTo(it) } } ?: return@runCatching null
                out.path
            }.getOrNull()
        }

    /** Photos copied for an earlier scan: the core has read them. */
    suspend fun clearPhotos(context: Context) {
        withContext(Dispatchers.IO) { File(context.cacheDir, PHOTOS).listFiles()?.forEach { it.delete() } }
    }

    /** Offers the exported notebook to another app (a pharmacy's e-お薬手帳, mail, a file manager). */
    suspend fun share(context: Context, data: ByteArray, fileName: String, chooserTitle: String) {
        val file =
            withContext(Dispatchers.IO) {
                val dir = File(context.cacheDir, SHARED).apply { mkdirs() }
                File(dir, fileName).apply { writeBytes(data) }
            }
        // The authority declared for FileProvider in AndroidManifest.xml.
        val uri = FileProvider.getUriForFile(context, context.packageName + ".files", file)
        val send =
            Intent(Intent.ACTION_SEND).apply {
                // CP932 text: sent as bytes so that no app re-encodes it.
                type = "application/octet-stream"
                putExtra(Intent.EXTRA_STREAM, uri)
                addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
            }
        context.startActivity(Intent.createChooser(send, chooserTitle))
    }
}
