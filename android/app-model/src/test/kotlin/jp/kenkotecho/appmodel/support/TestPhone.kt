package jp.kenkotecho.appmodel.support

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.text.StringTable
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.CoreConfig
import jp.kenkotecho.core.Profile
import jp.kenkotecho.core.Relationship
import jp.kenkotecho.core.Source
import jp.kenkotecho.core.TechoCore
import jp.kenkotecho.core.TechoCoreInterface
import jp.kenkotecho.core.Vital
import jp.kenkotecho.core.VitalEntry
import jp.kenkotecho.core.VitalInput
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import java.io.Closeable
import java.nio.file.Files
import java.nio.file.Path
import java.time.Clock
import java.time.Instant
import java.time.ZoneId

val TOKYO: ZoneId = ZoneId.of("Asia/Tokyo")

/**
 * A phone for one test: the real core on a temporary directory with an in-memory key store, and
 * a scope the view models live in. [close] frees the core handle (P-F7) and the directory.
 */
class TestPhone private constructor(
    val serverUrl: String,
    val dir: Path,
    val keys: InMemoryKeyStore,
) : Closeable {
    constructor(serverUrl: String = ServerEnv.closedPortUrl()) :
        this(serverUrl, Files.createTempDirectory("techo-phone"), InMemoryKeyStore())

    val core: TechoCore = TechoCore.open(CoreConfig(dir.toString(), serverUrl), keys)
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private var keepDir = false

    /** A view-model environment with the phone's clock at the real now, in Japan. */
    fun env(
        strings: StringTable = XmlStringTable.JAPANESE,
        clock: Clock = Clock.system(TOKYO),
        core: TechoCoreInterface = this.core,
    ): AppEnvironment = AppEnvironment(core, Dispatchers.IO, clock, { strings })

    /** The same phone started again against [url] (its data and keys kept): e.g. now offline. */
    fun restartWith(url: String): TestPhone {
        keepDir = true
        close()
        return TestPhone(url, dir, keys)
    }

    fun addOwner(name: String = "山田 花子", hmCode: String = "34001234"): Profile = core.addProfile(hmCode, name, Relationship.MYSELF)

    /** Test data straight through the core, for screens that only read it. */
    fun record(profile: Profile, input: VitalInput, at: Instant): Vital =
        core.recordVital(profile.id, VitalEntry(input, at, 540, Source.SELF_ENTERED, null, null)).vital

    fun bp(systolic: Int, diastolic: Int, context: BpContext) = VitalInput.BloodPressure("$systolic", "$diastolic", "70", context)

    /** Closes the core but leaves its files, for tests that open them again their own way. */
    fun closeKeepingData() {
        keepDir = true
        close()
    }

    override fun close() {
        scope.cancel()
        core.close()
        if (!keepDir) dir.toFile().deleteRecursively()
    }
}
