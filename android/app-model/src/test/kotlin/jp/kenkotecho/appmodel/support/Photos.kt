package jp.kenkotecho.appmodel.support

import java.awt.image.BufferedImage
import java.io.File
import javax.imageio.ImageIO

/** Tiny JPEGs made on the spot, each different (its width), for tests that need many pages. */
object Photos {
    init {
        System.setProperty("java.awt.headless", "true")
    }

    /** Photo [n] in [dir]: 48 + n pixels wide, 64 high, a pattern so the core sees a real picture. */
    fun jpeg(dir: File, n: Int): String {
        val image = BufferedImage(48 + n, 64, BufferedImage.TYPE_INT_RGB)
        for (y in 0 until image.height) {
            for (x in 0 until image.width) image.setRGB(x, y, ((x * 7919 + y * 104_729 + n * 31) % 0xFFFFFF))
        }
        val file = File(dir, "photo-$n.jpg")
        check(ImageIO.write(image, "jpg", file)) { "no JPEG writer" }
        return file.path
    }
}
