package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.entry.EntryTarget
import jp.kenkotecho.appmodel.entry.EntryViewModel
import jp.kenkotecho.appmodel.support.TOKYO
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.CalendarDay
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.GlucoseUnit
import jp.kenkotecho.core.PickedDateTime
import jp.kenkotecho.core.VitalInput
import jp.kenkotecho.core.VitalKind
import jp.kenkotecho.core.VitalValue
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import java.time.Clock
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId

class EntryViewModelTest {
    private val phone = TestPhone()

    @After
    fun close() = phone.close()

    private fun entry(target: EntryTarget, strings: XmlStringTable = XmlStringTable.JAPANESE): EntryViewModel =
        EntryViewModel(phone.env(strings), phone.scope, target).also { runBlocking { it.load().join() } }

    @Test
    fun lettersInAFieldShowTheJapaneseMessageForTheFieldTheCoreNamed() =
        runBlocking {
            phone.addOwner()
            val vm = entry(EntryTarget.New(VitalKind.BLOOD_PRESSURE))
            vm.onText(Field.SYSTOLIC, "120")
            vm.onText(Field.DIASTOLIC, "abc")
            vm.save().join()
            val s = vm.state.value
            assertEquals("下の血圧は数字で入力してください。", s.inputs.first { it.field == Field.DIASTOLIC }.error)
            assertNull(s.inputs.first { it.field == Field.SYSTOLIC }.error)
            assertNull(s.saved)
            assertTrue("nothing saved", phone.core.latestVitals(phone.core.activeProfile()!!.id).isEmpty())
            // Typing again clears the message next to that field only.
            vm.onText(Field.DIASTOLIC, "80")
            assertNull(vm.state.value.inputs.first { it.field == Field.DIASTOLIC }.error)
        }

    @Test
    fun aHighReadingIsSavedAndShowsTheCoreWarningWithANextStep() =
        runBlocking {
            phone.addOwner()
            val vm = entry(EntryTarget.New(VitalKind.BLOOD_PRESSURE))
            vm.onText(Field.SYSTOLIC, "185")
            vm.onText(Field.DIASTOLIC, "95")
            vm.chooseBpContext(BpContext.MORNING)
            vm.save().join()
            val saved = vm.state.value.saved ?: throw AssertionError("not saved: ${vm.state.value}")
            assertEquals("保存しました：185/95 mmHg・朝", saved.text)
            assertEquals(listOf("上の血圧が180 mmHg以上です。"), saved.warnings)
            assertTrue(saved.nextStep!!.contains("かかりつけ医に相談"))
            // Saved on the phone, not signed in: the sync line says so.
            assertTrue(saved.sync.text.startsWith("サインインしていません"))
            assertEquals(1, phone.core.latestVitals(phone.core.activeProfile()!!.id).size)
        }

    @Test
    fun glucoseInMmolShowsTheMgDlTheCoreComputed() =
        runBlocking {
            phone.addOwner()
            val vm = entry(EntryTarget.New(VitalKind.GLUCOSE))
            vm.chooseGlucoseUnit(GlucoseUnit.MMOL_PER_L)
            assertEquals("mmol/L", vm.state.value.inputs.single().unit)
            vm.onText(Field.GLUCOSE, "5.5")
            vm.save().join()
            assertEquals("保存しました：5.5 mmol/L（99 mg/dL）・随時", vm.state.value.saved?.text)
            val stored = phone.core.latestVitals(phone.core.activeProfile()!!.id).single().value as VitalValue.Glucose
            assertEquals(99.0, stored.mgDl, 0.0)
        }

    @Test
    fun theFormStartsFromTheCoreDefaultsAndPersonName() =
        runBlocking {
            phone.addOwner(name = "山田 花子")
            val vm = entry(EntryTarget.New(VitalKind.BLOOD_PRESSURE))
            val s = vm.state.value
            assertEquals("山田 花子さんの手帳", s.person?.text)
            assertEquals(listOf(Field.SYSTOLIC, Field.DIASTOLIC, Field.PULSE), s.inputs.map { it.field })
            assertEquals(1, s.bpContext.count { it.selected })
            val now = phone.core.entryDefaults(s.measuredAt, s.offsetMinutes)
            assertEquals(now.bpContext, s.bpContext.single { it.selected }.value)
            assertEquals(540, s.offsetMinutes)
        }

