package jp.kenkotecho.app.ui.components

import androidx.compose.foundation.Image
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import jp.kenkotecho.app.R
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.PendingPageRemoval
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.WaitingPages

/**
 * 「入りきらなかった写真」 on 命の宝箱 and on a checkup: why the photos wait, then each one with its
 * preview (read by TalkBack as 「入りきらなかった写真 1枚目」) and 「この写真を捨てる」, which asks first.
 * [extra] adds a screen's own buttons under a photo (the checkup's 「大きく見る」).
 */
@Composable
fun WaitingPhotos(
    waiting: WaitingPages,
    pending: PendingPageRemoval?,
    busy: Boolean,
    onAskDiscard: (String) -> Unit,
    onConfirm: () -> Unit,
    onCancel: () -> Unit,
    extra: @Composable (imageSha256: String, title: String) -> Unit = { _, _ -> },
) {
    SectionTitle(waiting.title)
    BodyText(waiting.explain)
    waiting.photos.forEach { p ->
        Text(p.title, style = MaterialTheme.typography.titleMedium)
        p.thumbnailPath?.let { path ->
            val bitmap = remember(path) { android.graphics.BitmapFactory.decodeFile(path) }
            bitmap?.let {
                Image(it.asImageBitmap(), contentDescription = p.description, modifier = Modifier.fillMaxWidth().heightIn(max = 240.dp))
            }
        }
        extra(p.imageSha256, p.title)
        if (pending?.imageSha256 == p.imageSha256) {
            NoticeCard(Notice(pending.question, Tone.WARNING))
            BigButton(stringResource(R.string.pages_waiting_discard_yes), enabled = !busy, onClick = onConfirm)
            SecondaryButton(stringResource(R.string.button_cancel), onClick = onCancel)
        } else {
            SecondaryButton(stringResource(R.string.pages_waiting_discard), enabled = !busy) { onAskDiscard(p.imageSha256) }
        }
    }
}
