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
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import jp.kenkotecho.app.R
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.checkup.CheckupItemRow
import jp.kenkotecho.appmodel.checkup.CheckupRow
import jp.kenkotecho.appmodel.checkup.ItemDraft
import jp.kenkotecho.appmodel.checkup.ItemGroupRow
import jp.kenkotecho.appmodel.home.LatestCheckupRow

/** One checkup in the list; a tap opens it. TalkBack reads the card as one sentence. */
@Composable
fun CheckupCard(row: CheckupRow, onOpen: () -> Unit) {
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
            Text(row.title, style = MaterialTheme.typography.titleMedium)
            row.institution?.let { Text(it, style = MaterialTheme.typography.bodyLarge) }
            Text(row.counts, style = MaterialTheme.typography.bodyLarge)
            row.worst?.let { JudgementText(it, row.worstTone) }
            row.unsentText?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
            row.conflictText?.let { JudgementText(it, Tone.WARNING) }
        }
    }
}

/** The home screen's line for the newest checkup; a tap opens it. */
@Composable
fun LatestCheckupCard(row: LatestCheckupRow, onOpen: () -> Unit) {
    val (background, foreground) = toneColors(row.tone)
    Surface(
        color = background,
        shape = MaterialTheme.shapes.medium,
        modifier =
            Modifier
                .fillMaxWidth()
                .heightIn(min = 56.dp)
                .clickable(role = Role.Button, onClick = onOpen),
    ) {
        Text(row.text, style = MaterialTheme.typography.bodyLarge, color = foreground, modifier = Modifier.padding(16.dp))
    }
}

/** One result line with its judgement in words; the colour only repeats what the words say. */
@Composable
fun CheckupItemCard(row: CheckupItemRow, content: @Composable () -> Unit = {}) {
    Surface(color = MaterialTheme.colorScheme.surfaceVariant, shape = MaterialTheme.shapes.medium, modifier = Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Column(Modifier.fillMaxWidth().clearAndSetSemantics { contentDescription = row.a11y }) {
                Text(row.line, style = MaterialTheme.typography.titleMedium)
                row.variant?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
                JudgementText(row.judgement, row.tone)
            }
            content()
        }
    }
}

/** A judgement's words on the colour of its tone. */
@Composable
fun JudgementText(text: String, tone: Tone) {
    val (background, foreground) = toneColors(tone)
    Surface(color = background, shape = MaterialTheme.shapes.small, modifier = Modifier.fillMaxWidth()) {
        Text(text, style = MaterialTheme.typography.bodyLarge, color = foreground, modifier = Modifier.padding(8.dp))
    }
}

/** One item's value: a number typed with its unit beside it, or an ordinal chosen from its labels. */
@Composable
fun CheckupItemInput(draft: ItemDraft, onValue: (String) -> Unit) {
    if (draft.ordinal) {
        ChoiceGroup(draft.label, draft.choices, onValue)
        draft.error?.let { ErrorText(it) }
    } else {
        TextInput(
            label = draft.label,
            value = draft.text,
            onValueChange = onValue,
            error = draft.error,
            unit = draft.unit,
            // Only which keyboard opens; the core reads and checks whatever is typed.
            keyboardType = KeyboardType.Decimal,
        )
    }
}

/** Every item that can still be added, under its group; one large button each. */
@Composable
fun CheckupItemPicker(groups: List<ItemGroupRow>, onPick: (String) -> Unit, onCancel: () -> Unit) {
    BodyText(stringResource(R.string.checkup_pick_item))
    SecondaryButton(stringResource(R.string.button_cancel), onClick = onCancel)
    groups.forEach { g ->
        SectionTitle(g.name)
        g.items.forEach { item -> SecondaryButton(item.label) { onPick(item.code) } }
    }
    SecondaryButton(stringResource(R.string.button_cancel), onClick = onCancel)
}
