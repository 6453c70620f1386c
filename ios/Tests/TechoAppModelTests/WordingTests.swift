// Both languages are complete and agree on their placeholders, and the core's codes come out as
// plain sentences with a next step.
import Foundation
import TechoAppModel
import TechoKit
import XCTest

final class WordingTests: XCTestCase {
    func testEveryPhraseExistsInBothLanguages() {
        XCTAssertEqual(ja.missing, [])
        XCTAssertEqual(en.missing, [])
        XCTAssertEqual(ja(.appTitle), "健康手帳")
        XCTAssertEqual(en(.appTitle), "Kenko Techo")
    }

    func testPlaceholdersMatchBetweenLanguages() {
        func placeholders(_ text: String) -> Int {
            text.components(separatedBy: "%").count - 1 - 2 * (text.components(separatedBy: "%%").count - 1)
        }
        for phrase in Phrase.allCases {
            XCTAssertEqual(placeholders(ja.template(phrase)), placeholders(en.template(phrase)), phrase.rawValue)
        }
    }

    func testJapaneseUnlessThePhonePrefersEnglish() {
        XCTAssertEqual(AppLanguage.preferred(["ja-JP", "en-US"]), .ja)
        XCTAssertEqual(AppLanguage.preferred(["en-GB"]), .en)
        XCTAssertEqual(AppLanguage.preferred(["vi-VN"]), .ja)
        XCTAssertEqual(AppLanguage.preferred([]), .ja)
    }

    func testEachSyncStateHasItsOwnLine() {
        let states: [SyncState] = [
            .notSignedIn, .needsLogin, .updateRequired, .running, .offline(pending: 2), .offline(pending: 0),
            .refused(count: 1), .notLinked(hmCode: "34005678", displayName: "山田 トメ"), .pending(count: 2_000),
            .upToDate(lastSuccess: Date(timeIntervalSince1970: 1_764_108_300)), .upToDate(lastSuccess: nil),
        ]
        let lines = states.map { ja.syncLine($0) }
        XCTAssertEqual(Set(lines).count, states.count, "\(lines)")
        XCTAssertEqual(lines[4], "インターネットにつながっていません。記録は保存しました。つながったら送ります。")
        XCTAssertEqual(lines[3], "送受信しています…")
        XCTAssertEqual(lines[6], "送れなかった記録が1件あります。「設定」で確かめてください。")
        XCTAssertTrue(lines[7].hasPrefix("山田 トメさんの記録"), lines[7])
        XCTAssertEqual(lines[8], "まだ送っていない記録が2,000件あります。次の送受信で送ります。")
        XCTAssertTrue(lines[9].hasPrefix("すべて送りました（最後の送受信："), lines[9])
        XCTAssertEqual(lines[10], "まだ送受信していません。")
        XCTAssertEqual(en.syncLine(.running), "Syncing…")
        // While a run sends a photo, the line says how much of it the server holds, in the
        // percent the core rounded.
        func step(_ phase: SyncPhase, percent: UInt8 = 0) -> SyncProgress {
            SyncProgress(phase: phase, pushed: 0, pulled: 0, pending: 1, lastError: "error text", uploadSent: 0, uploadSize: 0,
                         uploadPercent: percent)
        }
        XCTAssertEqual(ja.syncLine(.running, progress: step(.uploading, percent: 40)), "写真を送っています（40%）")
        XCTAssertEqual(en.syncLine(.running, progress: step(.uploading, percent: 40)), "Sending a photo (40%)")
        XCTAssertEqual(ja.syncRunning(step(.uploading)), "写真を送っています（0%）")
        XCTAssertEqual(ja.syncRunning(step(.uploading, percent: 100)), "写真を送っています（100%）")
        for phase: SyncPhase in [.starting, .pushing, .pulling, .waitingToRetry, .done] {
            XCTAssertEqual(ja.syncLine(.running, progress: step(phase)), "送受信しています…")
        }
        XCTAssertEqual(ja.syncRunning(nil), "送受信しています…")
        // A progress step left over from a run never changes what another state says.
        XCTAssertEqual(ja.syncLine(.pending(count: 2_000), progress: step(.uploading, percent: 50)), lines[8])
        XCTAssertEqual(ja.syncLine(.notLinked(hmCode: "34005678", displayName: nil)),
                       "34005678さんの記録は、このサインインでは送れません。ご本人のHMカードでサインインしてください。")
    }

