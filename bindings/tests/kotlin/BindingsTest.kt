// Kotlin on the JVM against the real library (JNA) and a real sync server on 127.0.0.1.
// Driven by bindings/tests/foreign.rs, which builds the library, generates these bindings from
// it and passes the server through TECHO_* environment variables.
package jp.kenkotecho.bindingtest

import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import java.time.OffsetDateTime
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import jp.kenkotecho.core.*
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

const val JST = 540

fun env(name: String): String = System.getenv(name) ?: error("$name is not set; run through bindings/tests/foreign.rs")

/** The Android shell's Keystore stand-in: plain memory, so tests can lose or swap keys. */
class MemoryKeys : DeviceKeyStore {
    val secrets = ConcurrentHashMap<String, ByteArray>()
    override fun load(name: String): ByteArray? = secrets[name]?.copyOf()
    override fun save(name: String, secret: ByteArray) {
        secrets[name] = secret.copyOf()
    }
}

/** A key store that is locked (throws the typed error) or broken (throws anything else). */
class FailingKeys(private val unexpected: Boolean) : DeviceKeyStore {
    override fun load(name: String): ByteArray? =
        if (unexpected) throw IllegalStateException("keystore crashed") else throw ApiException.KeyStore("device locked")
    override fun save(name: String, secret: ByteArray) = throw ApiException.KeyStore("device locked")
}

class Recorder : SyncObserver {
    val progress = CopyOnWriteArrayList<SyncProgress>()
    val reports = CopyOnWriteArrayList<SyncReport>()
    val firstProgress = CountDownLatch(1)
    val finished = CountDownLatch(1)
    override fun onProgress(progress: SyncProgress) {
        this.progress.add(progress)
        firstProgress.countDown()
    }
    override fun onFinished(report: SyncReport) {
        reports.add(report)
        finished.countDown()
    }
}

fun tempDir(): Path = Files.createTempDirectory("techo-kotlin")

fun openCore(dir: Path = tempDir(), keys: DeviceKeyStore = MemoryKeys(), server: String = env("TECHO_SERVER_URL")) =
    TechoCore.open(CoreConfig(dir.toString(), server), keys)

/** JUnit wants void tests: the block's last value is dropped. */
fun withCore(block: (TechoCore) -> Unit) = openCore().use(block)

fun at(text: String): Instant = OffsetDateTime.parse(text).toInstant()

fun entry(input: VitalInput, whenText: String = "2026-11-20T07:30:00+09:00") =
    VitalEntry(input, at(whenText), JST, Source.SELF_ENTERED, null, null)

fun bp(sys: String, dia: String, pulse: String? = null) = VitalInput.BloodPressure(sys, dia, pulse, BpContext.MORNING)

inline fun <reified E : Throwable> expectThrows(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got $e", e)
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing was thrown")
}

/** Every current reading of a profile, following the cursor. */
fun allReadings(core: TechoCore, profileId: String): List<Vital> {
    val out = mutableListOf<Vital>()
    var cursor: String? = null
    do {
        val page = core.listVitals(profileId, VitalFilter(null, null, null, 500u, cursor))
        out += page.items
        cursor = page.nextCursor
    } while (cursor != null)
    return out
}

class ProfilesAndVitalsTest {
    @Test
    fun profilesAreAddedSwitchedAndRefusedTwice() = withCore { core ->
        assertTrue(core.deviceId().isNotEmpty())
        assertNull(core.activeProfile())
        assertTrue(core.profiles().isEmpty())
        // Full-width input from a Japanese keyboard is normalised by the core.
        val me = core.addProfile("ＫＴ１２３４５６", "山田 花子", Relationship.MYSELF)
        assertEquals("KT123456", me.hmCode)
        val mother = core.addProfile("KT654321", "山田 ハル", Relationship.FAMILY)
        core.setActiveProfile(me.id)
        assertEquals(me, core.activeProfile())
        core.setActiveProfile(mother.id)
        assertEquals(mother.id, core.activeProfile()?.id)
        // Typed on this phone for a family member: the core records it as proxy entry.
        assertEquals(Source.PROXY, core.recordVital(mother.id, entry(VitalInput.Steps("1200"))).vital.source)
        assertEquals(Source.SELF_ENTERED, core.recordVital(me.id, entry(VitalInput.Steps("1200"))).vital.source)
        assertEquals(setOf(me.id, mother.id), core.profiles().map { it.id }.toSet())
        val twice = expectThrows<ApiException.Conflict> { core.addProfile("KT-123456", "again", Relationship.MYSELF) }
        assertEquals(ConflictKind.ALREADY_EXISTS, twice.kind)
        val bad = expectThrows<ApiException.Validation> { core.addProfile("x", "short", Relationship.MYSELF) }
        assertEquals(Field.HM_CODE, bad.field)
        assertTrue(bad.problem is ValidationProblem.InvalidFormat)
        expectThrows<ApiException.NotFound> { core.setActiveProfile("not-a-uuid") }

        assertEquals("山田 はる", core.renameProfile(mother.id, "山田 はる").displayName)
        assertEquals(1uL, core.unsentChanges(mother.id))
        val unsent = expectThrows<ApiException.Conflict> { core.removeProfile(mother.id, false) }
        assertEquals(ConflictKind.UNSENT_CHANGES, unsent.kind)
        // Never signed in, nothing can be sent first: nothing is removed.
        assertFalse(core.canSendChanges(mother.id))
        val notSent = expectThrows<ApiException.Conflict> { runBlocking { core.sendThenRemoveProfile(mother.id, null) } }
        assertEquals(ConflictKind.UNSENT_CHANGES, notSent.kind)
        assertEquals(1uL, core.unsentChanges(mother.id))
        assertEquals(1uL, core.removeProfile(mother.id, true))
        assertEquals(listOf(me.id), core.profiles().map { it.id })
        assertEquals(me.id, core.activeProfile()?.id)
        assertTrue(startOverOffered(ApiException.KeyUnavailable()))
        assertFalse(startOverOffered(ApiException.StorageFull()))
    }

