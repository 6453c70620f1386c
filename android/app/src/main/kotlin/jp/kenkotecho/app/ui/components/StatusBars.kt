package jp.kenkotecho.app.ui.components

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import jp.kenkotecho.app.R
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.text.SyncLine

/** Whose records are shown; TalkBack reads the name with the relationship. */
@Composable
fun PersonBar(person: PersonHeader) {
    Surface(Modifier.fillMaxWidth(), color = MaterialTheme.colorScheme.primaryContainer) {
        Text(
            person.text,
            style = MaterialTheme.typography.titleMedium,
            color = MaterialTheme.colorScheme.onPrimaryContainer,
            modifier = Modifier.padding(horizontal = 16.dp, vertical = 10.dp).semantics { contentDescription = person.a11y },
        )
    }
}

/** The sync line; changes are announced politely (offline is said, not only coloured). */
@Composable
fun SyncBar(line: SyncLine) {
    val label = stringResource(R.string.a11y_sync_status)
    val (background, foreground) = toneColors(line.tone)
    Surface(Modifier.fillMaxWidth(), color = background) {
        Text(
            line.text,
            style = MaterialTheme.typography.bodyMedium,
            color = foreground,
            modifier =
                Modifier.padding(horizontal = 16.dp, vertical = 8.dp).semantics {
                    contentDescription = "$label: ${line.text}"
                    liveRegion = LiveRegionMode.Polite
                },
        )
    }
}

/** A sentence for the person (result, warning or error with its next step). */
@Composable
fun NoticeCard(notice: Notice) {
    val (background, foreground) = toneColors(notice.tone)
    Surface(Modifier.fillMaxWidth(), color = background, shape = MaterialTheme.shapes.medium) {
        Text(
            notice.text,
            style = MaterialTheme.typography.bodyLarge,
            color = foreground,
            modifier = Modifier.padding(16.dp).semantics { liveRegion = LiveRegionMode.Polite },
        )
    }
}

@Composable
fun ErrorText(text: String) = NoticeCard(Notice(text, Tone.ERROR))

@Composable
internal fun toneColors(tone: Tone): Pair<Color, Color> {
    val c = MaterialTheme.colorScheme
    return when (tone) {
        Tone.INFO -> c.surfaceVariant to c.onSurfaceVariant
        Tone.SUCCESS -> c.secondaryContainer to c.onSecondaryContainer
        Tone.WARNING -> c.tertiaryContainer to c.onTertiaryContainer
        Tone.ERROR -> c.errorContainer to c.onErrorContainer
    }
}
