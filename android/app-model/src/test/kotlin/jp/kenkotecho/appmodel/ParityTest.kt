package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.bp.BpSummaryViewModel
import jp.kenkotecho.appmodel.chart.ChartViewModel
import jp.kenkotecho.appmodel.checkup.CheckupDetailViewModel
import jp.kenkotecho.appmodel.checkup.CheckupFormViewModel
import jp.kenkotecho.appmodel.checkup.CheckupListViewModel
import jp.kenkotecho.appmodel.checkup.CheckupTrendViewModel
import jp.kenkotecho.appmodel.emergency.EmergencySheetViewModel
import jp.kenkotecho.appmodel.emergency.PrintOutcome
import jp.kenkotecho.appmodel.entry.EntryTarget
import jp.kenkotecho.appmodel.entry.EntryViewModel
import jp.kenkotecho.appmodel.home.HomeViewModel
import jp.kenkotecho.appmodel.profile.AddPersonViewModel
import jp.kenkotecho.appmodel.profile.ProfileSwitchViewModel
import jp.kenkotecho.appmodel.support.Receipts
import jp.kenkotecho.appmodel.support.RecordingPrinter
import jp.kenkotecho.appmodel.support.TOKYO
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.Bucket
import jp.kenkotecho.core.CalendarDay
import jp.kenkotecho.core.CheckupJudgement
import jp.kenkotecho.core.CheckupKind
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.GlucoseTiming
import jp.kenkotecho.core.GlucoseUnit
import jp.kenkotecho.core.RecordFamily
import jp.kenkotecho.core.RefusalReason
import jp.kenkotecho.core.Relationship
import jp.kenkotecho.core.SyncPhase
import jp.kenkotecho.core.SyncProgress
import jp.kenkotecho.core.ValidationProblem
import jp.kenkotecho.core.VitalKind
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Test
import java.io.File
import java.time.Clock
import java.time.Instant

/**
 * The scenario of wording/parity.tsv through this app's screen models against the real core; the
 * iOS app's ParityTests runs the same scenario and compares with the same file, so both apps show
 * the same thing.
 */
class ParityTest {
    private val phone = TestPhone()

    /** 2025-11-20 22:00 in Tokyo, as iOS's ParityTests pin it: the readings are taken that morning. */
    private val pinned = Clock.fixed(Instant.parse("2025-11-20T13:00:00Z"), TOKYO)
    private var minutesPast = 0u

    private fun env() = phone.env(clock = pinned)

    @After
    fun close() = phone.close()

    private fun expected(): Map<String, String> =
        File(XmlStringTable.resDir(), "../../../../../wording/parity.tsv").readLines()
            .filter { !it.startsWith("#") && it.contains('\t') }
            .associate { line -> line.substringBefore('\t') to line.substringAfter('\t') }

    /** Records through the entry screen and returns the saved reading's text and warnings. */
    private fun record(kind: VitalKind, fill: (EntryViewModel) -> Unit): Pair<String, List<String>> =
        runBlocking {
            val vm = EntryViewModel(env(), phone.scope, EntryTarget.New(kind))
            vm.load().join()
            vm.pick(CalendarDay(2025, 11u, 20u), 7u, minutesPast++)
            fill(vm)
            vm.save().join()
            val saved = vm.state.value.saved ?: throw AssertionError("not saved: ${vm.state.value}")
            val vital = phone.core.latestVitals(phone.core.activeProfile()!!.id).first { it.kind == kind }
            ReadingRow.of(vital, env().words()).valueText to saved.warnings
        }

    /** Fills and saves an entry the core refuses; returns the problem shown beside [field]. */
    private fun refused(kind: VitalKind, field: Field, fill: (EntryViewModel) -> Unit): String? =
        runBlocking {
            val vm = EntryViewModel(env(), phone.scope, EntryTarget.New(kind))
            vm.load().join()
            fill(vm)
            vm.save().join()
            vm.state.value.inputs.first { it.field == field }.error
        }

    /** Adds a family member through the form; returns the form's state afterwards. */
    private fun addFamily(hmCode: String, name: String) =
        runBlocking {
            val form = AddPersonViewModel(env(), phone.scope, Relationship.FAMILY)
            form.onHmCode(hmCode)
            form.onName(name)
            form.submit().join()
            form.state.value
        }