    @Test
    fun everyKindIsRecordedAsTypedAndConvertedByTheCore() = withCore { core ->
        val p = core.addProfile("KT000001", "テスト", Relationship.MYSELF).id
        val weight = core.recordVital(p, entry(VitalInput.Weight("６１．２")))
        assertEquals(VitalValue.Weight(61.2), weight.vital.value)
        assertEquals(VitalInput.Weight("61.2"), weight.vital.asInput)
        assertEquals(VitalKind.WEIGHT, weight.vital.kind)
        assertEquals(JST, weight.vital.utcOffsetMinutes)
        assertEquals(at("2026-11-20T07:30:00+09:00"), weight.vital.measuredAt)
        assertFalse(weight.vital.synced)

        val high = core.recordVital(p, entry(bp("185", "95", "70")))
        assertTrue("a high reading is saved with a warning", high.warnings.any { it.field == Field.SYSTOLIC })
        assertEquals(VitalValue.BloodPressure(185u, 95u, 70u, BpContext.MORNING), high.vital.value)

        val glucose = core.recordVital(p, entry(VitalInput.Glucose("5.5", GlucoseUnit.MMOL_PER_L, GlucoseTiming.FASTING)))
        val g = glucose.vital.value as VitalValue.Glucose
        assertEquals(99.0, g.mgDl, 0.0)
        assertEquals(5.5, g.value, 0.0)
        assertEquals(ShownValue("5.5", null, null, "99"), glucose.vital.shown)
        assertEquals(ShownValue("185", "95", "70", null), high.vital.shown)
        assertEquals("180", high.warnings.first { it.field == Field.SYSTOLIC }.shownThreshold)

        val temp = core.recordVital(p, entry(VitalInput.Temperature("36.6")))
        assertEquals(VitalValue.Temperature(36.6), temp.vital.value)
        val steps = core.recordVital(p, entry(VitalInput.Steps("8,000")))
        assertEquals(VitalValue.Steps(8000u), steps.vital.value)
        assertEquals("8,000", steps.vital.shown.value)
        assertEquals(5, core.latestVitals(p).size)
    }

    @Test
    fun badInputIsATypedErrorNamingTheFieldAndSavesNothing() = withCore { core ->
        val p = core.addProfile("KT000002", "テスト", Relationship.MYSELF).id
        val nan = expectThrows<ApiException.Validation> { core.recordVital(p, entry(VitalInput.Weight("abc"))) }
        assertEquals(Field.WEIGHT, nan.field)
        assertEquals(ValidationProblem.NotANumber, nan.problem)
        assertFalse("the message never echoes the input", nan.message.contains("abc"))

        val range = expectThrows<ApiException.Validation> { core.recordVital(p, entry(bp("400", "80"))) }
        assertEquals(Field.SYSTOLIC, range.field)
        val r = range.problem as ValidationProblem.OutOfRange
        assertEquals("mmHg", r.unit)

        val order = expectThrows<ApiException.Validation> { core.recordVital(p, entry(bp("120", "130"))) }
        assertEquals(Field.DIASTOLIC, order.field)
        assertEquals(ValidationProblem.NotBelowSystolic, order.problem)

        val future = expectThrows<ApiException.Validation> {
            core.recordVital(p, VitalEntry(VitalInput.Steps("10"), Instant.now().plusSeconds(86_400), JST, Source.SELF_ENTERED, null, null))
        }
        assertEquals(Field.MEASURED_AT, future.field)
        assertEquals(ValidationProblem.InTheFuture, future.problem)
        expectThrows<ApiException.Internal> {
            core.recordVital(p, VitalEntry(VitalInput.Steps("10"), at("2026-11-20T07:30:00+09:00"), 100_000, Source.SELF_ENTERED, null, null))
        }
        expectThrows<ApiException.NotFound> { core.recordVital("0190f0f0-0000-7000-8000-000000000000", entry(VitalInput.Steps("10"))) }
        assertTrue(core.latestVitals(p).isEmpty())
        assertEquals(0uL, core.syncStatus().pending)
        assertEquals(SyncState.NotSignedIn, core.syncStatus().state)
    }

    @Test
    fun listsPageAndCorrectionsKeepHistory() = withCore { core ->
        val p = core.addProfile("KT000003", "テスト", Relationship.MYSELF).id
        for (i in 0 until 5) core.recordVital(p, entry(VitalInput.Weight("60.$i"), "2026-11-1${i}T07:00:00+09:00"))
        val first = core.listVitals(p, VitalFilter(VitalKind.WEIGHT, null, null, 2u, null))
        assertEquals(2, first.items.size)
        assertEquals("newest first", VitalValue.Weight(60.4), first.items[0].value)
        val second = core.listVitals(p, VitalFilter(VitalKind.WEIGHT, null, null, 2u, first.nextCursor))
        assertEquals(VitalValue.Weight(60.2), second.items[0].value)
        assertEquals(5, allReadings(core, p).size)
        val ranged = core.listVitals(p, VitalFilter(null, at("2026-11-12T00:00:00+09:00"), at("2026-11-14T00:00:00+09:00"), 0u, null))
        assertEquals(2, ranged.items.size)
        expectThrows<ApiException.Validation> { core.listVitals(p, VitalFilter(null, null, null, 2u, "garbage")) }

        val original = first.items[0]
        val corrected = core.amendVital(original.id, entry(VitalInput.Weight("60.45"), "2026-11-14T07:00:00+09:00"))
        assertEquals(original.id, corrected.vital.amends)
        assertEquals(listOf(original.id, corrected.vital.id), core.vitalHistory(corrected.vital.id).map { it.id })
        assertEquals(ConflictKind.CORRECTED_SINCE, expectThrows<ApiException.Conflict> { core.amendVital(original.id, entry(VitalInput.Weight("61"))) }.kind)
        assertEquals(ConflictKind.DIFFERENT_KIND, expectThrows<ApiException.Conflict> { core.amendVital(corrected.vital.id, entry(VitalInput.Steps("61"))) }.kind)

        val deleted = core.deleteVital(corrected.vital.id)
        assertNotNull(deleted.deletedAt)
        assertNotNull(core.getVital(corrected.vital.id).deletedAt)
        assertEquals(4, allReadings(core, p).size)
        assertEquals(ConflictKind.DELETED, expectThrows<ApiException.Conflict> { core.deleteVital(corrected.vital.id) }.kind)
        expectThrows<ApiException.NotFound> { core.getVital("0190f0f0-0000-7000-8000-000000000000") }
    }