    @Test
    fun emptyAndSwappedValuesAreRefusedWhereTheCoreSays() =
        runBlocking {
            phone.addOwner()
            val vm = entry(EntryTarget.New(VitalKind.BLOOD_PRESSURE))
            vm.save().join()
            assertEquals("上の血圧を入力してください。", vm.state.value.inputs.first { it.field == Field.SYSTOLIC }.error)
            vm.onText(Field.SYSTOLIC, "80")
            vm.onText(Field.DIASTOLIC, "120")
            vm.save().join()
            assertTrue(vm.state.value.inputs.first { it.field == Field.DIASTOLIC }.error!!.startsWith("下の血圧は、上の血圧より小さい数"))
        }

    @Test
    fun aTimeInTheFutureIsShownNextToTheTime() =
        runBlocking {
            phone.addOwner()
            val vm = entry(EntryTarget.New(VitalKind.WEIGHT), XmlStringTable.ENGLISH)
            vm.onText(Field.WEIGHT, "61.2")
            val later = LocalDate.now(TOKYO).plusDays(2)
            vm.pick(CalendarDay(later.year, later.monthValue.toUInt(), later.dayOfMonth.toUInt()), 8u, 0u)
            vm.save().join()
            assertEquals("Time measured is in the future. Please check the date and time.", vm.state.value.measuredAtError)
            assertNull(vm.state.value.saved)
        }

    @Test
    fun aCorrectionStartsFromTheExactTextAndKeepsTheOriginalInHistory() =
        runBlocking {
            val owner = phone.addOwner()
            val original = phone.record(owner, VitalInput.Weight("61.20"), Instant.now().minusSeconds(3600))
            val vm = entry(EntryTarget.Correct(original.id))
            val s = vm.state.value
            assertTrue(s.correcting)
            assertEquals("61.2", s.inputs.single().text)
            vm.onText(Field.WEIGHT, "60.8")
            vm.save().join()
            assertEquals("訂正しました：60.8 kg。前の値は変更の履歴に残ります。", vm.state.value.saved?.text)
            val history = phone.core.vitalHistory(original.id)
            assertEquals(2, history.size)
            assertEquals(original.id, history.first().id)
        }

    @Test
    fun aPickedTimeIsReadInThePhoneZoneAndACorrectionKeepsTheOffsetItWasTakenIn() =
        runBlocking {
            val owner = phone.addOwner()
            // A phone in New York on 8 March 2026, when its clocks went from 02:00 to 03:00.
            val newYork = ZoneId.of("America/New_York")
            val clock = Clock.fixed(Instant.parse("2026-03-08T15:00:00Z"), newYork)
            val vm = EntryViewModel(phone.env(XmlStringTable.ENGLISH, clock), phone.scope, EntryTarget.New(VitalKind.WEIGHT))
            vm.load().join()
            assertEquals(PickedDateTime(CalendarDay(2026, 3u, 8u), 11u, 0u), vm.state.value.picked)
            vm.pick(CalendarDay(2026, 3u, 8u), 2u, 30u)
            var s = vm.state.value
            assertEquals(Instant.parse("2026-03-08T07:30:00Z"), s.measuredAt)
            assertEquals(-240, s.offsetMinutes)
            assertEquals("the time the clocks skipped moved forward", PickedDateTime(CalendarDay(2026, 3u, 8u), 3u, 30u), s.picked)
            assertNull(s.measuredAtError)

            // A reading taken at 07:00 in Japan, corrected on the same phone: still 07:00 +09:00.
            val original = phone.record(owner, VitalInput.Weight("61.2"), Instant.parse("2026-03-06T22:00:00Z"))
            val fix = EntryViewModel(phone.env(XmlStringTable.ENGLISH, clock), phone.scope, EntryTarget.Correct(original.id))
            fix.load().join()
            assertEquals(PickedDateTime(CalendarDay(2026, 3u, 7u), 7u, 0u), fix.state.value.picked)
            fix.pick(CalendarDay(2026, 3u, 7u), 6u, 30u)
            s = fix.state.value
            assertEquals(Instant.parse("2026-03-06T21:30:00Z"), s.measuredAt)
            assertEquals(540, s.offsetMinutes)
            fix.save().join()
            val corrected = phone.core.getVital(fix.state.value.saved!!.vitalId)
            assertEquals(Instant.parse("2026-03-06T21:30:00Z"), corrected.measuredAt)
            assertEquals(540, corrected.utcOffsetMinutes)
        }

    @Test
    fun withoutAPersonTheFormSaysWhatToDoFirst() =
        runBlocking {
            val vm = entry(EntryTarget.New(VitalKind.STEPS))
            assertFalse(vm.state.value.ready)
            assertEquals("まだ手帳の持ち主が決まっていません。最初の設定をしてください。", vm.state.value.formError)
        }
}
