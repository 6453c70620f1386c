// What one FFI crossing costs from Kotlin, and what part of it is JNA's Structure handling rather
// than the call: run by scripts/ffi-crossings.sh, which compiles this file together with the
// committed generated bindings (same package and module, so the generated `internal` FFI
// declarations are reachable) and runs it against the optimised library.
//
// UniFFI's own Kotlin makes a fresh `UniffiRustCallStatus` (a JNA Structure holding a nested
// RustBuffer Structure) for every call; ours (bindings/uniffi-bindgen) passes one of the thread's
// kept native blocks. The "new Structure each" rows make the crossings UniFFI's way (the Structure
// written before and read after, as JNA does for a Structure argument), the "kept block" rows with
// one block, so the difference between them is what constructing and later releasing those
// Structures costs; "as generated" is the shipped path. Medians of rounds, µs per case and per
// crossing.
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
        val kept: com.sun.jna.Pointer = com.sun.jna.Memory(UniffiRustCallStatus().size().toLong())
        // A call made UniFFI's way: a new Structure, written before the call and read after it.
        fun <T> uniffisWay(call: (com.sun.jna.Pointer) -> T): T {
            val status = UniffiRustCallStatus()
            status.write()
            return call(status.pointer).also { status.read() }
        }
        var n = 0L
        val recorded = core.recordVital(profile, VitalEntry(VitalInput.Steps("999"), start, 540, Source.SELF_ENTERED, null, null))
        val cases = listOf(
            Case("plain export, no Structure", 1, 20_000) { IntegrityCheckingUniffiLib.ffi_techo_ffi_uniffi_contract_version().toLong() },
            Case("new UniffiRustCallStatus()", 0, 20_000) { UniffiRustCallStatus().code.toLong() },
            Case("clone+free handle, kept block", 2, 20_000) {
                UniffiLib.uniffi_techo_ffi_fn_free_techocore(UniffiLib.uniffi_techo_ffi_fn_clone_techocore(handle, kept), kept)
                0L
            },
            Case("clone+free handle, new Structure each", 2, 20_000) {
                val clone = uniffisWay { UniffiLib.uniffi_techo_ffi_fn_clone_techocore(handle, it) }
                uniffisWay { UniffiLib.uniffi_techo_ffi_fn_free_techocore(clone, it) }
                0L
            },
            Case("rustbuffer alloc+free, kept block", 2, 20_000) {
                UniffiLib.ffi_techo_ffi_rustbuffer_free(UniffiLib.ffi_techo_ffi_rustbuffer_alloc(16L, kept), kept)
                0L
            },
            Case("rustbuffer alloc+free, new Structure each", 2, 20_000) {
                val buf = uniffisWay { UniffiLib.ffi_techo_ffi_rustbuffer_alloc(16L, it) }
                uniffisWay { UniffiLib.ffi_techo_ffi_rustbuffer_free(buf, it) }
                0L
            },
            Case("rustbuffer alloc+free, as generated", 2, 20_000) {
                RustBuffer.free(RustBuffer.alloc(16UL))
                0L
            },
            Case("calendarDayAt", 3, 20_000) { calendarDayAt(now, 540).day.toLong() },
            Case("profiles", 3, 20_000) { core.profiles().size.toLong() },
            // recordVital's Kotlin work without its call: its arguments lowered into buffers
            // (two allocs) and freed, and a RecordedVital like the one it returns written and read.
            Case("recordVital's arguments lowered", 2, 20_000) {
                val entry = VitalEntry(VitalInput.Steps("1234"), start, 540, Source.SELF_ENTERED, null, null)
                RustBuffer.free(FfiConverterString.lower(profile))
                RustBuffer.free(FfiConverterTypeVitalEntry.lower(entry))
                0L
            },
            Case("a RecordedVital lowered and lifted", 2, 20_000) {
                FfiConverterTypeRecordedVital.lift(FfiConverterTypeRecordedVital.lower(recorded)).warnings.size.toLong()
            },
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
            println("native memory blocks in JNA's registry per $name: $blocks")
        }
        println(String.format(java.util.Locale.ROOT, "%-42s %9s %10s %12s", "case", "crossings", "median µs", "µs/crossing"))
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
            println(String.format(java.util.Locale.ROOT, "%-42s %9d %10.2f %12s", case.name, case.crossings, median, per))
        }
        UniffiLib.uniffi_techo_ffi_fn_free_techocore(handle, kept)
        // Keeps the JIT from discarding the measured calls' results.
        if (sink == Long.MIN_VALUE) println(sink)
    }
    // The store is on tmpfs by default: a run must not leave it taking memory.
    dir.toFile().deleteRecursively()
}