    /** The bindings keep one call status per thread and nesting level (bindings/uniffi-bindgen): a
     *  call made from inside a callback, on the caller's thread, must neither take nor hide the
     *  outer call's outcome. */
    @Test
    fun aCallMadeFromInsideACallbackKeepsItsOwnOutcome() {
        val caller = Thread.currentThread()
        val impossible = PickedDateTime(CalendarDay(2026, 2u, 30u), 7u, 0u)
        val tokyo = object : PhoneZone {
            override fun utcOffsetSecondsAt(at: Instant): Int = JST * 60
        }
        // Asserting inside a callback would not reach JUnit (JNA swallows a callback's Error), so
        // the callbacks note what they saw and the test checks it afterwards.
        val threads = CopyOnWriteArrayList<Thread>()
        var refusedInside = 0
        var answeredInside: PickedDateTime? = null
        // A refused call inside the callback; the outer call still succeeds with its own answer.
        val refusingZone = object : PhoneZone {
            override fun utcOffsetSecondsAt(at: Instant): Int {
                threads.add(Thread.currentThread())
                try {
                    readingTime(impossible, null, tokyo)
                } catch (e: ApiException.Internal) {
                    refusedInside += 1
                }
                return JST * 60
            }
        }
        val picked = PickedDateTime(CalendarDay(2026, 11u, 20u), 7u, 30u)
        assertEquals(at("2026-11-20T07:30:00+09:00"), readingTime(picked, null, refusingZone).at)
        assertTrue(refusedInside > 0)
        // A call inside the callback succeeds; the outer call's refusal still reaches its caller.
        val lockedAfterAsking = object : DeviceKeyStore {
            override fun load(name: String): ByteArray? {
                threads.add(Thread.currentThread())
                answeredInside = pickedDateTime(at("2026-11-20T07:30:00+09:00"), JST)
                throw ApiException.KeyStore("device locked")
            }
            override fun save(name: String, secret: ByteArray) = throw ApiException.KeyStore("device locked")
        }
        expectThrows<ApiException.KeyStore> { openCore(keys = lockedAfterAsking) }
        assertEquals(picked, answeredInside)
        assertTrue("the callbacks ran nested, on the calling thread", threads.isNotEmpty() && threads.all { it === caller })
        // And the thread's statuses are all given back: plain calls and refusals still read right.
        assertEquals(picked, pickedDateTime(at("2026-11-20T07:30:00+09:00"), JST))
        expectThrows<ApiException.Internal> { readingTime(impossible, null, tokyo) }
    }

    @Test
    fun aPickedTimeIsReadInThePhoneZoneOrInTheCorrectedReadingsOwnOffset() {
        val newYork = object : PhoneZone {
            override fun utcOffsetSecondsAt(at: Instant): Int = java.time.ZoneId.of("America/New_York").rules.getOffset(at).totalSeconds
        }
        fun picked(month: UInt, day: UInt, hour: UInt, minute: UInt) = PickedDateTime(CalendarDay(2026, month, day), hour, minute)
        // New York's clocks went from 02:00 to 03:00 on 8 March 2026: 02:30 moves forward by the gap.
        val skipped = readingTime(picked(3u, 8u, 2u, 30u), null, newYork)
        assertEquals(Instant.parse("2026-03-08T07:30:00Z"), skipped.at)
        assertEquals(-240, skipped.utcOffsetMinutes)
        assertEquals(picked(3u, 8u, 3u, 30u), skipped.shown)
        // 01:30 on 1 November happened twice: the earlier one.
        assertEquals(Instant.parse("2026-11-01T05:30:00Z"), readingTime(picked(11u, 1u, 1u, 30u), null, newYork).at)
        // A reading taken in Japan and corrected in New York is read in its own +09:00.
        val kept = readingTime(picked(3u, 8u, 2u, 30u), JST, newYork)
        assertEquals(Instant.parse("2026-03-07T17:30:00Z"), kept.at)
        assertEquals(JST, kept.utcOffsetMinutes)
        assertEquals(picked(3u, 8u, 2u, 30u), pickedDateTime(kept.at, JST))
        expectThrows<ApiException.Internal> { readingTime(picked(2u, 30u, 7u, 0u), null, newYork) }
    }

    @Test
    fun chartsSummaryAndHomeScreenComeFromTheCore() = withCore { core ->
        val p = core.addProfile("KT000004", "テスト", Relationship.MYSELF).id
        val today = calendarDayAt(at("2026-11-20T21:00:00+09:00"), JST)
        assertEquals(CalendarDay(2026, 11u, 20u), today)
        assertEquals(CalendarDay(2026, 10u, 31u), calendarDayAdd(today, -20))
        expectThrows<ApiException.Internal> { calendarDayAdd(CalendarDay(2026, 2u, 30u), 1) }
        for (d in 14..20) {
            core.recordVital(p, entry(bp("${130 + d}", "85"), "2026-11-${d}T07:00:00+09:00"))
            core.recordVital(p, VitalEntry(VitalInput.BloodPressure("${120 + d}", "80", null, BpContext.EVENING), at("2026-11-${d}T21:00:00+09:00"), JST, Source.DEVICE, "HEM-7600T", null))
        }
        val daily = core.vitalSeries(p, VitalKind.BLOOD_PRESSURE, calendarDayAdd(today, -6), today, Bucket.DAY)
        assertEquals(7, daily.size)
        assertEquals(2u, daily[0].value.count)
        assertNotNull(daily[0].diastolic)
        val weekly = core.vitalSeries(p, VitalKind.BLOOD_PRESSURE, calendarDayAdd(today, -6), today, Bucket.WEEK)
        assertEquals(listOf(CalendarDay(2026, 11u, 9u), CalendarDay(2026, 11u, 16u)), weekly.map { it.start })

        val chart = core.vitalChart(p, VitalKind.BLOOD_PRESSURE, Bucket.DAY, at("2026-11-20T22:00:00+09:00"), JST)
        assertEquals(CalendarDay(2026, 11u, 7u), chart.first)
        assertEquals(14u, chart.dayCount)
        assertEquals("mmHg", chart.unit)
        assertEquals(listOf("135", "85"), chart.referenceLines.map { it.shown })
        assertTrue(chart.points.zipWithNext().all { (a, b) -> a.dayIndex < b.dayIndex })
        assertTrue(chart.ticks.first().value <= chart.axisMin && chart.ticks.last().value >= 135.0)

        val summary = core.homeBpSummary(p, at("2026-11-20T22:00:00+09:00"), JST)
        assertEquals(7u, summary.morning.days)
        assertEquals(HomeBpClass.GRADE2, summary.morning.`class`)
        assertEquals(Math.round(summary.morning.meanSystolic!!).toString(), summary.morning.shownSystolic)
        assertEquals(daily[0].shownMean, Math.round(daily[0].value.mean).toString())
        assertEquals(5u, summary.minDays)
        assertEquals(CalendarDay(2026, 11u, 14u), summary.periodStart)

        val defaults = core.entryDefaults(at("2026-11-20T07:00:00+09:00"), JST)
        assertEquals(BpContext.MORNING, defaults.bpContext)
        assertEquals(BpContext.EVENING, core.entryDefaults(at("2026-11-20T21:30:00+09:00"), JST).bpContext)

        val home = core.homeScreen(p, at("2026-11-20T22:00:00+09:00"), JST)
        assertEquals(p, home.profile.id)
        assertEquals(2, home.today.size)
        assertEquals(1, home.latest.size)
        assertEquals(summary, home.bpSummary)
        assertEquals(14uL, home.sync.pending)
        assertNull(home.sync.account)
        assertFalse(home.sync.running)
    }
}

