// FFI cost from Kotlin on the JVM (JNA): the same calls and batches as ffi_cost.rs measures in
// Rust. ffi_cost.rs drives it one batch at a time, interleaved with the Rust and Python batches,
// so that a change of load on the shared machine falls on every caller alike: each line
// `record N` or `list N` on stdin runs N calls and answers one line, the µs per call.
package jp.kenkotecho.bench

import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import jp.kenkotecho.core.*

class Keys : DeviceKeyStore {
    private val secrets = HashMap<String, ByteArray>()
    @Synchronized override fun load(name: String): ByteArray? = secrets[name]
    @Synchronized override fun save(name: String, secret: ByteArray) { secrets[name] = secret }
}

fun main() {
    val parent = System.getenv("TECHO_BENCH_DIR")?.let { Path.of(it) }
    val dir = if (parent != null) Files.createTempDirectory(parent, "ffi-cost-kt") else Files.createTempDirectory("ffi-cost-kt")
    TechoCore.open(CoreConfig(dir.toString(), "http://127.0.0.1:9"), Keys()).use { core ->
        val profile = core.addProfile("BENCH0001", "bench", Relationship.MYSELF).id
        val start = Instant.parse("2025-12-31T22:00:00Z")
        var n = 0L
        fun record() {
            n += 1
            core.recordVital(profile, VitalEntry(VitalInput.Steps("${1000 + n}"), start.plusSeconds(60 * n), 540, Source.SELF_ENTERED, null, null))
        }
        val query = VitalFilter(null, null, null, 100u, null)
        val input = System.`in`.bufferedReader()
        while (true) {
            val (op, count) = (input.readLine() ?: break).split(' ').let { it[0] to it[1].toInt() }
            val t = System.nanoTime()
            when (op) {
                "record" -> repeat(count) { record() }
                "list" -> repeat(count) { check(core.listVitals(profile, query).items.size == 100) }
                else -> error("unknown bench command $op")
            }
            val us = (System.nanoTime() - t) / 1e3 / count
            // Locale.ROOT: ffi_cost.rs parses a decimal point, whatever the machine's locale.
            println(String.format(java.util.Locale.ROOT, "%.3f", us))
            System.out.flush()
        }
    }
}
