package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.bp.BpSummaryViewModel
import jp.kenkotecho.appmodel.support.TOKYO
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.Profile
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import java.time.Instant
import java.time.LocalDate
import java.time.LocalTime

class BpSummaryViewModelTest {
    private val phone = TestPhone()

    @After
    fun close() = phone.close()

    /** Mornings on the six days before today, each at 07:00 in Japan. */
    private fun mornings(owner: Profile, systolic: Int, diastolic: Int) {
        val today = LocalDate.now(TOKYO)
        for (back in 1L..6L) {
            val at: Instant = today.minusDays(back).atTime(LocalTime.of(7, 0)).atZone(TOKYO).toInstant()
            phone.record(owner, phone.bp(systolic, diastolic, BpContext.MORNING), at)
        }
    }

    @Test
    fun aWeekOfHighMorningsIsWordedAsTheBandTheCoreChoseNotADiagnosis() =
        runBlocking {
            val owner = phone.addOwner(name = "山田 花子")
            mornings(owner, 150, 95)
            val vm = BpSummaryViewModel(phone.env(), phone.scope)
            vm.load().join()
            val s = vm.state.value
            assertEquals("平均は「Ⅱ度高血圧」の範囲です。", s.headline)
            assertEquals("朝：平均 150/95 mmHg（6日・6回）\n朝の平均は「Ⅱ度高血圧」の範囲です。", s.morning)
            assertEquals("夜：記録がありません", s.evening)
            assertTrue(s.disclaimer.contains("診断ではありません"))
            assertNull(s.isolatedSystolic)
            assertEquals("山田 花子さんの手帳", s.person?.text)
            assertTrue(s.period, s.period.contains("〜"))
        }

    @Test
    fun isolatedSystolicIsNamedInEnglishToo() =
        runBlocking {
            val owner = phone.addOwner()
            mornings(owner, 142, 80)
            val vm = BpSummaryViewModel(phone.env(XmlStringTable.ENGLISH), phone.scope)
            vm.load().join()
            val s = vm.state.value
            assertEquals("Your average is in the “grade I hypertension” range.", s.headline)
            assertEquals("Only the upper (systolic) value tends to be high (isolated systolic hypertension range).", s.isolatedSystolic)
        }

    @Test
    fun tooFewDaysSaysHowManyTheCoreNeeds() =
        runBlocking {
            val owner = phone.addOwner()
            phone.record(owner, phone.bp(120, 70, BpContext.EVENING), Instant.now().minusSeconds(600))
            val vm = BpSummaryViewModel(phone.env(), phone.scope)
            vm.load().join()
            assertEquals("目安を出すには、7日のうち5日以上、朝か夜の血圧の記録が必要です。いまは朝0日、夜1日です。", vm.state.value.headline)
        }

    @Test
    fun withoutAPersonTheSummarySaysWhatToDoFirst() =
        runBlocking {
            val vm = BpSummaryViewModel(phone.env(), phone.scope)
            vm.load().join()
            assertEquals("まだ手帳の持ち主が決まっていません。最初の設定をしてください。", vm.state.value.error)
            assertEquals("", vm.state.value.headline)
        }
}