class KeysAndLifecycleTest {
    @Test
    fun keyStoreErrorsTravelBothWays() {
        // Typed error thrown in Kotlin arrives in Rust and comes back typed.
        val locked = expectThrows<ApiException.KeyStore> { openCore(keys = FailingKeys(unexpected = false)) }
        assertTrue(locked.reason.contains("device locked"))
        // Anything else thrown by the app's key store is still a typed error, not a crash (P-F5).
        expectThrows<ApiException.KeyStore> { openCore(keys = FailingKeys(unexpected = true)) }
    }

    @Test
    fun aLostOrChangedKeyIsReportedAndNeverReplaced() {
        val dir = tempDir()
        val keys = MemoryKeys()
        openCore(dir, keys).use { core ->
            core.recordVital(core.addProfile("KT000005", "テスト", Relationship.MYSELF).id, entry(VitalInput.Steps("100")))
        }
        assertTrue(keys.secrets.containsKey("database-key"))
        expectThrows<ApiException.KeyUnavailable> { openCore(dir, MemoryKeys()) }
        val other = MemoryKeys().apply { save("database-key", ByteArray(32) { 7 }) }
        expectThrows<ApiException.KeyChanged> { openCore(dir, other) }
        openCore(dir, keys).use { core -> assertEquals(1, core.profiles().size) }
    }

    @Test
    fun startingOverKeepsWhatCanStillBeRead() {
        val dir = tempDir()
        val keys = MemoryKeys()
        openCore(dir, keys).use { core ->
            val p = core.addProfile("KT000006", "テスト", Relationship.MYSELF).id
            core.recordVital(p, entry(VitalInput.Steps("100")))
            core.recordVital(p, entry(VitalInput.Steps("200")))
        }
        // The key is still there: everything comes along.
        val kept = startOver(CoreConfig(dir.toString(), env("TECHO_SERVER_URL")), keys)
        assertEquals(Triple(2uL, 1uL, 2uL), Triple(kept.salvagedChanges, kept.salvagedProfiles, kept.salvagedReadings))
        assertTrue(File(kept.setAsideFile).exists())
        openCore(dir, keys).use { core ->
            assertEquals(2uL, core.syncStatus().pending)
            assertEquals(2, core.listVitals(core.profiles().single().id, VitalFilter(null, null, null, 10u, null)).items.size)
        }
        // The key is lost: the file is set aside and the notebook starts empty, with a new key.
        val lost = MemoryKeys()
        expectThrows<ApiException.KeyUnavailable> { openCore(dir, lost) }
        val empty = startOver(CoreConfig(dir.toString(), env("TECHO_SERVER_URL")), lost)
        assertEquals(0uL, empty.salvagedChanges)
        openCore(dir, lost).use { core -> assertTrue(core.profiles().isEmpty()) }
    }

    @Test
    fun closedObjectsRefuseFurtherCalls() {
        val core = openCore()
        core.close()
        expectThrows<IllegalStateException> { core.profiles() }
        core.close() // closing twice is harmless
    }
}

/** One account, so these steps run in order in one test. */
class SyncTest {
    private val server = env("TECHO_SERVER_URL")
    private val code = env("TECHO_HM_CODE")
    private val password = env("TECHO_PASSWORD")

    private fun signedIn(): Pair<TechoCore, String> {
        val core = openCore()
        val p = core.addProfile(code, "テスト", Relationship.MYSELF).id
        core.setActiveProfile(p)
        runBlocking { core.login(code, password) }
        return core to p
    }

