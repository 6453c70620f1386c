// FFI cost from Kotlin on the JVM (JNA): the same calls and batches as ffi_cost.rs measures in
// Rust. Prints one line: `record_vital_us=<median> list100_us=<median>`.
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

fun median(xs: List<Double>): Double = xs.sorted().let { s -> if (s.size % 2 == 1) s[s.size / 2] else (s[s.size / 2 - 1] + s[s.size / 2]) / 2 }

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
        repeat(200) { record() } // also warms up the JIT
        val recordUs = (1..20).map {
            val t = System.nanoTime()
            repeat(100) { record() }
            (System.nanoTime() - t) / 1e3 / 100
        }
        val query = VitalFilter(null, null, null, 100u, null)
        repeat(200) { core.listVitals(profile, query) }
        val listUs = (1..20).map {
            val t = System.nanoTime()
            repeat(50) { check(core.listVitals(profile, query).items.size == 100) }
            (System.nanoTime() - t) / 1e3 / 50
        }
        println("record_vital_us=%.1f list100_us=%.1f".format(median(recordUs), median(listUs)))
    }
}
