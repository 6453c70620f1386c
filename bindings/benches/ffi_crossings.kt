// What one FFI crossing costs from Kotlin, and what part of it is JNA's Structure handling rather
// than the call: run by scripts/ffi-crossings.sh, which compiles this file together with the
// committed generated bindings (same package and module, so the generated `internal` FFI
// declarations are reachable) and runs it against the optimised library.
//
// Every generated call makes a fresh `UniffiRustCallStatus` (a JNA Structure holding a nested
// RustBuffer Structure); the "status reused" rows make the same crossings with one status kept,
// so the difference between the rows is what constructing and later releasing those Structures
// costs. Medians of rounds, µs per case and per crossing.
package jp.kenkotecho.core

import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant

private class ProbeKeys : DeviceKeyStore {
    private val secrets = HashMap<String, ByteArray>()
    @Synchronized override fun load(name: String): ByteArray? = secrets[name]
    @Synchronized override fun save(name: String, secret: ByteArray) { secrets[name] = secret }
}

/// Native memory blocks JNA allocates and tracks per object `make` returns, read from JNA's
/// private registry of live blocks (null when this JNA version has none by that name). Garbage is
/// collected and the Cleaner left to finish first, so that its removals of older blocks do not
/// hide new ones.
private fun memoryBlocksPer(make: () -> Any): Double? = try {
    val field = com.sun.jna.Memory::class.java.getDeclaredField("allocatedMemory").apply { isAccessible = true }
    val live = field.get(null) as Map<*, *>
    var settled = -1
    while (settled != live.size) {
        settled = live.size
        System.gc()
        Thread.sleep(100)
    }
    val kept = arrayOfNulls<Any>(1000)
    val before = live.size
    for (i in kept.indices) kept[i] = make()
    val blocks = (live.size - before) / kept.size.toDouble()
    if (kept.all { it != null }) blocks else null
} catch (e: ReflectiveOperationException) {
    null
}

private class Case(val name: String, val crossings: Int, val calls: Int, val body: () -> Long)

fun main(args: Array<String>) {
    val rounds = args.getOrNull(0)?.toInt() ?: 15
    val parent = System.getenv("TECHO_BENCH_DIR")?.let { Path.of(it) } ?: Path.of(System.getProperty("java.io.tmpdir"))
    val dir = Files.createTempDirectory(parent, "ffi-crossings")
    TechoCore.open(CoreConfig(dir.toString(), "http://127.0.0.1:9"), ProbeKeys()).use { core ->
        val profile = core.addProfile("BENCH0001", "bench", Relationship.MYSELF).id
        val start = Instant.parse("2025-12-31T22:00:00Z")
        val now = Instant.now()
        // A handle of our own: each clone below is freed again, so the core's count is unchanged.
        val handle = core.uniffiCloneHandle()
        val kept = UniffiRustCallStatus()
        var n = 0L
        val cases = listOf(
            Case("plain export, no Structure", 1, 20_000) { IntegrityCheckingUniffiLib.ffi_techo_ffi_uniffi_contract_version().toLong() },
            Case("new UniffiRustCallStatus()", 0, 20_000) { UniffiRustCallStatus().code.toLong() },
            Case("clone+free handle, status reused", 2, 20_000) {
                UniffiLib.uniffi_techo_ffi_fn_free_techocore(UniffiLib.uniffi_techo_ffi_fn_clone_techocore(handle, kept), kept)
                0L
            },
            Case("clone+free handle, fresh statuses", 2, 20_000) {
                UniffiLib.uniffi_techo_ffi_fn_free_techocore(
                    UniffiLib.uniffi_techo_ffi_fn_clone_techocore(handle, UniffiRustCallStatus()),
                    UniffiRustCallStatus(),
                )
                0L
            },
            Case("rustbuffer alloc+free, status reused", 2, 20_000) {
                UniffiLib.ffi_techo_ffi_rustbuffer_free(UniffiLib.ffi_techo_ffi_rustbuffer_alloc(16L, kept), kept)
                0L
            },
            Case("rustbuffer alloc+free, as generated", 2, 20_000) {
                RustBuffer.free(RustBuffer.alloc(16UL))
                0L
            },
            Case("calendarDayAt", 3, 20_000) { calendarDayAt(now, 540).day.toLong() },
            Case("profiles", 3, 20_000) { core.profiles().size.toLong() },
            Case("recordVital", 5, 200) {
                n += 1
                val entry = VitalEntry(VitalInput.Steps("${1000 + n}"), start.plusSeconds(60 * n), 540, Source.SELF_ENTERED, null, null)
                core.recordVital(profile, entry).warnings.size.toLong()
            },
        )
        var sink = 0L
        for ((name, make) in listOf<Pair<String, () -> Any>>(
            "UniffiRustCallStatus" to { UniffiRustCallStatus() },
            "RustBuffer.ByValue" to { RustBuffer.ByValue() },
        )) {
            val blocks = memoryBlocksPer(make)?.let { String.format(java.util.Locale.ROOT, "%.1f", it) } ?: "unknown"
            println("native memory blocks JNA allocates per $name: $blocks")
        }
        println(String.format(java.util.Locale.ROOT, "%-38s %9s %10s %12s", "case", "crossings", "median µs", "µs/crossing"))
        for (case in cases) {
            val times = DoubleArray(rounds)
            for (r in 0 until rounds) {
                val t = System.nanoTime()
                repeat(case.calls) { sink += case.body() }
                times[r] = (System.nanoTime() - t) / 1e3 / case.calls
            }
            times.sort()
            val median = times[rounds / 2]
            val per = if (case.crossings > 0) String.format(java.util.Locale.ROOT, "%.2f", median / case.crossings) else "-"
            println(String.format(java.util.Locale.ROOT, "%-38s %9d %10.2f %12s", case.name, case.crossings, median, per))
        }
        UniffiLib.uniffi_techo_ffi_fn_free_techocore(handle, kept)
        // Keeps the JIT from discarding the measured calls' results.
        if (sink == Long.MIN_VALUE) println(sink)
    }
    // The store is on tmpfs by default: a run must not leave it taking memory.
    dir.toFile().deleteRecursively()
}
