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
import jp.kenkotecho.appmodel.medications.MedicationRow

/** One notebook entry; a tap opens it in full. Each medicine on its own line, in large type. */
@Composable
fun MedicationCard(row: MedicationRow, onOpen: () -> Unit) {
    Surface(
        color = MaterialTheme.colorScheme.surfaceVariant,
        shape = MaterialTheme.shapes.medium,
        modifier =
            Modifier
                .fillMaxWidth()
                .heightIn(min = 56.dp)
                .clickable(role = Role.Button, onClick = onOpen)
                .clearAndSetSemantics { contentDescription = row.a11y },
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(row.kindLabel, style = MaterialTheme.typography.labelMedium)
            Text(row.title, style = MaterialTheme.typography.titleMedium)
            row.names.forEach { Text(it, style = MaterialTheme.typography.bodyLarge) }
            row.dateText?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
            row.untilText?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
            Text(row.arrivalText, style = MaterialTheme.typography.bodySmall)
        }
    }
}
