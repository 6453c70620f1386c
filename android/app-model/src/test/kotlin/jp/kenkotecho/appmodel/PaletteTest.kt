package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.style.Palette
import org.junit.Assert.assertEquals
import org.junit.Test

/** Every colour pair the screens draw reaches WCAG AA (4.5:1 text, 3:1 UI parts), light and dark. */
class PaletteTest {
    @Test
    fun contrastIsMeasuredTheWcagWay() {
        assertEquals(21.0, Palette.contrast(0xFF000000, 0xFFFFFFFF), 0.01)
        assertEquals(1.0, Palette.contrast(0xFF0B4F8A, 0xFF0B4F8A), 0.0001)
        assertEquals(4.48, Palette.contrast(0xFF777777, 0xFFFFFFFF), 0.01)
    }

    @Test
    fun everyPairReachesItsMinimumInBothThemes() {
        val short =
            listOf("light" to Palette.light, "dark" to Palette.dark).flatMap { (theme, scheme) ->
                Palette.pairs(scheme)
                    .filter { Palette.contrast(it.foreground, it.background) < it.minimum }
                    .map { "$theme ${it.name}: ${"%.2f".format(Palette.contrast(it.foreground, it.background))}" }
            }
        assertEquals(emptyList<String>(), short)
    }
}