    @Test
    fun devicesSyncThroughTheServerAndCancellationLosesNothing() = runBlocking {
        val phoneA = openCore()
        val a = phoneA.addProfile(code, "テスト", Relationship.MYSELF).id
        val wrong = expectThrows<ApiException.Auth> { runBlocking { phoneA.login(code, "not the password") } }
        assertFalse(wrong.reason.contains(code))
        assertEquals(AuthProblem.WrongCredentials, wrong.problem)
        val offline = TechoCore.open(CoreConfig(tempDir().toString(), "http://127.0.0.1:9"), MemoryKeys())
        expectThrows<ApiException.Network> { runBlocking { offline.login(code, password) } }
        offline.close()

        val account = phoneA.login(code, password)
        assertTrue(account.patients.contains(code))
        assertEquals(account, phoneA.account())
        for (i in 0 until 20) phoneA.recordVital(a, entry(VitalInput.Weight("6${i % 10}.5"), "2026-11-0${1 + i % 9}T07:${10 + i}:00+09:00"))

        val watcher = Recorder()
        val report = phoneA.syncNow(watcher)
        assertEquals(SyncOutcome.Complete, report.outcome)
        assertEquals(20uL, report.pushed)
        assertTrue("progress arrived during the sync", watcher.progress.isNotEmpty())
        assertTrue(watcher.progress.any { it.phase == SyncPhase.PUSHING })
        assertEquals(listOf(report), watcher.reports)
        val status = phoneA.syncStatus()
        assertEquals(0uL, status.pending)
        assertEquals(report, status.lastReport)
        assertNotNull(status.lastSuccess)
        assertEquals(SyncState.UpToDate(status.lastSuccess), status.state)
        assertTrue(phoneA.latestVitals(a).all { it.synced })
        assertTrue(phoneA.wedgedItems().isEmpty())
        expectThrows<ApiException.NotFound> { phoneA.retryWedged("0190f0f0-0000-7000-8000-000000000000") }

        // Cancelling the coroutine mid-sync drops the future; the run finishes its step on its
        // own and the next sync completes the job (P-F4).
        for (i in 0 until 1500) phoneA.recordVital(a, entry(VitalInput.Steps("${1000 + i}"), "2026-10-01T12:00:00+09:00"))
        val slow = Recorder()
        val job = async(Dispatchers.IO) { phoneA.syncNow(slow) }
        assertTrue(slow.firstProgress.await(30, TimeUnit.SECONDS))
        job.cancelAndJoin()
        assertTrue(job.isCancelled)
        // Nobody waits any more, yet the run goes on to its end and delivers.
        withTimeout(60_000) { while (phoneA.syncStatus().running) kotlinx.coroutines.delay(20) }
        assertTrue("the cancelled run kept sending", phoneA.syncStatus().pending < 1500uL)
        val after = withTimeout(60_000) { phoneA.syncNow(null) }
        assertEquals(SyncOutcome.Complete, after.outcome)
        assertEquals(0uL, phoneA.syncStatus().pending)
        assertEquals(1520, allReadings(phoneA, a).size)
        assertTrue("signed in, the account's own person can be sent before removing", phoneA.canSendChanges(a))

        // Two versions of 命の宝箱, both sent before the second phone ever syncs.
        for (bloodType in listOf("A", "AB")) {
            phoneA.saveEmergencyFields(a, listOf(SheetFieldValue("medical.blood_type", bloodType)))
            assertEquals(SyncOutcome.Complete, phoneA.syncNow(null).outcome)
        }

        // A second phone signs in and gets exactly the same readings.
        val dirB = tempDir()
        val keysB = MemoryKeys()
        val phoneB = openCore(dirB, keysB)
        val b = phoneB.addProfile(code, "テスト", Relationship.MYSELF).id
        phoneB.login(code, password)
        val pulled = phoneB.syncNow(null)
        assertEquals(SyncOutcome.Complete, pulled.outcome)
        assertEquals(allReadings(phoneA, a).map { it.id }.toSet(), allReadings(phoneB, b).map { it.id }.toSet())
        // It received the sheet as it stands; its history gains the versions before it.
        assertEquals(1, phoneB.emergencySheetHistory(b).size)
        phoneB.refreshEmergencySheetHistory(b)
        val history = phoneB.emergencySheetHistory(b)
        assertTrue(history.size >= 2)
        assertTrue(history.none { it.savedHere })
        assertEquals(phoneA.emergencySheetHistory(a).take(2).map { it.savedAt }, history.take(2).map { it.savedAt })

        // Background loop: runs at once, wakes on demand, stops when cancelled.
        val loop = Recorder()
        phoneB.recordVital(b, entry(VitalInput.Temperature("36.8")))
        val handle = phoneB.startAutoSync(3600u, loop)
        assertTrue(handle.isActive())
        assertTrue(loop.finished.await(30, TimeUnit.SECONDS))
        assertEquals(SyncOutcome.Complete, loop.reports.first().outcome)
        // A new reading wakes the loop: it goes out without waiting for the hour.
        phoneB.recordVital(b, entry(VitalInput.Temperature("36.9")))
        withTimeout(30_000) { while (loop.reports.size < 2 || phoneB.syncStatus().pending != 0uL) kotlinx.coroutines.delay(50) }
        assertEquals(1uL, loop.reports[1].pushed)
        handle.wake()
        handle.cancel()
        assertFalse(handle.isActive())
        handle.close()
        assertEquals(0uL, phoneB.syncStatus().pending)
        // One loop per core: a second replaces the first, and closing the core stops it.
        val first = phoneB.startAutoSync(3600u, null)
        val second = phoneB.startAutoSync(3600u, null)
        assertFalse(first.isActive())
        assertTrue(second.isActive())

        phoneA.logout()
        assertNull(phoneA.account())
        assertNull("the last sync was the signed-out account's", phoneA.syncStatus().lastSuccess)
        assertEquals(SyncState.NotSignedIn, phoneA.syncStatus().state)
        assertEquals(SyncOutcome.NeedsLogin, phoneA.syncNow(null).outcome)
        phoneA.close()
        phoneB.close()
        assertFalse("closing the core stops its loop", second.isActive())
        openCore(dirB, keysB).use { assertNotNull("the last complete sync survives a restart", it.syncStatus().lastSuccess) }
        first.close()
        second.close()
    }

    @Test
    fun activationSetsThePasswordOnce() = runBlocking {
        val activationCode = env("TECHO_ACTIVATION_HM_CODE")
        openCore().use { core ->
            core.addProfile(activationCode, "新しい人", Relationship.MYSELF)
            val early = expectThrows<ApiException.Auth> { runBlocking { core.login(activationCode, "new-password-1") } }
            assertEquals(AuthProblem.WrongCredentials, early.problem)
            val weak = expectThrows<ApiException.Auth> { runBlocking { core.activate(activationCode, env("TECHO_ACTIVATION_CODE"), "short") } }
            assertEquals(AuthProblem.WeakPassword, weak.problem)
            core.activate(activationCode, env("TECHO_ACTIVATION_CODE"), "new-password-1")
            val reused = expectThrows<ApiException.Auth> { runBlocking { core.activate(activationCode, env("TECHO_ACTIVATION_CODE"), "again-password") } }
            assertEquals(AuthProblem.InvalidActivationCode, reused.problem)
            assertTrue(core.login(activationCode, "new-password-1").patients.contains(activationCode))
            assertEquals(SyncOutcome.Complete, core.syncNow(null).outcome)
        }
    }