    func testRefusedInputIsWordedPerProblem() {
        XCTAssertEqual(ja.problem(.outOfRange(min: "1", max: "300", unit: "kg"), field: .weight),
                       "体重は1〜300 kgの間で入力してください。測った値を確かめてください。")
        XCTAssertEqual(en.problem(.outOfRange(min: "20", max: "250", unit: "/min"), field: .pulse),
                       "Pulse: enter a value from 20 to 250 /min. Please check the reading.")
        XCTAssertEqual(ja.problem(.outOfRange(min: "30", max: "43", unit: "°C"), field: .temperature),
                       "体温は30〜43 ℃の間で入力してください。測った値を確かめてください。")
        XCTAssertEqual(ja.problem(.notANumber, field: .weight), "体重は数字で入力してください。")
        XCTAssertEqual(ja.problem(.tooManyDecimals(max: 1), field: .weight), "体重は小数点以下1けたまでで入力してください。")
        XCTAssertEqual(ja.problem(.tooManyDecimals(max: 0), field: .steps), "歩数は小数点を付けずに入力してください。")
        XCTAssertEqual(ja.problem(.tooLong(maxChars: 500), field: .note), "メモは500文字以内で入力してください。")
        XCTAssertTrue(ja.problem(.invalidFormat(expected: "4 to 20 letters or digits"), field: .hmCode).contains("HMカード"))
        XCTAssertEqual(ja.problem(.tooMany(max: 20), field: .pages), "写真は20件までにしてください。")
        XCTAssertEqual(en.problem(.tooMany(max: 20), field: .pages), "Photos: use at most 20.")
        XCTAssertEqual(ja.problem(.tooMany(max: 200), field: .items), "検査項目は200件までにしてください。")
        XCTAssertEqual(ja.problem(.duplicate, field: .itemCode), "項目コードに同じものが2つ以上あります。1つにしてください。")
        XCTAssertEqual(en.problem(.duplicate, field: .itemCode), "Item code: the same entry appears more than once. Keep only one.")
        XCTAssertEqual(ja.problem(.tooManyDecimals(max: 1), field: .itemValue), "値は小数点以下1けたまでで入力してください。")
        XCTAssertEqual(ja.problem(.inTheFuture, field: .checkupDate), "健診日が、これから先の日時になっています。日付と時刻を確かめてください。")
        let message = ja.message(for: ApiError.Validation(field: .diastolic, problem: .notBelowSystolic, reason: "x"))
        XCTAssertEqual(message, ja(.problemNotBelowSystolic)) // it names both fields itself
    }

    func testCheckupFieldsAreNamed() {
        let fields: [Field] = [.checkupDate, .checkupKind, .institution, .pages, .items, .itemCode, .itemValue, .itemUnit, .itemMethod]
        XCTAssertEqual(fields.map(ja.fieldName), ["健診日", "健診の種類", "健診機関", "写真", "検査項目", "項目コード", "値", "単位", "測定方法"])
        XCTAssertEqual(fields.map(en.fieldName),
                       ["Checkup date", "Type of checkup", "Checkup facility", "Photos", "Test items", "Item code", "Value", "Unit",
                        "How it was measured"])
        let all: [Field] = [.weight, .temperature, .systolic, .diastolic, .pulse, .glucose, .steps, .measuredAt, .note, .deviceName,
                            .hmCode, .displayName, .cursor] + fields
        XCTAssertEqual(Set(all.map(ja.fieldName)).count, all.count, "each field has its own name")
        XCTAssertEqual(Set(all.map(en.fieldName)).count, all.count, "each field has its own name")
    }

