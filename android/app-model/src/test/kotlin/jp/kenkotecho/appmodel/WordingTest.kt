package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.Account
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.CalendarDay
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.GlucoseTiming
import jp.kenkotecho.core.GlucoseUnit
import jp.kenkotecho.core.HomeBpClass
import jp.kenkotecho.core.HomeBpSummary
import jp.kenkotecho.core.OccasionSummary
import jp.kenkotecho.core.SyncOutcome
import jp.kenkotecho.core.SyncPhase
import jp.kenkotecho.core.SyncProgress
import jp.kenkotecho.core.SyncReport
import jp.kenkotecho.core.SyncStatus
import jp.kenkotecho.core.ValidationProblem
import jp.kenkotecho.core.VitalValue
import jp.kenkotecho.core.Warning
import jp.kenkotecho.core.WarningCode
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import java.time.Instant
import java.time.LocalDate

/** Formatting in both languages, on records built the way the core returns them. */
class WordingTest {
    private val ja = Wording(XmlStringTable.JAPANESE)
    private val en = Wording(XmlStringTable.ENGLISH)

    @Test
    fun readingsPrintWithTheirUnitsAndTheCoreConversion() {
        val bp = VitalValue.BloodPressure(128u, 82u, 70u, BpContext.MORNING)
        assertEquals("128/82 mmHg 脈拍 70・朝", ja.values.valueWithDetail(bp))
        assertEquals("128/82 mmHg, pulse 70, Morning", en.values.valueWithDetail(bp))
        val glucose = VitalValue.Glucose(5.5, GlucoseUnit.MMOL_PER_L, GlucoseTiming.FASTING, 99.0)
        assertEquals("5.5 mmol/L(99 mg/dL)・空腹時", ja.values.valueWithDetail(glucose))
        assertEquals("5.5 mmol/L (99 mg/dL), Fasting", en.values.valueWithDetail(glucose))
        assertEquals("8,000 歩", ja.values.value(VitalValue.Steps(8000u)))
        assertEquals("36.65 ℃", ja.values.value(VitalValue.Temperature(36.65)))
        assertEquals("61.2 kg", en.values.value(VitalValue.Weight(61.2)))
    }

    @Test
    fun validationProblemsAreWordedForTheFieldTheCoreNamed() {
        assertEquals("上の血圧は数字で入力してください。", ja.problems.validation(Field.SYSTOLIC, ValidationProblem.NotANumber))
        assertEquals("Upper (systolic): please enter a number.", en.problems.validation(Field.SYSTOLIC, ValidationProblem.NotANumber))
        assertEquals(
            "脈拍は20〜250 回/分の間で入力してください。測った値を確かめてください。",
            ja.problems.validation(Field.PULSE, ValidationProblem.OutOfRange("20", "250", "/min")),
        )
        assertEquals("体温は小数点以下3けたまでで入力してください。", ja.problems.validation(Field.TEMPERATURE, ValidationProblem.TooManyDecimals(3u)))
        assertEquals("メモは500文字以内で入力してください。", ja.problems.validation(Field.NOTE, ValidationProblem.TooLong(500u)))
        assertEquals(
            "HMコードは、HMカードに書かれている英字と数字をそのまま入力してください。",
            ja.problems.validation(Field.HM_CODE, ValidationProblem.InvalidFormat("4 to 20 letters or digits")),
        )
        assertTrue(ja.problems.validation(Field.DIASTOLIC, ValidationProblem.NotBelowSystolic).startsWith("下の血圧は、上の血圧より小さい数"))
    }

    @Test
    fun warningsCarryTheCoreThresholdAndUnit() {
        assertEquals("上の血圧が180 mmHg以上です。", ja.problems.warning(Warning(Field.SYSTOLIC, WarningCode.AT_OR_ABOVE, 180.0, "mmHg")))
        assertEquals("Blood glucose is below 70 mg/dL.", en.problems.warning(Warning(Field.GLUCOSE, WarningCode.BELOW, 70.0, "mg/dL")))
        assertEquals(
            "体重が前回から3 kgを超えて変わっています。同じ条件で測ったか確かめてください。",
            ja.problems.warning(Warning(Field.WEIGHT, WarningCode.CHANGED_BY_MORE_THAN, 3.0, "kg")),
        )
    }

    @Test
    fun errorsReadAsPlainSentencesWithANextStep() {
        assertEquals(
            "サインインできませんでした。HMコードとパスワードを確かめて、もう一度入力してください。",
            ja.errors.message(ApiException.Auth("HM code or password is not correct"), Action.SIGN_IN),
        )
        assertTrue(ja.errors.message(ApiException.Auth("x"), Action.ACTIVATE).startsWith("登録できませんでした。"))
        assertEquals("サーバーにつながりません。電波の良い所で、もう一度お試しください。", ja.errors.message(ApiException.Network("could not connect"), Action.SYNC))
        assertTrue(ja.errors.message(ApiException.Conflict("profile exists"), Action.ADD_PERSON).contains("すでに登録されています"))
        assertTrue(ja.errors.message(IllegalStateException("boom"), Action.LOAD).contains("もう一度お試しください"))
        // The English reason the core carries is for support staff; it never reaches the person.
        assertFalse(en.errors.message(ApiException.Auth("the server answered 500"), Action.SIGN_IN).contains("500"))
    }

