package jp.kenkotecho.app.ui.theme

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Typography
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.sp
import jp.kenkotecho.appmodel.style.Palette

// The colours are the app-model's Palette (shared with iOS, every pair checked by PaletteTest).
private val Light =
    lightColorScheme(
        primary = Color(Palette.light.primary),
        onPrimary = Color(Palette.light.onPrimary),
        primaryContainer = Color(Palette.light.primaryContainer),
        onPrimaryContainer = Color(Palette.light.onPrimaryContainer),
        secondary = Color(Palette.light.secondary),
        onSecondary = Color(Palette.light.onSecondary),
        secondaryContainer = Color(Palette.light.secondaryContainer),
        onSecondaryContainer = Color(Palette.light.onSecondaryContainer),
        tertiaryContainer = Color(Palette.light.tertiaryContainer),
        onTertiaryContainer = Color(Palette.light.onTertiaryContainer),
        background = Color(Palette.light.background),
        onBackground = Color(Palette.light.onBackground),
        surface = Color(Palette.light.background),
        onSurface = Color(Palette.light.onBackground),
        surfaceVariant = Color(Palette.light.surfaceVariant),
        onSurfaceVariant = Color(Palette.light.onSurfaceVariant),
        outline = Color(Palette.light.outline),
        error = Color(Palette.light.error),
        onError = Color(Palette.light.onError),
        errorContainer = Color(Palette.light.errorContainer),
        onErrorContainer = Color(Palette.light.onErrorContainer),
    )

private val Dark =
    darkColorScheme(
        primary = Color(Palette.dark.primary),
        onPrimary = Color(Palette.dark.onPrimary),
        primaryContainer = Color(Palette.dark.primaryContainer),
        onPrimaryContainer = Color(Palette.dark.onPrimaryContainer),
        secondary = Color(Palette.dark.secondary),
        onSecondary = Color(Palette.dark.onSecondary),
        secondaryContainer = Color(Palette.dark.secondaryContainer),
        onSecondaryContainer = Color(Palette.dark.onSecondaryContainer),
        tertiaryContainer = Color(Palette.dark.tertiaryContainer),
        onTertiaryContainer = Color(Palette.dark.onTertiaryContainer),
        background = Color(Palette.dark.background),
        onBackground = Color(Palette.dark.onBackground),
        surface = Color(Palette.dark.background),
        onSurface = Color(Palette.dark.onBackground),
        surfaceVariant = Color(Palette.dark.surfaceVariant),
        onSurfaceVariant = Color(Palette.dark.onSurfaceVariant),
        outline = Color(Palette.dark.outline),
        error = Color(Palette.dark.error),
        onError = Color(Palette.dark.onError),
        errorContainer = Color(Palette.dark.errorContainer),
        onErrorContainer = Color(Palette.dark.onErrorContainer),
    )

// Sizes in sp, so the system font scale (up to 200 %) applies; containers never fix a height.
private val Large =
    Typography(
        headlineSmall = TextStyle(fontSize = 26.sp, lineHeight = 34.sp, fontWeight = FontWeight.Bold),
        titleLarge = TextStyle(fontSize = 24.sp, lineHeight = 32.sp, fontWeight = FontWeight.Bold),
        titleMedium = TextStyle(fontSize = 21.sp, lineHeight = 29.sp, fontWeight = FontWeight.SemiBold),
        bodyLarge = TextStyle(fontSize = 20.sp, lineHeight = 30.sp),
        bodyMedium = TextStyle(fontSize = 18.sp, lineHeight = 27.sp),
        labelLarge = TextStyle(fontSize = 20.sp, lineHeight = 26.sp, fontWeight = FontWeight.SemiBold),
        labelMedium = TextStyle(fontSize = 17.sp, lineHeight = 23.sp, fontWeight = FontWeight.Medium),
    )

@Composable
fun KenkoTechoTheme(content: @Composable () -> Unit) {
    MaterialTheme(colorScheme = if (isSystemInDarkTheme()) Dark else Light, typography = Large, content = content)
}
