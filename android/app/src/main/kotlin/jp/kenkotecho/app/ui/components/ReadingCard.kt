package jp.kenkotecho.app.ui.components

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.unit.dp
import jp.kenkotecho.appmodel.ReadingRow

/** One reading; a tap opens its details (correct or delete there, with its history). */
@Composable
fun ReadingCard(row: ReadingRow, onOpen: () -> Unit) {
    Surface(
        color = MaterialTheme.colorScheme.surfaceVariant,
        shape = MaterialTheme.shapes.medium,
        modifier =
            Modifier
                .fillMaxWidth()
                .heightIn(min = 56.dp)
                .clickable(role = Role.Button, onClick = onOpen)
                // One announcement for the card: kind, value, time and whether it was sent.
                .clearAndSetSemantics { contentDescription = row.a11y },
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(row.kindLabel, style = MaterialTheme.typography.labelMedium)
            Text(row.valueText, style = MaterialTheme.typography.titleMedium)
            Text(row.timeText + "  " + row.statusText, style = MaterialTheme.typography.bodyMedium)
        }
    }
}