    @Test
    fun repeatedWrongPasswordsSayWhenToTryAgain() = runBlocking {
        openCore().use { core ->
            val problems = (1..12).map { expectThrows<ApiException.Auth> { runBlocking { core.login("KT424242", "wrong-$it") } }.problem }
            assertEquals(AuthProblem.WrongCredentials, problems.first())
            val limited = problems.last() as AuthProblem.TooManyAttempts
            // In the unit the core chose: minutes only from two of them.
            assertTrue(limited.wait.count > 0uL)
            assertTrue(limited.wait.unit == WaitUnit.SECONDS || limited.wait.count >= 2uL)
        }
    }

    @Test
    fun anObserverMayCallBackIntoTheCore() = runBlocking {
        val (core, _) = signedIn()
        core.use {
            val seen = CompletableDeferred<SyncStatus>()
            val reentrant = object : SyncObserver {
                override fun onProgress(progress: SyncProgress) {
                    if (!seen.isCompleted) seen.complete(core.syncStatus())
                }
                override fun onFinished(report: SyncReport) {}
            }
            assertEquals(SyncOutcome.Complete, core.syncNow(reentrant).outcome)
            assertNotEquals(null, withTimeout(10_000) { seen.await() })
            core.logout()
        }
    }
}

/** The medication notebook: a receipt's QR codes in any order, photos, files, lists, export, sync. */
class MedicationsTest {
    private val fixtures = File(env("TECHO_FIXTURES"))
    private fun codewords(i: Int) = File(fixtures, "receipt-qr-$i.codewords").readBytes()
    private val symbols = generateSequence(1) { it + 1 }.takeWhile { File(fixtures, "receipt-qr-$it.png").exists() }.count()

    @Test
    fun aReceiptScannedInAnyOrderImportsOnceAndWhole() = withCore { core ->
        val p = core.addProfile("34001234", "広島 花子", Relationship.MYSELF).id
        val scanner = core.startMedicationScan(p)
        // Last code first: the core says how many are read and imports nothing yet.
        val last = codewords(symbols)
        val first = scanner.addCodewords(last.copyOfRange(1, last.size), last[0].toUByte())
        assertEquals(ScanOutcome.WAITING, first.outcome)
        assertEquals(listOf(ScanGroup(1u, symbols.toUShort(), true)), first.waiting)
        assertEquals(ScanOutcome.DUPLICATE, scanner.addCodewords(last.copyOfRange(1, last.size), last[0].toUByte()).outcome)
        assertTrue(core.listMedications(p, MedicationFilter()).items.isEmpty())
        var done: ScanProgress? = null
        for (i in symbols - 1 downTo 1) {
            val cw = codewords(i)
            done = scanner.addCodewords(cw.copyOfRange(1, cw.size), cw[0].toUByte())
        }
        assertEquals(ScanOutcome.COMPLETED, done!!.outcome)
        assertEquals(1u, done.imports.single().added)
        assertTrue(done.waiting.isEmpty())

        // The same receipt as photos, and as a file: already in the notebook.
        val photos = core.startMedicationScan(p)
        val viaPhotos = (1..symbols).map { photos.addPhoto(File(fixtures, "receipt-qr-$it.png").path) }.last()
        assertEquals(1u, viaPhotos.imports.single().alreadyPresent)
        val file = File(fixtures, "receipt.jahis").readBytes()
        assertEquals(1u, core.importMedicationFile(p, file).alreadyPresent)
        photos.reset()
        photos.close()

        // Bytes with their Structured Append header, as Android scanners give them.
        val parity = file.fold(0) { acc, b -> acc xor (b.toInt() and 0xff) }.toUByte()
        val bySymbol = core.startMedicationScan(p)
        val cut = file.size / 2
        assertEquals(ScanOutcome.WAITING, bySymbol.addSymbol(file.copyOfRange(cut, file.size), StructuredAppendHeader(1u, 2u, parity)).outcome)
        assertEquals(1u, bySymbol.addSymbol(file.copyOfRange(0, cut), StructuredAppendHeader(0u, 2u, parity)).imports.single().alreadyPresent)
        // A code of another receipt while one is being read is refused, not mixed in.
        assertEquals(ScanOutcome.WAITING, bySymbol.addSymbol(byteArrayOf(1, 2), StructuredAppendHeader(0u, 3u, 7u)).outcome)
        val other = expectThrows<ApiException.Import> { bySymbol.addSymbol(byteArrayOf(1, 2), StructuredAppendHeader(1u, 2u, 9u)) }
        assertEquals(ImportProblem.OTHER_RECEIPT, other.problem)
        val notAPhoto = expectThrows<ApiException.Photo> { bySymbol.addPhoto(File(fixtures, "receipt.jahis").path) }
        assertEquals(PhotoProblem.UNSUPPORTED_FORMAT, notAPhoto.problem)
        val rx = expectThrows<ApiException.Import> { core.importMedicationFile(p, "JAHIS10\r\n".toByteArray()) }
        assertEquals(ImportProblem.PRESCRIPTION_SYMBOL, rx.problem)
        bySymbol.close()
        scanner.close()
    }

    @Test
    fun theNotebookIsListedSearchedShownHiddenAndExported() = withCore { core ->
        val p = core.addProfile("34001234", "広島 花子", Relationship.MYSELF).id
        core.importMedicationFile(p, File(fixtures, "receipt.jahis").readBytes())
        val items = core.listMedications(p, MedicationFilter(kind = MedicationKind.DISPENSING)).items
        val d = items.single()
        assertEquals("テスト薬局 本通店", d.title)
        assertEquals(CalendarDay(2026, 11u, 20u), d.day)
        assertEquals(CalendarDay(2026, 12u, 18u), d.until)
        assertEquals(MedicationArrival.FILE, d.arrival)
        assertEquals(listOf(d.id), core.currentMedications(p, CalendarDay(2026, 12u, 17u)).map { it.id })
        assertTrue(core.currentMedications(p, CalendarDay(2026, 12u, 18u)).isEmpty())
        assertEquals(listOf(d.id), core.searchMedications(p, "めとほるみん").map { it.id })
        assertEquals("0123456", core.medicationPharmacies(p).single().code)
        val detail = core.getMedication(d.id).dispensing!!
        val rp = detail.rps.single()
        assertEquals(QuantityUnit.DAYS, rp.quantityUnit)
        assertEquals(28.toUShort(), rp.quantity)
        assertEquals(DoseMeaning.DAILY, rp.drugs[1].doseMeaning)
        assertEquals("2", rp.drugs[1].doseAmount)
        assertEquals(listOf("朝１錠、夕１錠"), rp.drugs[1].supplements)
        assertEquals(listOf("めまいが出たら相談してください。"), detail.cautions)
        val export = core.exportMedications(p)
        assertTrue(String(export.data.copyOfRange(0, 11), Charsets.US_ASCII) == "JAHISTC08,2")
        core.deleteMedication(d.id)
        assertTrue(core.listMedications(p, MedicationFilter()).items.isEmpty())
        assertTrue(core.getMedication(d.id).summary.hidden)
    }

