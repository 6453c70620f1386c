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

// Body text at least 7:1 against its background (ageing eyes lose contrast sensitivity); no blue
// on dark and no thin grey text (quality.md §4.2).
private val Light =
    lightColorScheme(
        primary = Color(0xFF0B4F8A),
        onPrimary = Color.White,
        primaryContainer = Color(0xFFDCE9F7),
        onPrimaryContainer = Color(0xFF001D36),
        secondary = Color(0xFF275E2B),
        onSecondary = Color.White,
        secondaryContainer = Color(0xFFDDF2DA),
        onSecondaryContainer = Color(0xFF0B2710),
        tertiaryContainer = Color(0xFFFFF1C7),
        onTertiaryContainer = Color(0xFF3A2A00),
        background = Color.White,
        onBackground = Color(0xFF111111),
        surface = Color.White,
        onSurface = Color(0xFF111111),
        surfaceVariant = Color(0xFFEEF1F4),
        onSurfaceVariant = Color(0xFF1C1C1C),
        outline = Color(0xFF4A4A4A),
        error = Color(0xFFA8001C),
        onError = Color.White,
        errorContainer = Color(0xFFFDE4E7),
        onErrorContainer = Color(0xFF4F000D),
    )

private val Dark =
    darkColorScheme(
        primary = Color(0xFFFFD27A),
        onPrimary = Color(0xFF1E1400),
        primaryContainer = Color(0xFF3B2F12),
        onPrimaryContainer = Color(0xFFFFEFCC),
        secondary = Color(0xFFA6E3A1),
        onSecondary = Color(0xFF06200A),
        secondaryContainer = Color(0xFF1E3A20),
        onSecondaryContainer = Color(0xFFE3F7DF),
        tertiaryContainer = Color(0xFF3D3000),
        onTertiaryContainer = Color(0xFFFFF0C2),
        background = Color.Black,
        onBackground = Color(0xFFF2F2F2),
        surface = Color.Black,
        onSurface = Color(0xFFF2F2F2),
        surfaceVariant = Color(0xFF222222),
        onSurfaceVariant = Color(0xFFEDEDED),
        outline = Color(0xFFBDBDBD),
        error = Color(0xFFFFB3B8),
        onError = Color(0xFF3F0009),
        errorContainer = Color(0xFF4F000D),
        onErrorContainer = Color(0xFFFFE4E7),
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
