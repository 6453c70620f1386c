package jp.kenkotecho.appmodel.support

import jp.kenkotecho.core.StructuredAppendHeader
import java.io.File
import java.nio.charset.Charset
import java.time.Clock
import java.time.ZonedDateTime

/**
 * A pharmacy receipt in every form a phone hands over (TECHO_FIXTURES, set by the workspace's
 * `cargo test`): `receipt.jahis` (CP932), one PNG per QR code of its Structured Append group, and
 * each code's data codewords.
 */
object Receipts {
    val dir: File
        get() =
            File(
                System.getenv("TECHO_FIXTURES")?.takeIf { it.isNotBlank() }
                    ?: throw AssertionError("TECHO_FIXTURES is not set: run through `cargo test -p techo-ffi --test shells`"),
            )

    /** The receipt as a JAHIS file: dispensed 2026-11-20 at テスト薬局 本通店, 28 days. */
    val jahis: ByteArray get() = File(dir, "receipt.jahis").readBytes()

    val photoCount: Int get() = generateSequence(1) { it + 1 }.takeWhile { File(dir, "receipt-qr-$it.png").exists() }.count()

    fun photo(i: Int): String = File(dir, "receipt-qr-$i.png").path

    /** The receipt as two QR codes would carry it: its bytes cut in two, with their headers. */
    fun inTwo(data: ByteArray = jahis): List<Pair<ByteArray, StructuredAppendHeader>> {
        val parity = data.fold(0) { acc, b -> acc xor (b.toInt() and 0xff) }.toUByte()
        val cut = data.size / 2
        return listOf(
            data.copyOfRange(0, cut) to StructuredAppendHeader(0u, 2u, parity),
            data.copyOfRange(cut, data.size) to StructuredAppendHeader(1u, 2u, parity),
        )
    }

    private val cp932: Charset = Charset.forName("windows-31j")

    /** Another small dispensing on [date] (yyyyMMdd) at [pharmacy], as a pharmacy's file would hold it. */
    fun dispensing(date: String, drug: String, pharmacy: String = "みどり薬局", code: String = "7654321"): ByteArray =
        (
            "JAHISTC08,1\r\n5,$date,1\r\n11,$pharmacy,34,4,$code,,,,1\r\n" +
                "201,1,$drug,1,錠,2,999000003,1\r\n301,1,【１日１回 朝食後】,7,日分,1,1,,1\r\n"
        ).toByteArray(cp932)

    /** The phone's clock on 1 December 2026 in Japan: the receipt's medicines are being taken. */
    val duringTheReceipt: Clock = Clock.fixed(ZonedDateTime.of(2026, 12, 1, 9, 0, 0, 0, TOKYO).toInstant(), TOKYO)

    /** 18 December 2026: the 28 days are over. */
    val afterTheReceipt: Clock = Clock.fixed(ZonedDateTime.of(2026, 12, 18, 9, 0, 0, 0, TOKYO).toInstant(), TOKYO)
}