    func testARefusedEmergencySheetFieldIsWordedLikeAFormField() {
        func jaDoc(_ problem: ValidationProblem) -> String {
            ja.message(for: ApiError.DocumentField(key: "medical.blood_type", problem: problem, reason: "reason-for-support"))
        }
        func enDoc(_ problem: ValidationProblem) -> String {
            en.message(for: ApiError.DocumentField(key: "medical.blood_type", problem: problem, reason: "reason-for-support"))
        }
        XCTAssertEqual(jaDoc(.empty), "この項目を入力してください。")
        XCTAssertEqual(enDoc(.empty), "This item: please enter a value.")
        XCTAssertEqual(jaDoc(.tooLong(maxChars: 200)), "この項目は200文字以内で入力してください。")
        XCTAssertEqual(jaDoc(.tooMany(max: 10)), "この項目は10件までにしてください。")
        XCTAssertEqual(jaDoc(.duplicate), "この項目に同じものが2つ以上あります。1つにしてください。")
        XCTAssertEqual(jaDoc(.invalidFormat(expected: "one of A, B, O, AB")), "この項目の書き方が違うようです。確かめて、入力し直してください。")
        XCTAssertEqual(jaDoc(.notANumber), ja.documentFieldProblem(.notANumber))
        XCTAssertFalse(enDoc(.empty).contains("blood_type"))
        // A form shows it atop the form: no field of its own knows the sheet's key.
        let form = FormProblems(ApiError.DocumentField(key: "medical.blood_type", problem: .empty, reason: "x"), wording: ja)
        XCTAssertEqual(form.byField, [:])
        XCTAssertEqual(form.general, "この項目を入力してください。")
    }

    func testAFieldsVoiceOverLabelCarriesItsProblem() {
        XCTAssertEqual(ja.fieldLabel(.hmCode, problem: nil), "HMカードの番号")
        let problem = ja.problem(.notANumber, field: .weight)
        XCTAssertEqual(ja.fieldLabel(.weight, problem: problem), problem)
        XCTAssertTrue(problem.hasPrefix("体重"), "the problem names its field, once: \(problem)")
    }

    func testWarningsNameTheFieldTheThresholdAndTheUnit() {
        XCTAssertEqual(ja.warning(Warning(field: .systolic, code: .atOrAbove, threshold: 180, shownThreshold: "180", unit: "mmHg")),
                       "上の血圧が180 mmHg以上です。")
        XCTAssertEqual(en.warning(Warning(field: .weight, code: .changedByMoreThan, threshold: 3, shownThreshold: "3", unit: "kg")),
                       "Weight changed by more than 3 kg since the previous reading. Check that you measured the same way.")
        XCTAssertEqual(ja.warning(Warning(field: .temperature, code: .below, threshold: 35.5, shownThreshold: "35.5", unit: "°C")),
                       "体温が35.5 ℃未満です。")
    }

    func testEveryCoreErrorHasASentenceWithANextStep() {
        var errors: [ApiError] = [
            .NotFound(entity: "reading"), .NoActiveProfile, .KeyUnavailable, .KeyChanged,
            .KeyStore(reason: "x"), .UpdateRequired(reason: "x"), .StorageFull, .DataDamaged(reason: "x"),
            .Network(reason: "x"), .Internal(reason: "x"),
        ]
        errors += conflictKinds.map { ApiError.Conflict(kind: $0, reason: "x") }
        errors += authProblems.map { ApiError.Auth(problem: $0, reason: "x") }
        errors += [ImportProblem.prescriptionSymbol, .notMedicationData, .otherReceipt, .scanAgain, .unreadableCode]
            .map { ApiError.Import(problem: $0, reason: "x") }
        errors += [PhotoProblem.unsupportedFormat, .tooLarge, .damaged, .noCodeFound]
            .map { ApiError.Photo(problem: $0, reason: "x") }
        for error in errors {
            let text = ja.message(for: error)
            XCTAssertTrue(text.hasSuffix("。"), text)
            XCTAssertFalse(text.contains("x"), "the core's English reason is not shown: \(text)")
            XCTAssertTrue(text.contains("ください"), "a next step: \(text)")
        }
        XCTAssertEqual(ja.message(for: CocoaError(.fileNoSuchFile)), ja(.errorInternal))
    }