    @Test
    fun datesAreShownAsThePersonSawThemWithOptionalWareki() {
        val at = Instant.parse("2026-11-25T22:05:00Z")
        assertEquals("11月26日(木) 7:05", ja.dates.dateTime(at, 540))
        assertEquals("Thu 26 Nov, 7:05", en.dates.dateTime(at, 540))
        assertEquals("11月25日(水) 23:05", ja.dates.dateTime(at, 60))
        val day = LocalDate.of(2026, 11, 26)
        assertEquals("2026年11月26日(木)", ja.dates.longDay(day))
        assertEquals("令和8年11月26日(木)", Wording(XmlStringTable.JAPANESE, useWareki = true).dates.longDay(day))
        assertEquals("Thu 26 November, Reiwa 8", Wording(XmlStringTable.ENGLISH, useWareki = true).dates.longDay(day))
        assertEquals("11月20日(金)〜11月26日(木)", ja.dates.period(CalendarDay(2026, 11u, 20u), CalendarDay(2026, 11u, 26u)))
    }

    @Test
    fun homeBloodPressureClassesUseJsh2019Wording() {
        val morning = OccasionSummary(7u, 14u, 150.25, 95.0, 70.0, HomeBpClass.GRADE2, false)
        val summary = HomeBpSummary(CalendarDay(2026, 11u, 20u), CalendarDay(2026, 11u, 26u), morning, OccasionSummary(0u, 0u, null, null, null, null, false), HomeBpClass.GRADE2, false, 5u)
        assertEquals("平均は「Ⅱ度高血圧」の範囲です。", ja.bp.overall(summary))
        assertEquals("Your average is in the “grade II hypertension” range.", en.bp.overall(summary))
        assertEquals("朝:平均 150.2/95 mmHg(7日・14回)\n朝:「Ⅱ度高血圧」の範囲", ja.bp.occasion("朝", morning))
        assertTrue(ja.bp.disclaimer().contains("診断ではありません"))
        val few = summary.copy(`class` = null, morning = morning.copy(days = 2u, `class` = null))
        assertEquals("まとめを出すには、7日のうち5日分の朝または夜の測定が必要です。いまは朝 2日、夜 0日です。", ja.bp.overall(few))
        assertNull(ja.bp.isolatedSystolic(summary))
        assertEquals(
            listOf("正常血圧", "正常高値血圧", "高値血圧", "Ⅰ度高血圧", "Ⅱ度高血圧", "Ⅲ度高血圧"),
            HomeBpClass.entries.map { ja.bp.classLabel(it) },
        )
    }

    @Test
    fun syncLinesSayWhatTheCoreReported() {
        val account = Account("http://127.0.0.1:1", "DEMO0001", listOf("DEMO0001"))
        val idle = SyncStatus(account, 0uL, 0uL, false, null, null, null)
        assertEquals("送信を待っている記録はありません。", ja.sync.line(idle, 540).text)
        assertEquals("まだ送っていない記録が2件あります。自動で送信します。", ja.sync.line(idle.copy(pending = 2uL), 540).text)
        val offline = idle.copy(pending = 1uL, lastReport = report(SyncOutcome.Offline("could not connect")))
        val offlineLine = ja.sync.line(offline, 540)
        assertEquals("オフラインです。保存済み、後で送信します", offlineLine.text)
        assertTrue(offlineLine.offline)
        val retrying = idle.copy(pending = 1uL, running = true, lastProgress = SyncProgress(SyncPhase.WAITING_TO_RETRY, 0uL, 0uL, 1uL, "could not connect"))
        assertEquals("オフラインです。保存済み、後で送信します", ja.sync.line(retrying, 540).text)
        assertEquals("Sending…", en.sync.line(idle.copy(running = true), 540).text)
        assertTrue(ja.sync.line(idle.copy(lastReport = report(SyncOutcome.NeedsLogin)), 540).text.startsWith("もう一度サインインしてください"))
        assertTrue(ja.sync.line(idle.copy(account = null, pending = 3uL), 540).text.startsWith("サインインしていません"))
        assertEquals("送信できなかった記録が1件あります。「設定」で確かめてください。", ja.sync.line(idle.copy(pending = 1uL, wedged = 1uL), 540).text)
        val sent = idle.copy(lastSuccess = Instant.parse("2026-11-25T22:05:00Z"))
        assertEquals("すべて送信済みです(最後の送信 11月26日(木) 7:05)。", ja.sync.line(sent, 540).text)
    }

    private fun report(outcome: SyncOutcome) =
        SyncReport(outcome, 0uL, 0uL, 0uL, 0uL, 0uL, 1uL, 0uL, 0uL, 0uL, 1uL, 0uL, emptyList(), false)
}