    @Test
    fun theScenarioShowsWhatBothAppsShow() =
        runBlocking {
            val shown = mutableMapOf<String, String>()
            phone.addOwner(name = "山田 花子", hmCode = "34001234")
            val added = addFamily("34005678", "山田 トメ").added ?: throw AssertionError("トメ not added")
            shown["profiles.added"] = added.message
            val words = env().words()
            shown["profiles.title"] = words[StringKey.PROFILES_TITLE]
            val switcher = ProfileSwitchViewModel(env(), phone.scope)
            switcher.load().join()
            shown["profiles.relationships"] = switcher.state.value.people.joinToString("・") { it.relationship }
            shown["kind.names"] =
                listOf(VitalKind.WEIGHT, VitalKind.TEMPERATURE, VitalKind.BLOOD_PRESSURE, VitalKind.GLUCOSE, VitalKind.STEPS)
                    .joinToString("・") { words.values.kind(it) }

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

            shown["sync.line"] = env().words().sync.line(phone.core.syncStatus(), 540).text

            val chart = ChartViewModel(env(), phone.scope)
            chart.show(VitalKind.BLOOD_PRESSURE, Bucket.DAY).join()
            chart.state.value.references.forEachIndexed { i, r -> shown["chart.bp.reference.${i + 1}"] = r.label }
            shown["chart.bp.point.day"] = chart.state.value.points.single().spoken
            chart.show(VitalKind.BLOOD_PRESSURE, Bucket.WEEK).join()
            shown["chart.bp.point.week"] = chart.state.value.points.single().spoken
            chart.show(VitalKind.BLOOD_PRESSURE, Bucket.MONTH).join()
            shown["chart.bp.point.month"] = chart.state.value.points.single().spoken

            val people = ProfileSwitchViewModel(env(), phone.scope)
            people.load().join()
            people.askToRemove(added.profileId).join()
            shown["profiles.removeQuestion"] = people.state.value.pendingRemoval?.question.orEmpty()
            people.cancelRemoval()
            // 花子's readings are not sent yet, and this phone never signed in: only removing
            // without sending is offered.
            people.askToRemove(phone.core.activeProfile()!!.id).join()
            shown["profiles.sendThenRemove"] = people.state.value.pendingRemoval?.sendFirst ?: "(none)"
            shown["profiles.removeWithoutSending"] = people.state.value.pendingRemoval?.remove.orEmpty()
            people.cancelRemoval()

            val summary = BpSummaryViewModel(env(), phone.scope)
            summary.load().join()
            shown["bp.title"] = words[StringKey.BP_SUMMARY_TITLE]
            shown["bp.headline"] = summary.state.value.headline
            shown["bp.morning"] = summary.state.value.morning
            shown["bp.evening"] = summary.state.value.evening
            shown["bp.disclaimer"] = summary.state.value.disclaimer

            // Refused input, each through the form that would show it beside its field.
            shown["problem.weight.notANumber"] = refused(VitalKind.WEIGHT, Field.WEIGHT) { it.onText(Field.WEIGHT, "abc") }.orEmpty()
            shown["problem.systolic.empty"] = refused(VitalKind.BLOOD_PRESSURE, Field.SYSTOLIC) { it.onText(Field.DIASTOLIC, "80") }.orEmpty()
            shown["problem.diastolic.notBelowSystolic"] =
                refused(VitalKind.BLOOD_PRESSURE, Field.DIASTOLIC) {
                    it.onText(Field.SYSTOLIC, "120")
                    it.onText(Field.DIASTOLIC, "130")
                }.orEmpty()
            val again = addFamily("34005678", "山田 トメ")
            shown["error.profileExists"] = again.hmCodeError.orEmpty()
            shown["problem.hmCode.invalid"] = addFamily("x", "山田 次郎").hmCodeError.orEmpty()
            shown["problem.displayName.empty"] = addFamily("34009999", "").nameError.orEmpty()

            // Texts that need no data: the first run (already behind this phone) and a missing person.
            shown["firstRun.title"] = words[StringKey.FIRST_RUN_TITLE]
            shown["home.history"] = words[StringKey.BUTTON_HISTORY]
            shown["firstRun.intro"] = words[StringKey.FIRST_RUN_INTRO]
            shown["firstRun.link"] = words[StringKey.BUTTON_START_WITH_CARD]
            shown["firstRun.signInIntro"] = words[StringKey.SIGN_IN_INTRO]
            shown["firstRun.haveAccount"] = words[StringKey.MODE_HAVE_PASSWORD]
            shown["firstRun.firstTime"] = words[StringKey.MODE_FIRST_TIME]
            shown["firstRun.activationCode"] = words[StringKey.LABEL_ACTIVATION_CODE]
            shown["firstRun.activate"] = words[StringKey.BUTTON_ACTIVATE]
            shown["firstRun.later"] = words[StringKey.BUTTON_LATER]
            shown["error.noActiveProfile"] = words.errors.message(ApiException.NoActiveProfile(), Action.LOAD)
            val sevenFive = java.time.Instant.ofEpochSecond(1_763_589_900) // 2025-11-20 07:05 JST
            shown["date.dateTime"] = words.dates.dateTime(sevenFive, 540)
            shown["date.long"] = words.dates.longDay(java.time.LocalDate.of(2025, 11, 20))
            for ((key, why) in listOf(
                "invalidData" to RefusalReason.INVALID_DATA, "notAllowed" to RefusalReason.NOT_ALLOWED,
                "tooLarge" to RefusalReason.TOO_LARGE, "changedElsewhere" to RefusalReason.CHANGED_ELSEWHERE,
                "notAccepted" to RefusalReason.NOT_ACCEPTED, "waitsForAnother" to RefusalReason.WAITS_FOR_ANOTHER,
                "storageFull" to RefusalReason.STORAGE_FULL, "photoMissing" to RefusalReason.PHOTO_MISSING,
                "other" to RefusalReason.OTHER,
            )) {
                shown["refused.reason.$key"] = words.refused.reason(why)
            }
            for ((key, family) in listOf(
                "vital" to RecordFamily.VITAL, "medication" to RecordFamily.MEDICATION,
                "emergencySheet" to RecordFamily.EMERGENCY_SHEET, "checkup" to RecordFamily.CHECKUP,
                "photo" to RecordFamily.PHOTO, "other" to RecordFamily.OTHER,
            )) {
                shown["refused.family.$key"] = words.refused.family(family)
            }
            // A run sending a photo of 5 bytes, 2 of which the server holds.
            shown["sync.uploading"] = words.sync.running(SyncProgress(SyncPhase.UPLOADING, 0uL, 0uL, 1uL, null, 2uL, 5uL, 40u))
            // A checkup entry's fields and the problems only checkups have, and a refused 命の宝箱 field.
            for ((key, field) in listOf(
                "checkupDate" to Field.CHECKUP_DATE, "checkupKind" to Field.CHECKUP_KIND, "institution" to Field.INSTITUTION,
                "pages" to Field.PAGES, "items" to Field.ITEMS, "itemCode" to Field.ITEM_CODE, "itemValue" to Field.ITEM_VALUE,
                "itemUnit" to Field.ITEM_UNIT, "itemMethod" to Field.ITEM_METHOD,
            )) {
                shown["field.$key"] = words.values.field(field)
            }
            shown["problem.pages.tooMany"] = words.problems.validation(Field.PAGES, ValidationProblem.TooMany(20u))
            shown["problem.itemCode.duplicate"] = words.problems.validation(Field.ITEM_CODE, ValidationProblem.Duplicate)
            shown["error.documentField.empty"] =
                words.errors.message(ApiException.DocumentField("medical.blood_type", ValidationProblem.Empty, "must not be empty"), Action.SAVE)

            // 命の宝箱 of 花子: a refused date beside its field, then the blood type saved.
            val box = EmergencySheetViewModel(env(), phone.scope, RecordingPrinter())
            box.load().join()
            shown["box.title"] = box.state.value.title
            shown["box.empty"] = box.state.value.emptyText.orEmpty()
            box.startEdit("identity")
            box.onDraft("identity.birth_date", "昭和16年3月9日")
            box.saveEdit().join()
            shown["box.problem.birthDate"] = box.state.value.edit?.errors?.get("identity.birth_date").orEmpty()
            box.startEdit("medical")
            box.onDraft("medical.blood_type", "AB")
            box.saveEdit().join()
            shown["box.bloodType"] =
                box.state.value.groups.first { it.key == "medical" }.fields.first { it.key == "medical.blood_type" }.shown
            shown["box.history.changed"] = box.state.value.history.first().changed
            shown["box.reviewDue"] = words[StringKey.BOX_REVIEW_DUE]
            // Printing it: the button and what it is for as the screen shows them, then a printer that fails.
            shown["box.print.button"] = box.state.value.printLabel
            shown["box.print.explain"] = box.state.value.printExplain
            val failing = EmergencySheetViewModel(env(), phone.scope, RecordingPrinter(PrintOutcome.FAILED))
            failing.load().join()
            failing.print().join()
            shown["box.print.failed"] = failing.state.value.notice?.text.orEmpty()

            // 花子's checkups: the empty list, then the scenario's checkup through the add form.
            val checkups = CheckupListViewModel(env(), phone.scope)
            checkups.load().join()
            shown["checkup.title"] = checkups.state.value.title
            shown["checkup.empty"] = checkups.state.value.emptyText.orEmpty()
            shown["checkup.add"] = checkups.state.value.addLabel
            val hba1c = "3D046000001906202"
            val fastingGlucose = "3D010000001926101"
            val systolic = "9A751000000000001"
            val form = CheckupFormViewModel(env(), phone.scope)
            form.load().join()
            form.chooseDate(2026, 6, 12)
            form.chooseKind(CheckupKind.TOKUTEI)
            form.onInstitution("広島市民病院")
            form.addPhoto(Receipts.photo(1))
            for ((code, value) in listOf(hba1c to "6.8", fastingGlucose to "105", systolic to "120")) {
                form.openPicker()
                form.addItem(code)
                form.onItemValue(code, value)
            }
            form.save().join()
            shown["checkup.saved"] = form.state.value.notice?.text.orEmpty()
            checkups.load().join()
            val entry = checkups.state.value.rows.single()
            shown["checkup.entry.title"] = entry.title
            shown["checkup.entry.institution"] = entry.institution.orEmpty()
            shown["checkup.entry.counts"] = entry.counts
            shown["checkup.entry.worst"] = entry.worst.orEmpty()
            val checkup = CheckupDetailViewModel(env(), phone.scope, entry.id)
            checkup.load().join()
            val items = checkup.state.value.items.associateBy { it.code }
            shown["checkup.item.hba1c"] = items.getValue(hba1c).line
            shown["checkup.judgement.seeDoctor"] = items.getValue(hba1c).judgement
            shown["checkup.judgement.guidance"] = items.getValue(fastingGlucose).judgement
            shown["checkup.judgement.normal"] = items.getValue(systolic).judgement
            // Items that are not judged, and the judgement over a checkup that is all normal or at most guidance.
            shown["checkup.judgement.noThresholds"] = words.checkups.judgement(CheckupJudgement.NO_THRESHOLDS)
            shown["checkup.judgement.sexNeeded"] = words.checkups.judgement(CheckupJudgement.SEX_NEEDED)
            shown["checkup.judgement.unknownItem"] = words.checkups.judgement(CheckupJudgement.UNKNOWN_ITEM)
            shown["checkup.worst.normal"] = words.checkups.worst(CheckupJudgement.NORMAL).orEmpty()
            shown["checkup.worst.guidance"] = words.checkups.worst(CheckupJudgement.GUIDANCE).orEmpty()
            val trend = CheckupTrendViewModel(env(), phone.scope, hba1c)
            trend.load().join()
            shown["checkup.trend.title"] = trend.state.value.title
            shown["checkup.trend.point"] = trend.state.value.points.single().line
            val home = HomeViewModel(env(), phone.scope)
            home.refresh().join()
            shown["home.latestCheckup"] = home.state.value.latestCheckup?.text.orEmpty()
            shown["checkup.kind.tokutei"] = words.checkups.kind(CheckupKind.TOKUTEI)
            shown["checkup.kind.teiki"] = words.checkups.kind(CheckupKind.TEIKI)
            shown["checkup.kind.other"] = words.checkups.kind(CheckupKind.OTHER)
            checkup.askDelete()
            shown["checkup.deleteQuestion"] = checkup.state.value.deleteQuestion.orEmpty()
            checkup.cancelDelete()

            // Photos that did not fit after a merge, from the wording tables (they need two phones and
            // a server to appear); then the question before removing the checkup's 2nd photo, asked on the screen.
            shown["pages.waiting.title"] = words[StringKey.PAGES_WAITING_TITLE]
            shown["pages.waiting.explain.box"] = words[StringKey.PAGES_WAITING_EXPLAIN_BOX]
            shown["pages.waiting.explain.checkup"] = words[StringKey.PAGES_WAITING_EXPLAIN_CHECKUP]
            shown["pages.waiting.discardQuestion"] = words[StringKey.PAGES_WAITING_DISCARD_QUESTION]
            // Versions other phones saved, when the server could not be asked (step 10): the
            // sheet's tests show it offline after a second phone's sync.
            shown["box.history.onlyHere"] = words[StringKey.BOX_HISTORY_ONLY_HERE]
            checkup.addPage(Receipts.photo(2)).join()
            checkup.askRemovePage(checkup.state.value.pages[1].imageSha256)
            shown["checkup.removePageQuestion"] = checkup.state.value.pendingRemoval?.question.orEmpty()
            checkup.cancelRemovePage()

            people.choose(added.profileId).join()
            shown["profiles.switched"] = people.state.value.notice?.text.orEmpty()

            assertEquals(expected(), shown.toSortedMap())
        }
}