    @Test
    fun aScanOnOnePhoneReachesTheOtherThroughTheServer() = runBlocking {
        val code = env("TECHO_HM_CODE")
        val password = env("TECHO_PASSWORD")
        val phoneA = openCore()
        val a = phoneA.addProfile(code, "テスト", Relationship.MYSELF).id
        phoneA.login(code, password)
        phoneA.importMedicationFile(a, File(fixtures, "receipt.jahis").readBytes())
        assertEquals(SyncOutcome.Complete, phoneA.syncNow(null).outcome)
        val phoneB = openCore()
        val b = phoneB.addProfile(code, "テスト", Relationship.MYSELF).id
        phoneB.login(code, password)
        assertEquals(SyncOutcome.Complete, phoneB.syncNow(null).outcome)
        val got = phoneB.listMedications(b, MedicationFilter(kind = MedicationKind.DISPENSING)).items.single()
        assertEquals(MedicationArrival.SYNCED, got.arrival)
        assertEquals(phoneA.listMedications(a, MedicationFilter(kind = MedicationKind.DISPENSING)).items.single().id, got.id)
        phoneA.close()
        phoneB.close()
    }
}

/** 命の宝箱 through the generated Kotlin: the field catalogue, saves, a photo page, history. */
class EmergencySheetTest {
    private val fixtures = File(env("TECHO_FIXTURES"))

    @Test
    fun fieldsPhotoPagesHistoryAndARefusedValue() = withCore { core ->
        val groups = emergencySheetFields()
        assertEquals("identity", groups.first().key)
        val blood = groups.flatMap { it.fields }.single { it.key == "medical.blood_type" }
        assertEquals(SheetFieldKind.CHOICE, blood.kind)
        assertEquals("血液型", blood.labelJa)
        assertTrue("AB" in blood.choices)

        val p = core.addProfile("34001234", "広島 花子", Relationship.MYSELF).id
        assertNull(core.emergencySheet(p))
        val refused = expectThrows<ApiException.DocumentField> {
            core.saveEmergencyFields(p, listOf(SheetFieldValue("medical.blood_type", "C")))
        }
        assertEquals("medical.blood_type", refused.key)
        assertNull("nothing saved", core.emergencySheet(p))

        val saved = core.saveEmergencyFields(
            p, listOf(SheetFieldValue("identity.name", "広島 花子"), SheetFieldValue("medical.blood_type", "A")),
        )
        assertEquals(listOf("identity.name", "medical.blood_type"), saved.fields.map { it.key })
        assertTrue(saved.unsent && saved.savedOnThisDevice && !saved.reviewDue)
        val page = core.addEmergencyPage(p, File(fixtures, "receipt-qr-1.png").path).pages.single()
        assertTrue("the photo waits to be sent", core.syncStatus().pendingUploads >= 1uL)
        expectThrows<ApiException.Photo> { core.addEmergencyPage(p, File(fixtures, "receipt.jahis").path) }
        val file = File(runBlocking { core.emergencyPageFile(p, page.imageSha256, false) })
        assertEquals(0xd8, file.readBytes()[1].toInt() and 0xff)
        core.clearPhotoCache()
        assertFalse(file.exists())
        expectThrows<ApiException.NotFound> { core.resolveEmergencyConflict(p, "medical.blood_type", true) }
        assertTrue(core.removeEmergencyPage(p, page.imageSha256).pages.isEmpty())
        val history = core.emergencySheetHistory(p)
        assertEquals(listOf(0u, 1u, 0u), history.map { it.pages })
        assertEquals(listOf("identity.name", "medical.blood_type"), history.last().changedFields)
        // Never signed in: there is no server history to add.
        runBlocking { core.refreshEmergencySheetHistory(p) }
        assertEquals(history, core.emergencySheetHistory(p))
        val printed = core.emergencySheetPrint(p, 540)
        assertTrue(printed.contains("<th>お名前</th>") && printed.contains("size: A4"))
        // What the notebook knows is offered for the fields still empty.
        core.importMedicationFile(p, File(fixtures, "receipt.jahis").readBytes())
        val offered = core.emergencySheetSuggestions(p, CalendarDay(2026, 11u, 21u)).map { it.key }
        assertTrue(offered.toString(), "medical.medicines" in offered)
        assertFalse("identity.name" in offered)
    }
}

const val SYSTOLIC = "9A751000000000001"
const val HBA1C = "3D046000001906202"
const val URINE_GLUCOSE = "1A020000000191111"
const val WAIST = "9N016160100000001"

/** 健診結果 through the generated Kotlin: the code list, checkups with photos and judged items, edits, a trend. */
class CheckupTest {
    private val fixtures = File(env("TECHO_FIXTURES"))