    func testSignInRefusalsSayWhyAndWhatToDo() {
        func jaAuth(_ problem: AuthProblem) -> String { ja.message(for: ApiError.Auth(problem: problem, reason: "x")) }
        func enAuth(_ problem: AuthProblem) -> String { en.message(for: ApiError.Auth(problem: problem, reason: "x")) }
        XCTAssertEqual(jaAuth(.wrongCredentials), "HMカードの番号かパスワードが違います。もう一度入力してください。")
        XCTAssertEqual(enAuth(.wrongCredentials), "The HM card number or the password is wrong. Please enter them again.")
        XCTAssertEqual(jaAuth(.invalidActivationCode),
                       "確認コードが違うか、もう使えません。お手紙に書いてある確認コードを確かめて、もう一度入力してください。"
                           + "使えないときは、HMネットの窓口に新しい確認コードを頼んでください。")
        XCTAssertEqual(enAuth(.invalidActivationCode),
                       "This code is wrong or can no longer be used. Check the code on the letter and enter it again. "
                           + "If it still does not work, ask the HM-net help desk for a new code.")
        XCTAssertEqual(jaAuth(.weakPassword), "パスワードが短すぎます。8文字以上のパスワードを決めて、もう一度入力してください。")
        XCTAssertEqual(enAuth(.weakPassword),
                       "The password is too short. Choose a password of at least 8 characters and enter it again.")
        XCTAssertEqual(jaAuth(.refused),
                       "サーバーがサインインを受け付けませんでした。もう一度サインインしてください。続くときは、HMネットの窓口にご相談ください。")
        XCTAssertEqual(enAuth(.refused),
                       "The server did not accept the sign-in. Please sign in again. "
                           + "If this keeps happening, contact the HM-net help desk.")
    }

    func testTooManyAttemptsSaysHowLongToWaitFromTheCore() {
        func jaWait(_ unit: WaitUnit, _ count: UInt64) -> String {
            ja.message(for: ApiError.Auth(problem: .tooManyAttempts(wait: Wait(unit: unit, count: count)), reason: "x"))
        }
        XCTAssertEqual(jaWait(.seconds, 45), "何度も続けて違っていたため、しばらく使えません。45秒たってから、もう一度お試しください。")
        XCTAssertEqual(jaWait(.minutes, 3), "何度も続けて違っていたため、しばらく使えません。3分たってから、もう一度お試しください。")
        XCTAssertEqual(en.signInProblem(.tooManyAttempts(wait: Wait(unit: .seconds, count: 60))), "Too many attempts. Please try again in 60 seconds.")
        XCTAssertEqual(en.signInProblem(.tooManyAttempts(wait: Wait(unit: .minutes, count: 14))), "Too many attempts. Please try again in 14 minutes.")
    }

    func testConflictsSayWhatChangedAndHowToCarryOn() {
        func jaConflict(_ kind: ConflictKind) -> String { ja.message(for: ApiError.Conflict(kind: kind, reason: "x")) }
        func enConflict(_ kind: ConflictKind) -> String { en.message(for: ApiError.Conflict(kind: kind, reason: "x")) }
        XCTAssertEqual(jaConflict(.alreadyExists), "このHMカードの番号の方は、もう登録されています。「表示する人を切り替える」から選んでください。")
        XCTAssertEqual(enConflict(.alreadyExists), "This HM card number is already added. Choose the person under “Switch person”.")
        XCTAssertEqual(jaConflict(.correctedSince), "この記録は、表示したあとで訂正されています。一覧を開き直して、もう一度試してください。")
        XCTAssertEqual(enConflict(.correctedSince), "This reading was corrected after it was shown. Reopen the list and try again.")
        XCTAssertEqual(jaConflict(.deleted), "この記録は、表示したあとで削除されています。一覧を開き直して、もう一度試してください。")
        XCTAssertEqual(enConflict(.deleted), "This reading was deleted after it was shown. Reopen the list and try again.")
        XCTAssertEqual(jaConflict(.differentKind),
                       "訂正では、記録の種類（体重や血圧など）は変えられません。種類が違うときは、この記録を削除して、新しく記録してください。")
        XCTAssertEqual(enConflict(.differentKind),
                       "A correction cannot change the type of reading (weight, blood pressure and so on). "
                           + "If the type is wrong, delete this reading and record a new one.")
        XCTAssertEqual(jaConflict(.ambiguous), "どの記録か一つに決められませんでした。一覧を開き直して、記録を選び直してください。")
        XCTAssertEqual(enConflict(.ambiguous), "More than one reading matches. Reopen the list and choose the reading again.")
        XCTAssertEqual(Set(conflictKinds.map(jaConflict)).count, conflictKinds.count, "each kind reads differently")
        XCTAssertEqual(Set(authProblems.map { ja.signInProblem($0) }).count, authProblems.count)
    }

