package jp.kenkotecho.appmodel.medications

import jp.kenkotecho.appmodel.AppEnvironment
import jp.kenkotecho.appmodel.Notice
import jp.kenkotecho.appmodel.PersonHeader
import jp.kenkotecho.appmodel.ScreenModel
import jp.kenkotecho.appmodel.Tone
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.MedicationScanner
import jp.kenkotecho.core.ScanOutcome
import jp.kenkotecho.core.ScanProgress
import jp.kenkotecho.core.StructuredAppendHeader
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

data class MedicationScanState(
    val person: PersonHeader? = null,
    /** What to do, before anything is read. */
    val introText: String = "",
    /** "2枚中1枚 読み取りました" while a receipt misses codes. */
    val progressText: String? = null,
    /** The next step while codes are missing. */
    val nextText: String? = null,
    /** What the last complete receipt did ("お薬の記録を1件取り込みました"). */
    val result: Notice? = null,
    val error: Notice? = null,
    val busy: Boolean = false,
    /** Something was added or found during this visit: the notebook should reload. */
    val importedAny: Boolean = false,
)

/**
 * Reads a pharmacy receipt's QR codes, in any order, from the camera or from photos. The core
 * joins them and imports the receipt once it is whole; this only passes each code on and words
 * what the core says. A code read twice changes nothing on screen.
 */
class MedicationScanViewModel(env: AppEnvironment, scope: CoroutineScope) :
    ScreenModel<MedicationScanState>(MedicationScanState(), env, scope) {
    private val scanner = CompletableDeferred<MedicationScanner?>()

    @Volatile private var opened: MedicationScanner? = null

    /** One step at a time, in the order the codes were seen. */
    private val steps = Mutex()

    /** The last code passed on: a camera sees the same code many times a second. */
    private var lastSymbol: Pair<ByteArray, StructuredAppendHeader?>? = null

    init {
        launch { open() }
        // The scanner holds native memory: free it when the screen goes away.
        scope.coroutineContext[Job]?.invokeOnCompletion {
            opened?.close()
        }
    }

    /** One QR code as a scanner reports it: its data bytes and, for a code of several, its header. */
    fun addSymbol(data: ByteArray, header: StructuredAppendHeader?): Job =
        launch {
            steps.withLock {
                val last = lastSymbol
                if (last != null && last.first.contentEquals(data) && last.second == header) return@withLock
                lastSymbol = data.copyOf() to header
                step { addSymbol(data, header) }
            }
        }

    /** A photo of the receipt saved as a JPEG or PNG file (the screen copies the picked image first). */
    fun addPhoto(path: String): Job =
        launch {
            steps.withLock {
                update { it.copy(busy = true) }
                step { addPhoto(path) }
                update { it.copy(busy = false) }
            }
        }

    /** Forgets the codes of the receipt being read; the person starts it again. */
    fun reset(): Job =
        launch {
            steps.withLock {
                val s = scanner.await() ?: return@withLock
                env.onCore { s.reset() }
                lastSymbol = null
                update {
                    it.copy(
                        progressText = null,
                        nextText = null,
                        error = null,
                        result = Notice(env.words()[StringKey.MED_SCAN_RESTARTED], Tone.INFO),
                    )
                }
            }
        }

    private suspend fun open() {
        val opened =
            attempt(Action.LOAD, ::showError) {
                val profile = env.onCore { activeProfile() } ?: throw ApiException.NoActiveProfile()
                val s = env.onCore { startMedicationScan(profile.id) }
                val words = env.words()
                update { it.copy(person = PersonHeader.of(profile, words), introText = words[StringKey.MED_SCAN_INTRO]) }
                s
            }
        this.opened = opened
        scanner.complete(opened)
    }

    private suspend fun step(call: MedicationScanner.() -> ScanProgress) {
        val s = scanner.await() ?: return
        val progress = attempt(Action.SAVE, ::showError) { env.onCore { s.call() } } ?: return
        show(progress)
    }

    private fun show(p: ScanProgress) {
        // Read before, and nothing became complete: nothing to say.
        if (p.outcome == ScanOutcome.DUPLICATE && p.imports.isEmpty() && p.refused.isEmpty()) return
        val words = env.words()
        val waiting = p.waiting.firstOrNull()
        val imported = if (p.imports.isEmpty()) null else words.medications.importResult(p.imports)
        update {
            it.copy(
                progressText = waiting?.let { g -> words.medications.scanProgress(g) },
                nextText = if (waiting != null) words[StringKey.MED_SCAN_NEXT] else null,
                // A new receipt starts cleanly: the last one's result goes once its first code is read.
                result = imported?.let { m -> Notice(m.text, m.tone) } ?: if (waiting != null) null else it.result,
                // Complete data that is not a notebook (e.g. a prescription's QR code).
                error = p.refused.firstOrNull()?.let { Notice(words.errors.importProblem(it), Tone.ERROR) },
                importedAny = it.importedAny || imported != null,
            )
        }
    }

    private fun showError(text: String) = update { it.copy(busy = false, error = Notice(text, Tone.ERROR)) }
}

/**
 * A Structured Append header from what zxing-cpp reports for a QR code (`sequenceIndex` 0-based,
 * `sequenceSize`, and the parity byte as `sequenceId` in decimal). `null` for a code on its own.
 */
fun structuredAppendHeader(sequenceIndex: Int, sequenceSize: Int, sequenceId: String?): StructuredAppendHeader? {
    if (sequenceSize < 2) return null
    val parity = sequenceId?.toIntOrNull() ?: return null
    if (sequenceIndex !in 0..255 || sequenceSize > 255 || parity !in 0..255) return null
    return StructuredAppendHeader(sequenceIndex.toUByte(), sequenceSize.toUByte(), parity.toUByte())
}
