package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.chart.ChartViewModel
import jp.kenkotecho.appmodel.entry.EntryTarget
import jp.kenkotecho.appmodel.entry.EntryViewModel
import jp.kenkotecho.appmodel.profile.ProfileSwitchViewModel
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.Bucket
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.GlucoseTiming
import jp.kenkotecho.core.GlucoseUnit
import jp.kenkotecho.core.Relationship
import jp.kenkotecho.core.VitalKind
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Test
import java.io.File

/**
 * The scenario of wording/parity.tsv through this app's screen models against the real core; the
 * iOS app's ParityTests runs the same scenario and compares with the same file, so both apps show
 * the same thing.
 */
class ParityTest {
    private val phone = TestPhone()

    @After
    fun close() = phone.close()

    private fun expected(): Map<String, String> =
        File(XmlStringTable.resDir(), "../../../../../wording/parity.tsv").readLines()
            .filter { !it.startsWith("#") && it.contains('\t') }
            .associate { line -> line.substringBefore('\t') to line.substringAfter('\t') }

    /** Records through the entry screen and returns the saved reading's text and warnings. */
    private fun record(kind: VitalKind, fill: (EntryViewModel) -> Unit): Pair<String, List<String>> =
        runBlocking {
            val vm = EntryViewModel(phone.env(), phone.scope, EntryTarget.New(kind))
            vm.load().join()
            fill(vm)
            vm.save().join()
            val saved = vm.state.value.saved ?: throw AssertionError("not saved: ${vm.state.value}")
            val vital = phone.core.latestVitals(phone.core.activeProfile()!!.id).first { it.kind == kind }
            ReadingRow.of(vital, phone.env().words()).valueText to saved.warnings
        }

    @Test
    fun theScenarioShowsWhatBothAppsShow() =
        runBlocking {
            val shown = mutableMapOf<String, String>()
            phone.addOwner(name = "山田 花子", hmCode = "34001234")
            val mother = phone.core.addProfile("34005678", "山田 トメ", Relationship.FAMILY)

            val (bp, warnings) =
                record(VitalKind.BLOOD_PRESSURE) {
                    it.onText(Field.SYSTOLIC, "185")
                    it.onText(Field.DIASTOLIC, "95")
                    it.onText(Field.PULSE, "70")
                    it.chooseBpContext(BpContext.MORNING)
                }
            shown["reading.bp"] = bp
            shown["warning.bp"] = warnings.first()
            shown["reading.glucose"] =
                record(VitalKind.GLUCOSE) {
                    it.chooseGlucoseUnit(GlucoseUnit.MMOL_PER_L)
                    it.onText(Field.GLUCOSE, "5.5")
                    it.chooseGlucoseTiming(GlucoseTiming.FASTING)
                }.first
            shown["reading.weight"] = record(VitalKind.WEIGHT) { it.onText(Field.WEIGHT, "60.25") }.first
            shown["reading.steps"] = record(VitalKind.STEPS) { it.onText(Field.STEPS, "8000") }.first

            shown["sync.line"] = phone.env().words().sync.line(phone.core.syncStatus(), 540).text

            val chart = ChartViewModel(phone.env(), phone.scope)
            chart.show(VitalKind.BLOOD_PRESSURE, Bucket.DAY).join()
            chart.state.value.references.forEachIndexed { i, r -> shown["chart.bp.reference.${i + 1}"] = r.label }

            val people = ProfileSwitchViewModel(phone.env(), phone.scope)
            people.load().join()
            people.askToRemove(mother.id).join()
            shown["profiles.removeQuestion"] = people.state.value.pendingRemoval?.question.orEmpty()

            assertEquals(expected(), shown.toSortedMap())
        }
}
