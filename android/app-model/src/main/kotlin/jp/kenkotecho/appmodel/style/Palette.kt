package jp.kenkotecho.appmodel.style

import kotlin.math.pow

/**
 * The app's colours, light and dark, as 0xAARRGGBB values the Compose theme is built from, and
 * the foreground/background pairs the screens draw with the contrast each must reach (WCAG 2.x:
 * 4.5:1 for text, 3:1 for UI parts such as borders). The iOS app uses the same colours
 * (`Palette.swift`); both apps' tests check every pair.
 */
data class Scheme(
    val primary: Long,
    val onPrimary: Long,
    val primaryContainer: Long,
    val onPrimaryContainer: Long,
    val secondary: Long,
    val onSecondary: Long,
    val secondaryContainer: Long,
    val onSecondaryContainer: Long,
    val tertiaryContainer: Long,
    val onTertiaryContainer: Long,
    val background: Long,
    val onBackground: Long,
    val surfaceVariant: Long,
    val onSurfaceVariant: Long,
    val outline: Long,
    val error: Long,
    val onError: Long,
    val errorContainer: Long,
    val onErrorContainer: Long,
)

/** A pair the screens draw: [foreground] on [background] must reach [minimum]. */
data class ColourPair(val name: String, val foreground: Long, val background: Long, val minimum: Double)

object Palette {
    // Body text at least 7:1 against its background (ageing eyes lose contrast sensitivity); no
    // blue on dark and no thin grey text.
    val light =
        Scheme(
            primary = 0xFF0B4F8A,
            onPrimary = 0xFFFFFFFF,
            primaryContainer = 0xFFDCE9F7,
            onPrimaryContainer = 0xFF001D36,
            secondary = 0xFF275E2B,
            onSecondary = 0xFFFFFFFF,
            secondaryContainer = 0xFFDDF2DA,
            onSecondaryContainer = 0xFF0B2710,
            tertiaryContainer = 0xFFFFF1C7,
            onTertiaryContainer = 0xFF3A2A00,
            background = 0xFFFFFFFF,
            onBackground = 0xFF111111,
            surfaceVariant = 0xFFEEF1F4,
            onSurfaceVariant = 0xFF1C1C1C,
            outline = 0xFF4A4A4A,
            error = 0xFFA8001C,
            onError = 0xFFFFFFFF,
            errorContainer = 0xFFFDE4E7,
            onErrorContainer = 0xFF4F000D,
        )

    val dark =
        Scheme(
            primary = 0xFFFFD27A,
            onPrimary = 0xFF1E1400,
            primaryContainer = 0xFF3B2F12,
            onPrimaryContainer = 0xFFFFEFCC,
            secondary = 0xFFA6E3A1,
            onSecondary = 0xFF06200A,
            secondaryContainer = 0xFF1E3A20,
            onSecondaryContainer = 0xFFE3F7DF,
            tertiaryContainer = 0xFF3D3000,
            onTertiaryContainer = 0xFFFFF0C2,
            background = 0xFF000000,
            onBackground = 0xFFF2F2F2,
            surfaceVariant = 0xFF222222,
            onSurfaceVariant = 0xFFEDEDED,
            outline = 0xFFBDBDBD,
            error = 0xFFFFB3B8,
            onError = 0xFF3F0009,
            errorContainer = 0xFF4F000D,
            onErrorContainer = 0xFFFFE4E7,
        )

    private const val TEXT = 4.5
    private const val UI_PART = 3.0

    /** Every pair the screens draw with, for one scheme. */
    fun pairs(s: Scheme): List<ColourPair> =
        listOf(
            ColourPair("text on background", s.onBackground, s.background, TEXT),
            ColourPair("secondary text on card", s.onSurfaceVariant, s.surfaceVariant, TEXT),
            ColourPair("link on background", s.primary, s.background, TEXT),
            ColourPair("button text", s.onPrimary, s.primary, TEXT),
            ColourPair("selected person", s.onPrimaryContainer, s.primaryContainer, TEXT),
            ColourPair("success text", s.onSecondaryContainer, s.secondaryContainer, TEXT),
            ColourPair("success line on background", s.secondary, s.background, TEXT),
            ColourPair("warning text", s.onTertiaryContainer, s.tertiaryContainer, TEXT),
            ColourPair("problem on background", s.error, s.background, TEXT),
            ColourPair("problem on card", s.error, s.surfaceVariant, TEXT),
            ColourPair("problem text", s.onErrorContainer, s.errorContainer, TEXT),
            ColourPair("field border", s.outline, s.background, UI_PART),
            ColourPair("chart line", s.primary, s.surfaceVariant, UI_PART),
            ColourPair("chart second line", s.secondary, s.background, UI_PART),
        )

    /** WCAG 2.x contrast ratio of two opaque colours: 1 (same) to 21 (black on white). */
    fun contrast(a: Long, b: Long): Double {
        val (la, lb) = luminance(a) to luminance(b)
        return (maxOf(la, lb) + 0.05) / (minOf(la, lb) + 0.05)
    }

    private fun luminance(argb: Long): Double {
        fun channel(shift: Int): Double {
            val c = ((argb shr shift) and 0xFF) / 255.0
            return if (c <= 0.04045) c / 12.92 else ((c + 0.055) / 1.055).pow(2.4)
        }
        return 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
    }
}