    func testHomeBloodPressureBandsAreInformationNotDiagnosis() {
        XCTAssertTrue(ja(.bpDisclaimer).contains("診断ではありません"))
        XCTAssertTrue(en(.bpDisclaimer).contains("not a diagnosis"))
        let bands: [HomeBpClass] = [.normal, .highNormal, .elevated, .grade1, .grade2, .grade3]
        XCTAssertEqual(Set(bands.map(ja.bpClassName)).count, 6)
        for band in bands { XCTAssertTrue(ja.bpClassName(band).hasSuffix("血圧")) }
        let occasion = OccasionSummary(days: 5, readings: 9, meanSystolic: 131.6, meanDiastolic: 84.2, meanPulse: nil,
                                       shownSystolic: "132", shownDiastolic: "84", shownPulse: nil, class: .elevated, isolatedSystolic: false)
        XCTAssertEqual(ja.bpOccasionLine(occasion, morning: true), "朝：平均 132/84 mmHg（5日・9回）\n朝の平均は「高値血圧」の範囲です。")
        let none = OccasionSummary(days: 0, readings: 0, meanSystolic: nil, meanDiastolic: nil, meanPulse: nil,
                                   shownSystolic: nil, shownDiastolic: nil, shownPulse: nil, class: nil, isolatedSystolic: false)
        XCTAssertEqual(en.bpOccasionLine(none, morning: false), "Evening: no readings")
    }

    func testARefusedChangeSaysWhichRecordWhenAndWhy() {
        let at = jstDate(2025, 11, 20, 7, 5)
        let reading = Vital(
            id: "v1", profileId: "p1", kind: .bloodPressure,
            value: .bloodPressure(systolic: 128, diastolic: 82, pulse: 70, context: .morning),
            shown: ShownValue(value: "128", diastolic: "82", pulse: "70", convertedMgDl: nil),
            asInput: .bloodPressure(systolic: "128", diastolic: "82", pulse: "70", context: .morning),
            measuredAt: at, utcOffsetMinutes: 540, source: .selfEntered, deviceName: nil, note: nil, amends: nil,
            supersededBy: nil, deletedAt: nil, recordedAt: at, enteredBy: nil, originDevice: "d1", synced: false)
        func item(_ family: RecordFamily, _ why: RefusalReason, vital: Vital? = nil) -> WedgedItem {
            WedgedItem(mutationId: "m1", family: family, entity: "vital", entityId: "v1", why: why, reason: nil,
                       attempts: 1, createdAt: at, vital: vital, medication: nil)
        }
        let line = ja.refusedChange(item(.vital, .invalidData, vital: reading))
        XCTAssertEqual(line, "血圧 \(ja.valueText(reading))（\(ja.dateTime(at))に入力）：サーバーが内容を受け付けませんでした。値を確かめて、訂正してください。")
        XCTAssertTrue(line.contains("128/82"), "the reading itself is named: \(line)")
        XCTAssertEqual(ja.refusedChange(item(.medication, .notAllowed)),
                       "お薬の記録（\(ja.dateTime(at))に入力）：いまのサインインでは、この方の記録は送れません。")
        XCTAssertEqual(en.refusedChange(item(.other, .changedElsewhere)),
                       "Record (entered \(en.dateTime(at))): It clashed with a change made on another device.")
        XCTAssertEqual(ja.refusedReason(.other), "サーバーが受け付けませんでした。")
        XCTAssertEqual(ja.refusedReason(.waitsForAnother), "先に送る記録が受け付けられなかったため、待っています。")
        XCTAssertEqual(ja.refusedReason(.notAccepted), ja(.refusedReasonUpdate))
        let reasons: [RefusalReason] = [.invalidData, .notAllowed, .tooLarge, .changedElsewhere, .notAccepted, .waitsForAnother,
                                        .storageFull, .photoMissing, .other]
        XCTAssertEqual(Set(reasons.map(ja.refusedReason)).count, reasons.count, "one phrase per reason")
        XCTAssertEqual(Set(reasons.map(en.refusedReason)).count, reasons.count, "one phrase per reason")
    }