    @Test
    fun checkupsWithAPhotoJudgedItemsEditsATrendAndRefusedItems() = withCore { core ->
        val codes = checkupItemCodes()
        val sbp = codes.single { it.code == SYSTOLIC }
        assertEquals("上の血圧", sbp.plainName)
        assertEquals("mmHg", sbp.unit)
        assertEquals(CheckupValueKind.DECIMAL, sbp.valueKind)
        assertEquals("≥130", sbp.guidance?.shown)
        assertEquals(CheckupCut(CutDirection.AT_LEAST, "140"), sbp.seeDoctor?.male)
        assertTrue(codes.single { it.code == WAIST }.guidance!!.bySex)
        assertEquals(listOf("−", "±", "+", "++", "+++"), codes.single { it.code == URINE_GLUCOSE }.valueLabels)

        val p = core.addProfile("34001234", "広島 花子", Relationship.MYSELF).id
        val june2025 = CalendarDay(2025, 6u, 12u)
        val photo = File(fixtures, "receipt-qr-1.png").path
        // A bad code or value is refused by field, without echoing the value, and nothing is saved.
        val badCode = expectThrows<ApiException.Validation> {
            core.addCheckup(p, june2025, CheckupKind.TOKUTEI, "", "", listOf(), listOf(CheckupItemValue("12345", "128")))
        }
        assertEquals(Field.ITEM_CODE, badCode.field)
        val badValue = expectThrows<ApiException.Validation> {
            core.addCheckup(p, june2025, CheckupKind.TOKUTEI, "", "", listOf(photo), listOf(CheckupItemValue(SYSTOLIC, "999")))
        }
        assertEquals(Field.ITEM_VALUE, badValue.field)
        assertEquals("mmHg", (badValue.problem as ValidationProblem.OutOfRange).unit)
        assertFalse("the message never echoes the input", badValue.message.contains("999"))
        expectThrows<ApiException.Validation> {
            core.addCheckup(p, june2025, CheckupKind.NEWER, "", "", listOf(), listOf())
        }
        assertTrue("nothing saved", core.checkups(p).isEmpty())
        // A form checks each line before saving, so the problem stands beside that line.
        checkCheckupItem(" ${SYSTOLIC.lowercase()} ", " 128 ")
        val lineProblem = expectThrows<ApiException.Validation> { checkCheckupItem(SYSTOLIC, "999") }
        assertEquals(Field.ITEM_VALUE to "mmHg", lineProblem.field to (lineProblem.problem as ValidationProblem.OutOfRange).unit)
        assertEquals(Field.ITEM_CODE, expectThrows<ApiException.Validation> { checkCheckupItem("12345", "1") }.field)

        val first = core.addCheckup(
            p, june2025, CheckupKind.TOKUTEI, "広島市民病院", "", listOf(photo),
            listOf(CheckupItemValue(SYSTOLIC, "128"), CheckupItemValue(HBA1C, "5.8"),
                CheckupItemValue(URINE_GLUCOSE, "1"), CheckupItemValue(WAIST, "87")),
        )
        assertEquals(june2025, first.date)
        assertTrue(first.unsent)
        assertNull("no 性別 on 命の宝箱", first.judgedFor)
        val judged = first.items.associate { it.code to it.judgement }
        assertEquals(CheckupJudgement.NORMAL, judged[SYSTOLIC])
        assertEquals(CheckupJudgement.GUIDANCE, judged[HBA1C])
        assertEquals(CheckupJudgement.NO_THRESHOLDS, judged[URINE_GLUCOSE])
        assertEquals(CheckupJudgement.SEX_NEEDED, judged[WAIST])
        assertEquals("−", first.items.single { it.code == URINE_GLUCOSE }.shownValue)
        assertEquals("%", first.items.single { it.code == HBA1C }.unit)
        val page = first.pages.single()
        assertTrue(page.previewOnDevice)
        val thumb = File(runBlocking { core.checkupPageFile(p, first.id, page.imageSha256, true) })
        assertEquals(0xd8, thumb.readBytes()[1].toInt() and 0xff)
        expectThrows<ApiException.NotFound> { runBlocking { core.checkupPageFile(p, first.id, "00", false) } }

        val second = core.addCheckup(
            p, CalendarDay(2026, 6u, 10u), CheckupKind.TEIKI, "", "", listOf(), listOf(CheckupItemValue(SYSTOLIC, "142")),
        )
        val otherPhoto = File(fixtures, "receipt-qr-2.png").path
        val withPage = core.addCheckupPage(p, second.id, otherPhoto)
        assertEquals(1, withPage.pages.size)
        val sha = withPage.pages.single().imageSha256
        val removed = core.removeCheckupPage(p, second.id, sha)
        assertEquals(0 to 0, removed.pages.size to removed.waitingPages.size)
        expectThrows<ApiException.NotFound> { core.removeCheckupPage(p, second.id, sha) }
        assertEquals(1, core.addCheckupPage(p, second.id, otherPhoto).pages.size)
        val set = core.setCheckupItems(p, second.id, listOf(CheckupItemValue(HBA1C, "6.6")))
        assertEquals(CheckupJudgement.SEE_DOCTOR, set.items.single { it.code == HBA1C }.judgement)
        assertFalse(core.removeCheckupItems(p, first.id, listOf(WAIST)).items.any { it.code == WAIST })
        val edited = core.editCheckup(p, first.id, null, CheckupKind.OTHER, "広島中央健診センター", "空腹で")
        assertEquals(CheckupKind.OTHER, edited.kind)
        assertEquals("the detail's headline, as the list has it", CheckupJudgement.GUIDANCE, edited.worstJudgement)
        assertEquals("空腹で", edited.note)
        assertEquals(june2025, edited.date)
        expectThrows<ApiException.NotFound> { core.resolveCheckupConflict(p, first.id, SYSTOLIC, true) }

        val list = core.checkups(p)
        assertEquals(listOf(second.id, first.id), list.map { it.id })
        assertEquals(CheckupJudgement.SEE_DOCTOR, list[0].worstJudgement)
        assertEquals(CheckupJudgement.GUIDANCE, list[1].worstJudgement)
        assertEquals(listOf(1u, 1u), list.map { it.pageCount })
        assertEquals(listOf(2u, 3u), list.map { it.itemCount })
        assertEquals(CalendarDay(2026, 6u, 10u), core.homeScreen(p, at("2026-11-20T22:00:00+09:00"), JST).latestCheckup?.date)

        val trend = core.checkupSeries(p, SYSTOLIC)
        assertEquals(listOf("128", "142"), trend.map { it.value })
        assertEquals(listOf(CheckupJudgement.NORMAL, CheckupJudgement.SEE_DOCTOR), trend.map { it.judgement })
        assertEquals(listOf(128.0, 142.0), trend.map { it.number })
        assertEquals(listOf("上の血圧" to "mmHg"), trend.map { it.plainName to it.unit }.distinct())
        assertEquals(june2025, trend.first().date)

        core.deleteCheckup(p, first.id)
        assertEquals(listOf(second.id), core.checkups(p).map { it.id })
        expectThrows<ApiException.NotFound> { core.checkup(p, first.id) }
        assertEquals(second.id, core.checkup(p, second.id).id)
    }
}
