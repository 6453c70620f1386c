package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.chart.ChartViewModel
import jp.kenkotecho.appmodel.support.TOKYO
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.core.Bucket
import jp.kenkotecho.core.VitalInput
import jp.kenkotecho.core.VitalKind
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.time.LocalDate
import java.time.LocalTime
import java.time.format.DateTimeFormatter

class ChartViewModelTest {
    private val phone = TestPhone()

    @After
    fun close() = phone.close()

    @Test
    fun dailyPointsComeFromTheCoreSeriesWithReadableLabels() =
        runBlocking {
            val owner = phone.addOwner()
            val today = LocalDate.now(TOKYO)
            val at = { daysAgo: Long, hour: Int -> today.minusDays(daysAgo).atTime(LocalTime.of(hour, 0)).atZone(TOKYO).toInstant() }
            phone.record(owner, VitalInput.Weight("60"), at(3, 7))
            phone.record(owner, VitalInput.Weight("61"), at(3, 8))
            phone.record(owner, VitalInput.Weight("62"), at(1, 7))
            val vm = ChartViewModel(phone.env(), phone.scope)
            vm.show(VitalKind.WEIGHT, Bucket.DAY).join()
            val s = vm.state.value
            val label = DateTimeFormatter.ofPattern("M/d")
            assertEquals(listOf(today.minusDays(3).format(label), today.minusDays(1).format(label)), s.points.map { it.label })
            assertEquals(listOf(60.5, 62.0), s.points.map { it.value })
            assertEquals(listOf("60.5 kg", "62 kg"), s.points.map { it.valueText })
            // Placed by time: 14 days ending today, the points on days 10 and 12.
            assertEquals(14, s.dayCount)
            assertEquals(listOf(10, 12), s.points.map { it.dayIndex })
            assertEquals("kg", s.unit)
            assertTrue(s.axisMin <= 60.5 && s.axisMax >= 62.0 && s.ticks.size >= 2)
            assertTrue(s.references.isEmpty())
            assertTrue(s.a11y, s.a11y.startsWith("体重のグラフ。"))
            assertEquals(Bucket.DAY, s.buckets.single { it.selected }.value)
        }

    @Test
    fun bloodPressurePointsCarryBothValuesAndAnEmptyPeriodSaysSo() =
        runBlocking {
            val owner = phone.addOwner()
            val vm = ChartViewModel(phone.env(XmlStringTable.ENGLISH), phone.scope)
            vm.show(VitalKind.BLOOD_PRESSURE, Bucket.WEEK).join()
            assertEquals("No readings in this period.", vm.state.value.emptyText)
            phone.record(owner, phone.bp(140, 90, jp.kenkotecho.core.BpContext.MORNING), java.time.Instant.now().minusSeconds(600))
            vm.show(VitalKind.BLOOD_PRESSURE, Bucket.WEEK).join()
            val point = vm.state.value.points.single()
            assertEquals(90.0, point.lower!!, 0.0)
            assertEquals("140/90 mmHg", point.valueText)
            assertEquals(listOf("135 mmHg", "85 mmHg"), vm.state.value.references.map { it.label })
            assertTrue(vm.state.value.axisMax >= 140.0 && vm.state.value.axisMin <= 85.0)
            assertTrue(point.label.startsWith("from "))
        }

    @Test
    fun withoutAPersonTheChartSaysWhatToDoFirst() =
        runBlocking {
            val vm = ChartViewModel(phone.env(), phone.scope)
            vm.show().join()
            assertEquals("まだ手帳の持ち主が決まっていません。最初の設定をしてください。", vm.state.value.error)
            assertTrue(vm.state.value.points.isEmpty())
        }
}
