package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.appmodel.text.Action
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.Account
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.AuthProblem
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.CalendarDay
import jp.kenkotecho.core.ConflictKind
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.ImportProblem
import jp.kenkotecho.core.PhotoProblem
import jp.kenkotecho.core.GlucoseTiming
import jp.kenkotecho.core.GlucoseUnit
import jp.kenkotecho.core.HomeBpClass
import jp.kenkotecho.core.HomeBpSummary
import jp.kenkotecho.core.OccasionSummary
import jp.kenkotecho.core.RecordFamily
import jp.kenkotecho.core.RefusalReason
import jp.kenkotecho.core.ShownValue
import jp.kenkotecho.core.SyncPhase
import jp.kenkotecho.core.SyncProgress
import jp.kenkotecho.core.Source
import jp.kenkotecho.core.SyncState
import jp.kenkotecho.core.SyncStatus
import jp.kenkotecho.core.ValidationProblem
import jp.kenkotecho.core.Vital
import jp.kenkotecho.core.VitalInput
import jp.kenkotecho.core.VitalKind
import jp.kenkotecho.core.VitalValue
import jp.kenkotecho.core.Wait
import jp.kenkotecho.core.WaitUnit
import jp.kenkotecho.core.Warning
import jp.kenkotecho.core.WarningCode
import jp.kenkotecho.core.WedgedItem
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
        // The digits are the core's (ShownValue); the wording adds units and words.
        val bp = VitalValue.BloodPressure(128u, 82u, 70u, BpContext.MORNING)
        val bpShown = ShownValue("128", "82", "70", null)
        assertEquals("128/82 mmHg 脈拍 70・朝", ja.values.valueWithDetail(bp, bpShown))
        assertEquals("128/82 mmHg, pulse 70, Morning", en.values.valueWithDetail(bp, bpShown))
        val glucose = VitalValue.Glucose(5.5, GlucoseUnit.MMOL_PER_L, GlucoseTiming.FASTING, 99.0)
        val glucoseShown = ShownValue("5.5", null, null, "99")
        assertEquals("5.5 mmol/L（99 mg/dL）・空腹時", ja.values.valueWithDetail(glucose, glucoseShown))
        assertEquals("5.5 mmol/L (99 mg/dL), Fasting", en.values.valueWithDetail(glucose, glucoseShown))
        assertEquals("8,000 歩", ja.values.value(VitalValue.Steps(8000u), ShownValue("8,000", null, null, null)))
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
            "HMカードの番号は、カードに印刷されているとおりに入力してください。",
            ja.problems.validation(Field.HM_CODE, ValidationProblem.InvalidFormat("4 to 20 letters or digits")),
        )
        assertTrue(ja.problems.validation(Field.DIASTOLIC, ValidationProblem.NotBelowSystolic).startsWith("下の血圧は、上の血圧より小さい数"))
    }

    @Test
    fun checkupFieldsAndTheirProblemsAreNamed() {
        val fields = listOf(
            Field.CHECKUP_DATE, Field.CHECKUP_KIND, Field.INSTITUTION, Field.PAGES, Field.ITEMS,
            Field.ITEM_CODE, Field.ITEM_VALUE, Field.ITEM_UNIT, Field.ITEM_METHOD,
        )
        assertEquals(
            listOf("健診日", "健診の種類", "健診機関", "写真", "検査項目", "項目コード", "値", "単位", "測定方法"),
            fields.map { ja.values.field(it) },
        )
        assertEquals(
            listOf("Checkup date", "Type of checkup", "Checkup facility", "Photos", "Test items", "Item code", "Value", "Unit", "How it was measured"),
            fields.map { en.values.field(it) },
        )
        // Every field has its own name in both languages.
        assertEquals(Field.entries.size, Field.entries.map { ja.values.field(it) }.toSet().size)
        assertEquals(Field.entries.size, Field.entries.map { en.values.field(it) }.toSet().size)
        assertEquals("写真は20件までにしてください。", ja.problems.validation(Field.PAGES, ValidationProblem.TooMany(20u)))
        assertEquals("Photos: use at most 20.", en.problems.validation(Field.PAGES, ValidationProblem.TooMany(20u)))
        assertEquals("検査項目は200件までにしてください。", ja.problems.validation(Field.ITEMS, ValidationProblem.TooMany(200u)))
        assertEquals("項目コードに同じものが2つ以上あります。1つにしてください。", ja.problems.validation(Field.ITEM_CODE, ValidationProblem.Duplicate))
        assertEquals("Item code: the same entry appears more than once. Keep only one.", en.problems.validation(Field.ITEM_CODE, ValidationProblem.Duplicate))
        assertEquals("値は小数点以下1けたまでで入力してください。", ja.problems.validation(Field.ITEM_VALUE, ValidationProblem.TooManyDecimals(1u)))
        assertEquals("健診日が、これから先の日時になっています。日付と時刻を確かめてください。", ja.problems.validation(Field.CHECKUP_DATE, ValidationProblem.InTheFuture))
    }

    @Test
    fun aRefusedEmergencySheetFieldIsWordedLikeAFormField() {
        fun jaFor(problem: ValidationProblem) = ja.errors.message(ApiException.DocumentField("medical.blood_type", problem, "reason-for-support"), Action.SAVE)
        fun enFor(problem: ValidationProblem) = en.errors.message(ApiException.DocumentField("medical.blood_type", problem, "reason-for-support"), Action.SAVE)
        assertEquals("この項目を入力してください。", jaFor(ValidationProblem.Empty))
        assertEquals("This item: please enter a value.", enFor(ValidationProblem.Empty))
        assertEquals("この項目は200文字以内で入力してください。", jaFor(ValidationProblem.TooLong(200u)))
        assertEquals("この項目は10件までにしてください。", jaFor(ValidationProblem.TooMany(10u)))
        assertEquals("この項目に同じものが2つ以上あります。1つにしてください。", jaFor(ValidationProblem.Duplicate))
        assertEquals("この項目の書き方が違うようです。確かめて、入力し直してください。", jaFor(ValidationProblem.InvalidFormat("one of A, B, O, AB")))
        // The problem reads as the same problem on a form field, with the field named generically.
        assertEquals(ja.problems.documentField(ValidationProblem.NotANumber), jaFor(ValidationProblem.NotANumber))
        assertFalse(enFor(ValidationProblem.Empty).contains("blood_type"))
    }

    @Test
    fun warningsCarryTheCoreThresholdAndUnit() {
        assertEquals("上の血圧が180 mmHg以上です。", ja.problems.warning(Warning(Field.SYSTOLIC, WarningCode.AT_OR_ABOVE, 180.0, "180", "mmHg")))
        assertEquals("Blood glucose is below 70 mg/dL.", en.problems.warning(Warning(Field.GLUCOSE, WarningCode.BELOW, 70.0, "70", "mg/dL")))
        assertEquals(
            "体重が前回から3 kgを超えて変わっています。同じ条件で測ったか確かめてください。",
            ja.problems.warning(Warning(Field.WEIGHT, WarningCode.CHANGED_BY_MORE_THAN, 3.0, "3", "kg")),
        )
    }

    @Test
    fun errorsReadAsPlainSentencesWithANextStep() {
        assertEquals(
            "HMカードの番号かパスワードが違います。もう一度入力してください。",
            ja.errors.message(ApiException.Auth(AuthProblem.WrongCredentials, "HM code or password is not correct"), Action.SIGN_IN),
        )
        assertEquals("サーバーにつながりません。電波の良い所で、もう一度お試しください。", ja.errors.message(ApiException.Network("could not connect"), Action.SYNC))
        assertTrue(ja.errors.message(ApiException.Conflict(ConflictKind.ALREADY_EXISTS, "profile exists"), Action.ADD_PERSON).contains("もう登録されています"))
        assertTrue(ja.errors.message(IllegalStateException("boom"), Action.LOAD).contains("もう一度お試しください"))
        // The English reason the core carries is for support staff; it never reaches the person.
        assertFalse(en.errors.message(ApiException.Auth(AuthProblem.Refused, "the server answered 500"), Action.SIGN_IN).contains("500"))
    }

    @Test
    fun signInRefusalsAreWordedByTheirCause() {
        fun jaFor(problem: AuthProblem, action: Action = Action.SIGN_IN) = ja.errors.message(ApiException.Auth(problem, "x"), action)
        fun enFor(problem: AuthProblem, action: Action = Action.SIGN_IN) = en.errors.message(ApiException.Auth(problem, "x"), action)
        assertEquals("HMカードの番号かパスワードが違います。もう一度入力してください。", jaFor(AuthProblem.WrongCredentials))
        assertEquals("The HM code or the password is not correct. Please enter them again.", enFor(AuthProblem.WrongCredentials))
        // The cause decides, whatever step the person was on.
        assertEquals(jaFor(AuthProblem.WrongCredentials), jaFor(AuthProblem.WrongCredentials, Action.ACTIVATE))
        assertEquals(
            "確認コードが違うか、もう使えません。お手紙に書いてある確認コードを確かめて、もう一度入力してください。" +
                "使えないときは、HMネットのお問い合わせ窓口に新しい確認コードを頼んでください。",
            jaFor(AuthProblem.InvalidActivationCode, Action.ACTIVATE),
        )
        assertEquals(
            "The one-time code is wrong or can no longer be used. Check the code in your letter and enter it again. " +
                "If it still does not work, ask the HM Net help desk for a new code.",
            enFor(AuthProblem.InvalidActivationCode, Action.ACTIVATE),
        )
        assertEquals("パスワードが短すぎます。8文字以上のパスワードを決めて、もう一度入力してください。", jaFor(AuthProblem.WeakPassword, Action.ACTIVATE))
        assertEquals(
            "The password is too short. Choose a password of at least 8 characters and enter it again.",
            enFor(AuthProblem.WeakPassword, Action.ACTIVATE),
        )
        // A refusal without a reason: what to do depends on where the person is.
        assertEquals(
            "サインインできませんでした。しばらくしてから、もう一度サインインしてください。続くときは、HMネットのお問い合わせ窓口にご連絡ください。",
            jaFor(AuthProblem.Refused),
        )
        assertEquals(
            "Sign-in failed. Please wait a little, then sign in again. If this keeps happening, contact the HM Net help desk.",
            enFor(AuthProblem.Refused),
        )
        assertEquals(
            "登録できませんでした。しばらくしてから、もう一度お試しください。続くときは、HMネットのお問い合わせ窓口にご連絡ください。",
            jaFor(AuthProblem.Refused, Action.ACTIVATE),
        )
        assertEquals(
            "Registration failed. Please wait a little, then try again. If this keeps happening, contact the HM Net help desk.",
            enFor(AuthProblem.Refused, Action.ACTIVATE),
        )
        assertEquals(
            "もう一度サインインしてください。記録はこの端末に保存されています。「設定」からサインインできます。",
            jaFor(AuthProblem.Refused, Action.SYNC),
        )
    }

    @Test
    fun tooManyAttemptsSaysHowLongTheCoreSaidToWait() {
        fun auth(unit: WaitUnit, count: ULong) = ApiException.Auth(AuthProblem.TooManyAttempts(Wait(unit, count)), "x")
        assertEquals(
            "何度も続けて違っていたため、しばらく使えません。45秒たってから、もう一度お試しください。",
            ja.errors.message(auth(WaitUnit.SECONDS, 45uL), Action.SIGN_IN),
        )
        assertEquals(
            "何度も続けて違っていたため、しばらく使えません。3分たってから、もう一度お試しください。",
            ja.errors.message(auth(WaitUnit.MINUTES, 3uL), Action.SIGN_IN),
        )
        assertEquals("Too many attempts. Please try again in 60 seconds.", en.errors.message(auth(WaitUnit.SECONDS, 60uL), Action.SIGN_IN))
        assertEquals("Too many attempts. Please try again in 14 minutes.", en.errors.message(auth(WaitUnit.MINUTES, 14uL), Action.SIGN_IN))
    }

    @Test
    fun conflictsSayWhatChangedAndHowToCarryOn() {
        fun jaFor(kind: ConflictKind, action: Action = Action.SAVE) = ja.errors.message(ApiException.Conflict(kind, "x"), action)
        fun enFor(kind: ConflictKind, action: Action = Action.SAVE) = en.errors.message(ApiException.Conflict(kind, "x"), action)
        assertEquals("このHMカードの番号の方は、もう登録されています。「表示する人を切り替える」から選んでください。", jaFor(ConflictKind.ALREADY_EXISTS, Action.ADD_PERSON))
        assertEquals(
            "This HM card number is already added. Choose the person under “Switch person”.",
            enFor(ConflictKind.ALREADY_EXISTS, Action.ADD_PERSON),
        )
        assertEquals("この記録は、開いたあとで訂正されています。一覧に戻って最新の記録を開き、もう一度お試しください。", jaFor(ConflictKind.CORRECTED_SINCE))
        assertEquals(
            "This reading was corrected after you opened it. Go back to the list, open the latest version and try again.",
            enFor(ConflictKind.CORRECTED_SINCE),
        )
        assertEquals("この記録は、開いたあとで削除されています。一覧に戻って開き直し、もう一度お試しください。", jaFor(ConflictKind.DELETED, Action.DELETE))
        assertEquals(
            "This reading was deleted after you opened it. Go back to the list, open it again and try again.",
            enFor(ConflictKind.DELETED, Action.DELETE),
        )
        assertEquals(
            "訂正では、記録の種類（体重や血圧など）は変えられません。種類が違うときは、この記録を削除してから、新しく記録してください。",
            jaFor(ConflictKind.DIFFERENT_KIND),
        )
        assertEquals(
            "A correction cannot change the type of reading (such as weight or blood pressure). " +
                "If the type is wrong, delete this reading and record a new one.",
            enFor(ConflictKind.DIFFERENT_KIND),
        )
        assertEquals("どの記録か一つに決められませんでした。一覧に戻って、記録を選び直してください。", jaFor(ConflictKind.AMBIGUOUS, Action.LOAD))
        assertEquals("More than one reading matches. Go back to the list and choose the reading again.", enFor(ConflictKind.AMBIGUOUS, Action.LOAD))
        assertEquals(ConflictKind.entries.size, ConflictKind.entries.map { jaFor(it) }.toSet().size)
    }

    @Test
    fun everyTypedCauseEndsWithANextStepInBothLanguages() {
        val auth = listOf(AuthProblem.WrongCredentials, AuthProblem.InvalidActivationCode, AuthProblem.WeakPassword, AuthProblem.TooManyAttempts(Wait(WaitUnit.SECONDS, 30uL)), AuthProblem.Refused)
        val errors = auth.map { ApiException.Auth(it, "reason-for-support") } +
            ConflictKind.entries.map { ApiException.Conflict(it, "reason-for-support") } +
            ImportProblem.entries.map { ApiException.Import(it, "reason-for-support") } +
            PhotoProblem.entries.map { ApiException.Photo(it, "reason-for-support") }
        for (action in Action.entries) {
            for (error in errors) {
                val jaText = ja.errors.message(error, action)
                assertTrue(jaText, jaText.endsWith("。") && jaText.contains("ください"))
                val enText = en.errors.message(error, action)
                assertTrue(enText, enText.endsWith("."))
                assertFalse(enText, enText.contains("reason-for-support"))
            }
        }
    }

    @Test
    fun datesAreShownAsThePersonSawThemWithOptionalWareki() {
        val at = Instant.parse("2026-11-25T22:05:00Z")
        assertEquals("11月26日（木） 7:05", ja.dates.dateTime(at, 540))
        assertEquals("Thu 26 Nov, 7:05", en.dates.dateTime(at, 540))
        assertEquals("11月25日（水） 23:05", ja.dates.dateTime(at, 60))
        val day = LocalDate.of(2026, 11, 26)
        assertEquals("2026年11月26日（木）", ja.dates.longDay(day))
        assertEquals("令和8年11月26日（木）", Wording(XmlStringTable.JAPANESE, useWareki = true).dates.longDay(day))
        assertEquals("Thu 26 November, Reiwa 8", Wording(XmlStringTable.ENGLISH, useWareki = true).dates.longDay(day))
        assertEquals("11月20日（金）〜11月26日（木）", ja.dates.period(CalendarDay(2026, 11u, 20u), CalendarDay(2026, 11u, 26u)))
    }

    @Test
    fun homeBloodPressureClassesUseJsh2019Wording() {
        val morning = OccasionSummary(7u, 14u, 150.25, 95.0, 70.0, "150", "95", "70", HomeBpClass.GRADE2, false)
        val summary = HomeBpSummary(CalendarDay(2026, 11u, 20u), CalendarDay(2026, 11u, 26u), morning, OccasionSummary(0u, 0u, null, null, null, null, null, null, null, false), HomeBpClass.GRADE2, false, 5u)
        assertEquals("平均は「Ⅱ度高血圧」の範囲です。", ja.bp.overall(summary))
        assertEquals("Your average is in the “grade II hypertension” range.", en.bp.overall(summary))
        assertEquals("朝：平均 150/95 mmHg（7日・14回）\n朝の平均は「Ⅱ度高血圧」の範囲です。", ja.bp.occasion("朝", morning))
        assertTrue(ja.bp.disclaimer().contains("診断ではありません"))
        val few = summary.copy(`class` = null, morning = morning.copy(days = 2u, `class` = null))
        assertEquals("目安を出すには、7日のうち5日以上、朝か夜の血圧の記録が必要です。いまは朝2日、夜0日です。", ja.bp.overall(few))
        assertNull(ja.bp.isolatedSystolic(summary))
        assertEquals(
            listOf("正常血圧", "正常高値血圧", "高値血圧", "Ⅰ度高血圧", "Ⅱ度高血圧", "Ⅲ度高血圧"),
            HomeBpClass.entries.map { ja.bp.classLabel(it) },
        )
    }

    @Test
    fun eachSyncStateHasItsOwnLine() {
        val account = Account("http://127.0.0.1:1", "DEMO0001", listOf("DEMO0001"))
        fun status(state: SyncState) = SyncStatus(state, account, 0uL, 0uL, 0uL, false, null, null, null)
        val states = listOf(
            SyncState.NotSignedIn,
            SyncState.NeedsLogin,
            SyncState.UpdateRequired,
            SyncState.Running,
            SyncState.Offline(2uL),
            SyncState.Offline(0uL),
            SyncState.Refused(1uL),
            SyncState.NotLinked("34005678", "山田 トメ"),
            SyncState.Pending(2_000uL),
            SyncState.UpToDate(Instant.parse("2026-11-25T22:05:00Z")),
            SyncState.UpToDate(null),
        )
        val lines = states.map { ja.sync.line(status(it), 540) }
        assertEquals(states.size, lines.map { it.text }.toSet().size)
        assertEquals("インターネットにつながっていません。記録は保存しました。つながったら送ります。", lines[4].text)
        assertTrue(lines[4].offline && lines[5].offline && !lines[3].offline)
        assertEquals("送受信しています…", lines[3].text)
        assertEquals("送れなかった記録が1件あります。「設定」で確かめてください。", lines[6].text)
        assertTrue(lines[7].text.startsWith("山田 トメさんの記録"))
        assertEquals("まだ送っていない記録が2,000件あります。次の送受信で送ります。", lines[8].text)
        assertTrue(lines[9].text, lines[9].text.startsWith("すべて送りました（最後の送受信：11月26日"))
        assertEquals("まだ送受信していません。", lines[10].text)
        assertEquals("Syncing…", en.sync.line(status(SyncState.Running), 540).text)
        // While a run sends a photo, the line says how much of it the server holds, in the
        // percent the core rounded.
        fun step(phase: SyncPhase, percent: UByte = 0u) = SyncProgress(phase, 0uL, 0uL, 1uL, "error text", 0uL, 0uL, percent)
        assertEquals("写真を送っています（40%）", ja.sync.line(status(SyncState.Running), 540, step(SyncPhase.UPLOADING, 40u)).text)
        assertEquals("Sending a photo (40%)", en.sync.line(status(SyncState.Running), 540, step(SyncPhase.UPLOADING, 40u)).text)
        assertEquals("写真を送っています（0%）", ja.sync.running(step(SyncPhase.UPLOADING)))
        assertEquals("写真を送っています（100%）", ja.sync.running(step(SyncPhase.UPLOADING, 100u)))
        for (phase in SyncPhase.entries.filter { it != SyncPhase.UPLOADING }) {
            assertEquals("送受信しています…", ja.sync.line(status(SyncState.Running), 540, step(phase)).text)
        }
        assertEquals("送受信しています…", ja.sync.running(null))
        // A progress step left over from a run never changes what another state says.
        assertEquals(lines[8].text, ja.sync.line(status(SyncState.Pending(2_000uL)), 540, step(SyncPhase.UPLOADING, 50u)).text)
        assertEquals("34005678さんの記録は、このサインインでは送れません。ご本人のHMカードでサインインしてください。",
            ja.sync.line(status(SyncState.NotLinked("34005678", null)), 540).text)
    }

    @Test
    fun aRefusedChangeSaysWhichRecordWhenAndWhy() {
        val at = Instant.parse("2025-11-19T22:05:00Z")
        val reading =
            Vital(
                "v1", "p1", VitalKind.BLOOD_PRESSURE, VitalValue.BloodPressure(128u, 82u, 70u, BpContext.MORNING),
                ShownValue("128", "82", "70", null), VitalInput.BloodPressure("128", "82", "70", BpContext.MORNING),
                at, 540, Source.SELF_ENTERED, null, null, null, null, null, at, null, "d1", false,
            )
        fun item(family: RecordFamily, why: RefusalReason, vital: Vital? = null) =
            WedgedItem("m1", family, "vital", "v1", why, null, 1u, at, vital, null)
        assertEquals(
            "血圧 128/82 mmHg 脈拍 70・朝（11月20日（木） 7:05に入力）：サーバーが内容を受け付けませんでした。値を確かめて、訂正してください。",
            ja.refused.item(item(RecordFamily.VITAL, RefusalReason.INVALID_DATA, reading), 540),
        )
        assertEquals(
            "お薬の記録（11月20日（木） 7:05に入力）：いまのサインインでは、この方の記録は送れません。",
            ja.refused.item(item(RecordFamily.MEDICATION, RefusalReason.NOT_ALLOWED), 540),
        )
        assertTrue(en.refused.item(item(RecordFamily.OTHER, RefusalReason.CHANGED_ELSEWHERE), 540).endsWith("): It clashed with a change made on another device."))
        assertEquals("サーバーが受け付けませんでした。", ja.refused.reason(RefusalReason.OTHER))
        assertEquals("先に送る記録が受け付けられなかったため、待っています。", ja.refused.reason(RefusalReason.WAITS_FOR_ANOTHER))
        assertEquals(RefusalReason.values().size, RefusalReason.values().map { ja.refused.reason(it) }.toSet().size)
        assertEquals(RefusalReason.values().size, RefusalReason.values().map { en.refused.reason(it) }.toSet().size)
    }

    @Test
    fun photosAndTheNewFamiliesAreNamedWhenRefused() {
        val at = Instant.parse("2025-11-19T22:05:00Z")
        fun item(family: RecordFamily, why: RefusalReason) = WedgedItem("m1", family, "x", "e1", why, null, 1u, at, null, null)
        assertEquals(
            "写真（11月20日（木） 7:05に入力）：サーバーに預けられる写真の量がいっぱいのため、送れませんでした。HMネットのお問い合わせ窓口にご相談ください。",
            ja.refused.item(item(RecordFamily.PHOTO, RefusalReason.STORAGE_FULL), 540),
        )
        assertEquals(
            "Photo (entered Thu 20 Nov, 7:05): The server has no more room for this account's photos. Please contact the HM Net help desk.",
            en.refused.item(item(RecordFamily.PHOTO, RefusalReason.STORAGE_FULL), 540),
        )
        assertEquals(
            "写真（11月20日（木） 7:05に入力）：写真がこの端末に残っていないため、送れません。",
            ja.refused.item(item(RecordFamily.PHOTO, RefusalReason.PHOTO_MISSING), 540),
        )
        assertEquals("The photo is no longer on this phone, so it cannot be sent.", en.refused.reason(RefusalReason.PHOTO_MISSING))
        assertTrue(ja.refused.item(item(RecordFamily.EMERGENCY_SHEET, RefusalReason.CHANGED_ELSEWHERE), 540).startsWith("命の宝箱（"))
        assertTrue(ja.refused.item(item(RecordFamily.CHECKUP, RefusalReason.WAITS_FOR_ANOTHER), 540).startsWith("健診結果（"))
        assertEquals(listOf("測定の記録", "お薬の記録", "命の宝箱", "健診結果", "写真", "記録"), RecordFamily.entries.map { ja.refused.family(it) })
        assertEquals(
            listOf("Reading", "Medication record", "Emergency sheet", "Checkup result", "Photo", "Record"),
            RecordFamily.entries.map { en.refused.family(it) },
        )
    }
}