    func testPhotosAndTheNewFamiliesAreNamedWhenRefused() {
        let at = jstDate(2025, 11, 20, 7, 5)
        func item(_ family: RecordFamily, _ why: RefusalReason) -> WedgedItem {
            WedgedItem(mutationId: "m1", family: family, entity: "x", entityId: "e1", why: why, reason: nil,
                       attempts: 1, createdAt: at, vital: nil, medication: nil)
        }
        XCTAssertEqual(ja.refusedChange(item(.photo, .storageFull)),
                       "写真（\(ja.dateTime(at))に入力）：サーバーに預けられる写真の量がいっぱいのため、送れませんでした。HMネットのお問い合わせ窓口にご相談ください。")
        XCTAssertEqual(en.refusedChange(item(.photo, .storageFull)),
                       "Photo (entered \(en.dateTime(at))): The server has no more room for this account's photos. Please contact the HM-net help desk.")
        XCTAssertEqual(ja.refusedChange(item(.photo, .photoMissing)),
                       "写真（\(ja.dateTime(at))に入力）：写真がこの端末に残っていないため、送れません。")
        XCTAssertEqual(en.refusedReason(.photoMissing), "The photo is no longer on this phone, so it cannot be sent.")
        XCTAssertTrue(ja.refusedChange(item(.emergencySheet, .changedElsewhere)).hasPrefix("命の宝箱（"))
        XCTAssertTrue(ja.refusedChange(item(.checkup, .waitsForAnother)).hasPrefix("健診結果（"))
        let families: [RecordFamily] = [.vital, .medication, .emergencySheet, .checkup, .photo, .other]
        XCTAssertEqual(families.map(ja.familyName), ["測定の記録", "お薬の記録", "命の宝箱", "健診結果", "写真", "記録"])
        XCTAssertEqual(families.map(en.familyName), ["Reading", "Medication record", "Emergency sheet", "Checkup result", "Photo", "Record"])
    }

    func testDatesShowTheReadingsOwnOffset() {
        let sevenTen = jstDate(2025, 11, 20, 7, 10)
        XCTAssertTrue(ja.dateTime(sevenTen, utcOffsetMinutes: 540).contains("7:10"))
        XCTAssertTrue(ja.dateTime(sevenTen, utcOffsetMinutes: 540).contains("11月20日"))
        XCTAssertTrue(ja.dateTime(sevenTen, utcOffsetMinutes: 0).contains("22:10"), "taken abroad, shown as seen there")
        XCTAssertTrue(ja.day(CalendarDay(year: 2025, month: 11, day: 20)).contains("2025年11月20日"))
    }
}

private let conflictKinds: [ConflictKind] = [.alreadyExists, .correctedSince, .deleted, .differentKind, .ambiguous, .unsentChanges]
private let authProblems: [AuthProblem] = [
    .wrongCredentials, .invalidActivationCode, .weakPassword, .tooManyAttempts(wait: Wait(unit: .seconds, count: 30)), .refused,
]
