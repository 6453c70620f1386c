package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.checkup.CheckupDetailViewModel
import jp.kenkotecho.appmodel.checkup.CheckupFormViewModel
import jp.kenkotecho.appmodel.checkup.CheckupListViewModel
import jp.kenkotecho.appmodel.checkup.CheckupTrendViewModel
import jp.kenkotecho.appmodel.home.HomeViewModel
import jp.kenkotecho.appmodel.support.Photos
import jp.kenkotecho.appmodel.support.Receipts
import jp.kenkotecho.appmodel.support.ServerEnv
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.core.CalendarDay
import jp.kenkotecho.core.CheckupItemValue
import jp.kenkotecho.core.CheckupJudgement
import jp.kenkotecho.core.CheckupKind
import jp.kenkotecho.core.Field
import jp.kenkotecho.core.Profile
import jp.kenkotecho.core.SheetFieldValue
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File
import java.nio.file.Files

/** 健診結果 over the real core: the list, the add form, one checkup and its changes, an item's trend, two phones. */
class CheckupViewModelTest {
    private val phone = TestPhone()

    @After
    fun close() = phone.close()

    private companion object {
        const val HBA1C = "3D046000001906202"
        const val FASTING_GLUCOSE = "3D010000001926101"
        const val SYSTOLIC = "9A751000000000001"
        const val WAIST = "9N016160100000001"
        const val URINE_GLUCOSE = "1A020000000191111"
        val JUNE_12 = CalendarDay(2026, 6u, 12u)
    }

    private fun owner(): Profile = phone.addOwner(name = "広島 花子")

    /** The scenario's checkup through the add form: one photo, HbA1c 6.8, fasting glucose 105, upper blood pressure 120. */
    private fun addThroughTheForm(vm: CheckupFormViewModel) =
        runBlocking {
            vm.load().join()
            vm.chooseDate(2026, 6, 12)
            vm.chooseKind(CheckupKind.TOKUTEI)
            vm.onInstitution("広島市民病院")
            vm.addPhoto(Receipts.photo(1))
            for ((code, value) in listOf(HBA1C to "6.8", FASTING_GLUCOSE to "105", SYSTOLIC to "120")) {
                vm.openPicker()
                vm.addItem(code)
                vm.onItemValue(code, value)
            }
        }

    @Test
    fun anEmptyListSaysHowToStart() =
        runBlocking {
            owner()
            val vm = CheckupListViewModel(phone.env(), phone.scope)
            vm.load().join()
            val s = vm.state.value
            assertEquals("健診結果", s.title)
            assertEquals("広島 花子さんの手帳", s.person?.text)
            assertEquals("まだ健診結果がありません。「健診結果を加える」から、結果の用紙を写真に撮って残せます。", s.emptyText)
            assertEquals("健診結果を加える", s.addLabel)
            assertEquals(emptyList<Any>(), s.rows)
        }

    @Test
    fun aCheckupAddedWithAPhotoAndItemsIsReadBack() =
        runBlocking {
            val profile = owner()
            val form = CheckupFormViewModel(phone.env(), phone.scope)
            form.load().join()
            var f = form.state.value
            assertEquals("健診結果を加える", f.title)
            assertEquals(listOf("特定健診", "職場の健康診断", "そのほかの健診"), f.kinds.map { it.label })
            assertEquals(listOf(true, false, false), f.kinds.map { it.selected })
            assertEquals("検査項目はまだありません。写真だけでも保存できます。", f.itemsEmptyText)
            addThroughTheForm(form)
            f = form.state.value
            assertEquals("2026年6月12日（金）", f.dateText)
            assertEquals(listOf("1枚目"), f.photos.map { it.title })
            assertEquals(listOf("HbA1c（ヘモグロビン・エーワンシー）（免疫学的方法）", "血糖値（食事前）（電位差法）", "上の血圧（1回目）"), f.items.map { it.label })
            assertEquals(listOf("%", "mg/dL", "mmHg"), f.items.map { it.unit })
            // The picker leaves out what is already in the form and lists the rest by group.
            form.openPicker()
            val groups = form.state.value.pickerGroups
            assertEquals(listOf("身体計測", "血圧", "脂質", "肝機能", "血糖", "尿", "腎機能", "貧血").sorted(), groups.map { it.name }.sorted())
            assertFalse(groups.flatMap { it.items }.any { it.code == HBA1C })
            assertTrue(groups.first { it.name == "血圧" }.items.any { it.label == "上の血圧（2回目）" })
            form.closePicker()

            // A hurried double tap saves once.
            val first = form.save()
            val second = form.save()
            first.join()
            second.join()
            f = form.state.value
            assertEquals("健診結果を保存しました。", f.notice?.text)
            assertNotNull(f.savedId)
            assertEquals(1, phone.core.checkups(profile.id).size)

            val list = CheckupListViewModel(phone.env(), phone.scope)
            list.load().join()
            val row = list.state.value.rows.single()
            assertNull(list.state.value.emptyText)
            assertEquals(f.savedId, row.id)
            assertEquals("2026年6月12日（金）　特定健診", row.title)
            assertEquals("広島市民病院", row.institution)
            assertEquals("写真1枚・検査項目3つ", row.counts)
            assertEquals("受診をすすめる値があります", row.worst)
            assertEquals(Tone.ERROR, row.worstTone)
            assertEquals("まだ送っていません。", row.unsentText)
            assertNull(row.conflictText)
            assertEquals(
                "2026年6月12日（金）　特定健診。広島市民病院。写真1枚・検査項目3つ。受診をすすめる値があります。まだ送っていません。",
                row.a11y,
            )

            val detail = CheckupDetailViewModel(phone.env(), phone.scope, row.id, justSaved = true)
            detail.load().join()
            val d = detail.state.value
            assertEquals("健診結果を保存しました。", d.notice?.text)
            assertEquals("2026年6月12日（金）　特定健診", d.title)
            assertEquals("広島市民病院", d.institution)
            assertEquals(
                listOf("HbA1c（ヘモグロビン・エーワンシー）　6.8 %", "血糖値（食事前）　105 mg/dL", "上の血圧　120 mmHg").sorted(),
                d.items.map { it.line }.sorted(),
            )
            val byCode = d.items.associateBy { it.code }
            assertEquals("受診をすすめる値です。かかりつけ医に相談してください。", byCode.getValue(HBA1C).judgement)
            assertEquals("保健指導の目安を超えています。", byCode.getValue(FASTING_GLUCOSE).judgement)
            assertEquals("基準の範囲内です。", byCode.getValue(SYSTOLIC).judgement)
            assertEquals("1回目", byCode.getValue(SYSTOLIC).variant)
            assertEquals("受診をすすめる値があります", d.worst)
            assertFalse(d.offerSheet)
            val page = d.pages.single()
            assertEquals("1枚目", page.title)
            assertTrue(File(page.thumbnailPath!!).length() > 0)
            assertTrue(File(detail.pageFile(page.imageSha256)!!).length() > 0)
            assertNull(d.pagesEmptyText)
            // Shown again (back from another screen): the saved notice is not repeated.
            detail.load().join()
            assertNull(detail.state.value.notice)
        }

    @Test
    fun aRefusedValueIsShownBesideItsItemAndNothingIsSaved() =
        runBlocking {
            val profile = owner()
            val form = CheckupFormViewModel(phone.env(), phone.scope)
            addThroughTheForm(form)
            form.onItemValue(HBA1C, "68")
            form.save().join()
            var f = form.state.value
            val errors = f.items.associate { it.code to it.error }
            assertEquals("値は2〜25 %の間で入力してください。測った値を確かめてください。", errors[HBA1C])
            assertNull(errors[FASTING_GLUCOSE])
            assertNull(errors[SYSTOLIC])
            assertEquals("赤い字のところを直してから、もう一度「保存する」を押してください。", f.notice?.text)
            assertNull(f.savedId)
            assertFalse(f.saving)
            assertEquals(emptyList<Any>(), phone.core.checkups(profile.id))

            // Correcting the value takes its problem away, and the save goes through.
            form.onItemValue(HBA1C, "6.8")
            assertNull(form.state.value.items.first { it.code == HBA1C }.error)
            form.save().join()
            f = form.state.value
            assertNotNull(f.savedId)
            assertEquals(3, phone.core.checkup(profile.id, f.savedId!!).items.size)
        }

    @Test
    fun twoRefusedValuesAreEachShownBesideTheirOwnItem() =
        runBlocking {
            val profile = owner()
            val form = CheckupFormViewModel(phone.env(), phone.scope)
            addThroughTheForm(form)
            form.onItemValue(HBA1C, "68")
            form.onItemValue(SYSTOLIC, "xyz")
            form.save().join()
            var f = form.state.value
            var errors = f.items.associate { it.code to it.error }
            assertEquals("値は2〜25 %の間で入力してください。測った値を確かめてください。", errors[HBA1C])
            assertEquals("値は数字で入力してください。", errors[SYSTOLIC])
            assertNull("a valid line has no problem", errors[FASTING_GLUCOSE])
            assertNull(f.itemsError)
            assertEquals("赤い字のところを直してから、もう一度「保存する」を押してください。", f.notice?.text)
            assertNull(f.savedId)
            assertEquals(emptyList<Any>(), phone.core.checkups(profile.id))

            // Correcting one takes only its problem away; the other is still refused beside its line.
            form.onItemValue(HBA1C, "6.8")
            errors = form.state.value.items.associate { it.code to it.error }
            assertNull(errors[HBA1C])
            assertEquals("値は数字で入力してください。", errors[SYSTOLIC])
            form.save().join()
            f = form.state.value
            errors = f.items.associate { it.code to it.error }
            assertEquals(listOf(null, null), listOf(errors[HBA1C], errors[FASTING_GLUCOSE]))
            assertEquals("値は数字で入力してください。", errors[SYSTOLIC])
            assertNull(f.savedId)
            assertEquals(emptyList<Any>(), phone.core.checkups(profile.id))
        }

    @Test
    fun aFileThatIsNotAPhotoIsShownBesideThePhotos() =
        runBlocking {
            val profile = owner()
            val form = CheckupFormViewModel(phone.env(), phone.scope)
            form.load().join()
            form.addPhoto(File(Receipts.dir, "receipt.jahis").path)
            form.save().join()
            val f = form.state.value
            assertEquals(
                phone.env().words().errors.message(jp.kenkotecho.core.ApiException.Photo(jp.kenkotecho.core.PhotoProblem.UNSUPPORTED_FORMAT, ""), jp.kenkotecho.appmodel.text.Action.SAVE),
                f.photosError,
            )
            assertNull(f.savedId)
            assertEquals(emptyList<Any>(), phone.core.checkups(profile.id))
            form.removePhoto(f.photos.single().path)
            assertNull(form.state.value.photosError)
            assertEquals(emptyList<Any>(), form.state.value.photos)
        }

    @Test
    fun aDateInTheFutureIsShownBesideTheDate() =
        runBlocking {
            val profile = owner()
            val form = CheckupFormViewModel(phone.env(), phone.scope)
            form.load().join()
            form.chooseDate(2099, 1, 1)
            form.save().join()
            val f = form.state.value
            assertEquals(phone.env().words().problems.validation(Field.CHECKUP_DATE, jp.kenkotecho.core.ValidationProblem.InTheFuture), f.dateError)
            assertNull(f.savedId)
            assertEquals(emptyList<Any>(), phone.core.checkups(profile.id))
        }

    @Test
    fun anOrdinalItemIsChosenFromItsLabels() =
        runBlocking {
            val profile = owner()
            val form = CheckupFormViewModel(phone.env(), phone.scope)
            form.load().join()
            form.addItem(URINE_GLUCOSE)
            val draft = form.state.value.items.single()
            assertTrue(draft.ordinal)
            assertEquals(listOf("−", "±", "+", "++", "+++"), draft.choices.map { it.label })
            form.onItemValue(URINE_GLUCOSE, draft.choices[2].value)
            assertEquals(listOf(false, false, true, false, false), form.state.value.items.single().choices.map { it.selected })
            form.save().join()
            val saved = phone.core.checkup(profile.id, form.state.value.savedId!!)
            assertEquals("3", saved.items.single().value)
            val detail = CheckupDetailViewModel(phone.env(), phone.scope, saved.id)
            detail.load().join()
            assertEquals("尿の糖　+", detail.state.value.items.single().line)
            assertEquals("この項目には判定の目安がありません。", detail.state.value.items.single().judgement)
        }

    @Test
    fun oneCheckupIsChangedItemByItemAndDeletedAfterAsking() =
        runBlocking {
            val profile = owner()
            val id =
                phone.core.addCheckup(
                    profile.id, JUNE_12, CheckupKind.TEIKI, "", "", listOf(), listOf(CheckupItemValue(SYSTOLIC, "128")),
                ).id
            val vm = CheckupDetailViewModel(phone.env(), phone.scope, id)
            vm.load().join()
            assertEquals("2026年6月12日（金）　職場の健康診断", vm.state.value.title)
            assertEquals("写真はまだありません。", vm.state.value.pagesEmptyText)

            // A new item, first refused beside its box, then saved.
            vm.openPicker()
            assertFalse(vm.state.value.pickerGroups.flatMap { it.items }.any { it.code == SYSTOLIC })
            vm.startNewItem(HBA1C)
            vm.onItemValue("abc")
            vm.saveItem().join()
            assertEquals("値は数字で入力してください。", vm.state.value.itemEdit?.draft?.error)
            assertEquals(1, phone.core.checkup(profile.id, id).items.size)
            vm.onItemValue("5.9")
            assertNull(vm.state.value.itemEdit?.draft?.error)
            vm.saveItem().join()
            var s = vm.state.value
            assertNull(s.itemEdit)
            assertEquals("値を保存しました。", s.notice?.text)
            assertEquals("保健指導の目安を超えています。", s.items.first { it.code == HBA1C }.judgement)

            // Correcting starts from the value as recorded.
            vm.startEditItem(SYSTOLIC)
            assertEquals("128", vm.state.value.itemEdit?.draft?.text)
            vm.onItemValue("142")
            vm.saveItem().join()
            assertEquals("上の血圧　142 mmHg", vm.state.value.items.first { it.code == SYSTOLIC }.line)
            assertEquals("受診をすすめる値があります", vm.state.value.worst)

            vm.removeItem(SYSTOLIC).join()
            s = vm.state.value
            assertEquals("項目を外しました。", s.notice?.text)
            assertEquals(listOf(HBA1C), s.items.map { it.code })

            vm.startEditDetails()
            assertEquals("2026年6月12日（金）", vm.state.value.detailsEdit?.dateText)
            vm.chooseDate(2026, 6, 11)
            vm.chooseKind(CheckupKind.TOKUTEI)
            vm.onInstitution("広島市民病院")
            vm.onNote("朝ごはん抜き")
            vm.saveDetails().join()
            s = vm.state.value
            assertNull(s.detailsEdit)
            assertEquals("直した内容を保存しました。", s.notice?.text)
            assertEquals("2026年6月11日（木）　特定健診", s.title)
            assertEquals("広島市民病院", s.institution)
            assertEquals("メモ：朝ごはん抜き", s.noteText)

            vm.addPage(Receipts.photo(2)).join()
            assertEquals("写真を加えました。", vm.state.value.notice?.text)
            assertEquals(listOf("1枚目"), vm.state.value.pages.map { it.title })

            vm.askDelete()
            assertEquals("2026年6月11日（木）の健診結果を消しますか。ほかの端末からも消えます。", vm.state.value.deleteQuestion)
            vm.cancelDelete()
            assertNull(vm.state.value.deleteQuestion)
            assertEquals(1, phone.core.checkups(profile.id).size)
            vm.askDelete()
            vm.confirmDelete().join()
            assertTrue(vm.state.value.deleted)
            assertEquals("健診結果を消しました。", vm.state.value.notice?.text)
            assertEquals(emptyList<Any>(), phone.core.checkups(profile.id))
        }

    @Test
    fun aPageIsRemovedAfterAskingAndADoubleTapRemovesOne() =
        runBlocking {
            val profile = owner()
            val id =
                phone.core.addCheckup(
                    profile.id, JUNE_12, CheckupKind.TOKUTEI, "", "", listOf(Receipts.photo(1), Receipts.photo(2)), listOf(),
                ).id
            val vm = CheckupDetailViewModel(phone.env(), phone.scope, id)
            vm.load().join()
            val (page1, page2) = vm.state.value.pages
            assertEquals(listOf("1枚目", "2枚目"), vm.state.value.pages.map { it.title })
            assertNull(vm.state.value.waiting)

            vm.askRemovePage(page2.imageSha256)
            assertEquals("2枚目の写真を外しますか。ほかの端末からも外れます。", vm.state.value.pendingRemoval?.question)
            vm.cancelRemovePage()
            assertNull(vm.state.value.pendingRemoval)
            assertEquals(2, phone.core.checkup(profile.id, id).pages.size)

            vm.askRemovePage(page2.imageSha256)
            val tap = vm.confirmRemovePage()
            val again = vm.confirmRemovePage()
            tap.join()
            again.join()
            val s = vm.state.value
            assertEquals("写真を外しました。", s.notice?.text)
            assertNull(s.pendingRemoval)
            assertFalse(s.busy)
            assertEquals(listOf(page1.imageSha256), s.pages.map { it.imageSha256 })
            assertEquals(listOf(page1.imageSha256), phone.core.checkup(profile.id, id).pages.map { it.imageSha256 })
        }

    /** Each item line is checked by the core as it is typed, in the add form and in the detail's item editor. */
    @Test
    fun aValueOutOfRangeIsShownBesideItsLineWhileTyping() =
        runBlocking {
            val profile = owner()
            val form = CheckupFormViewModel(phone.env(), phone.scope)
            form.load().join()
            form.addItem(HBA1C)
            form.addItem(SYSTOLIC)
            fun errors() = form.state.value.items.associate { it.code to it.error }
            assertEquals("an untouched line says nothing", mapOf(HBA1C to null, SYSTOLIC to null), errors())
            form.onItemValue(HBA1C, "68")
            assertEquals(mapOf(HBA1C to "値は2〜25 %の間で入力してください。測った値を確かめてください。", SYSTOLIC to null), errors())
            assertEquals("nothing was saved", emptyList<Any>(), phone.core.checkups(profile.id))
            form.onItemValue(HBA1C, "6.8")
            assertEquals(mapOf(HBA1C to null, SYSTOLIC to null), errors())
            form.onItemValue(SYSTOLIC, "12a")
            assertEquals("値は数字で入力してください。", errors()[SYSTOLIC])
            form.onItemValue(SYSTOLIC, "")
            assertEquals("an emptied line says nothing", null, errors()[SYSTOLIC])

            val id = phone.core.addCheckup(profile.id, JUNE_12, CheckupKind.TOKUTEI, "", "", listOf(), listOf(CheckupItemValue(SYSTOLIC, "128"))).id
            val detail = CheckupDetailViewModel(phone.env(), phone.scope, id)
            detail.load().join()
            detail.startEditItem(SYSTOLIC)
            assertNull(detail.state.value.itemEdit?.draft?.error)
            detail.onItemValue("999")
            assertEquals("値は40〜300 mmHgの間で入力してください。測った値を確かめてください。", detail.state.value.itemEdit?.draft?.error)
            assertEquals("128", phone.core.checkup(profile.id, id).items.single().value)
            detail.onItemValue("142")
            assertNull(detail.state.value.itemEdit?.draft?.error)
        }

    @Test
    fun aSexDependentItemOffersTheSheetUntilItHasTheSex() =
        runBlocking {
            val profile = owner()
            val id = phone.core.addCheckup(profile.id, JUNE_12, CheckupKind.TOKUTEI, "", "", listOf(), listOf(CheckupItemValue(WAIST, "87"))).id
            val vm = CheckupDetailViewModel(phone.env(), phone.scope, id)
            vm.load().join()
            val waist = vm.state.value.items.single()
            assertEquals(CheckupJudgement.SEX_NEEDED, waist.judgementKind)
            assertEquals("男性と女性で目安が違う項目です。命の宝箱に性別を書くと判定できます。", waist.judgement)
            assertTrue(vm.state.value.offerSheet)
            assertNull(vm.state.value.worst)

            phone.core.saveEmergencyFields(profile.id, listOf(SheetFieldValue("identity.sex", "male")))
            vm.load().join()
            assertFalse(vm.state.value.offerSheet)
            assertEquals("保健指導の目安を超えています。", vm.state.value.items.single().judgement)
        }

    @Test
    fun anItemsTrendListsItsValuesOldestFirst() =
        runBlocking {
            val profile = owner()
            phone.core.addCheckup(profile.id, JUNE_12, CheckupKind.TOKUTEI, "", "", listOf(), listOf(CheckupItemValue(HBA1C, "6.8")))
            phone.core.addCheckup(profile.id, CalendarDay(2025, 6u, 10u), CheckupKind.TOKUTEI, "", "", listOf(), listOf(CheckupItemValue(HBA1C, "5.5")))
            val vm = CheckupTrendViewModel(phone.env(), phone.scope, HBA1C)
            vm.load().join()
            val s = vm.state.value
            assertEquals("HbA1c（ヘモグロビン・エーワンシー）の移り変わり", s.title)
            assertEquals(
                listOf(
                    "2025年6月10日（火）　5.5 %　基準の範囲内です。",
                    "2026年6月12日（金）　6.8 %　受診をすすめる値です。かかりつけ医に相談してください。",
                ),
                s.points.map { it.line },
            )
            assertEquals(listOf(Tone.SUCCESS, Tone.ERROR), s.points.map { it.tone })
            assertNull(s.emptyText)

            val none = CheckupTrendViewModel(phone.env(), phone.scope, WAIST)
            none.load().join()
            assertEquals("この項目の記録はまだありません。", none.state.value.emptyText)
        }

    @Test
    fun homeShowsTheNewestCheckup() =
        runBlocking {
            val profile = owner()
            val home = HomeViewModel(phone.env(), phone.scope)
            home.refresh().join()
            assertNull(home.state.value.latestCheckup)
            phone.core.addCheckup(profile.id, CalendarDay(2025, 6u, 10u), CheckupKind.TOKUTEI, "", "", listOf(), listOf(CheckupItemValue(HBA1C, "6.8")))
            val newest = phone.core.addCheckup(profile.id, JUNE_12, CheckupKind.TOKUTEI, "", "", listOf(), listOf(CheckupItemValue(SYSTOLIC, "120")))
            home.refresh().join()
            val latest = home.state.value.latestCheckup!!
            assertEquals(newest.id, latest.id)
            assertEquals("最近の健診：2026年6月12日（金）　すべて基準の範囲内です", latest.text)
            phone.core.addCheckup(profile.id, CalendarDay(2026, 7u, 1u), CheckupKind.OTHER, "", "", listOf(Receipts.photo(1)), listOf())
            home.refresh().join()
            assertEquals("最近の健診：2026年7月1日（水）", home.state.value.latestCheckup?.text)
        }

    @Test
    fun theListInEnglish() =
        runBlocking {
            val profile = owner()
            phone.core.addCheckup(profile.id, JUNE_12, CheckupKind.TEIKI, "City Hospital", "", listOf(), listOf(CheckupItemValue(FASTING_GLUCOSE, "105")))
            val vm = CheckupListViewModel(phone.env(strings = XmlStringTable.ENGLISH), phone.scope)
            vm.load().join()
            val row = vm.state.value.rows.single()
            assertEquals("Checkup results", vm.state.value.title)
            assertTrue(row.title, row.title.endsWith(", Workplace health checkup"))
            assertEquals("Photos: 0 · Test items: 1", row.counts)
            assertEquals("Some items are above the health guidance level", row.worst)
        }

    /**
     * Two phones of one account change the same checkup differently (the date, the kind, the note,
     * a number and an ordinal item): the second phone's screen words both sides as the checkup shows
     * them, and settles each by the side chosen.
     */
    @Test
    fun aConflictBetweenTwoPhonesIsShownAndSettled() =
        runBlocking {
            val url = ServerEnv.url
            val first = TestPhone(url)
            val second = TestPhone(url)
            try {
                val a = first.addOwner(hmCode = ServerEnv.hmCode)
                val b = second.addOwner(hmCode = ServerEnv.hmCode)
                first.core.login(ServerEnv.hmCode, ServerEnv.password)
                second.core.login(ServerEnv.hmCode, ServerEnv.password)
                val id =
                    first.core.addCheckup(
                        a.id, JUNE_12, CheckupKind.OTHER, "", "空腹で受診", listOf(),
                        listOf(CheckupItemValue(HBA1C, "5.8"), CheckupItemValue(URINE_GLUCOSE, "1")),
                    ).id
                first.core.syncNow(null)
                second.core.syncNow(null)
                first.core.editCheckup(a.id, id, CalendarDay(2026, 6u, 19u), CheckupKind.TEIKI, null, "")
                first.core.setCheckupItems(a.id, id, listOf(CheckupItemValue(HBA1C, "6.8"), CheckupItemValue(URINE_GLUCOSE, "2")))
                first.core.syncNow(null)
                second.core.editCheckup(b.id, id, CalendarDay(2026, 6u, 20u), CheckupKind.TOKUTEI, null, "朝食後")
                second.core.setCheckupItems(b.id, id, listOf(CheckupItemValue(HBA1C, "7.2"), CheckupItemValue(URINE_GLUCOSE, "3")))
                second.core.syncNow(null)

                val list = CheckupListViewModel(second.env(), second.scope)
                list.load().join()
                assertEquals("ほかの端末と内容が違うところが5つあります。", list.state.value.rows.first { it.id == id }.conflictText)

                val vm = CheckupDetailViewModel(second.env(), second.scope, id)
                vm.load().join()
                val shown = vm.state.value.conflicts.associate { it.label to (it.ours to it.theirs) }
                assertEquals(
                    mapOf(
                        "健診日" to ("この端末：2026年6月20日（土）" to "ほかの端末：2026年6月19日（金）"),
                        "健診の種類" to ("この端末：特定健診" to "ほかの端末：職場の健康診断"),
                        "メモ" to ("この端末：朝食後" to "ほかの端末：（空欄）"),
                        "HbA1c（ヘモグロビン・エーワンシー）" to ("この端末：7.2 %" to "ほかの端末：6.8 %"),
                        "尿の糖" to ("この端末：+" to "ほかの端末：±"),
                    ),
                    shown,
                )

                fun row(label: String) = vm.state.value.conflicts.single { it.label == label }
                vm.chooseOurs(row("HbA1c（ヘモグロビン・エーワンシー）").field).join()
                assertEquals("選んだ内容で保存しました。", vm.state.value.notice?.text)
                vm.chooseTheirs(row("尿の糖").field).join()
                vm.chooseTheirs(row("健診の種類").field).join()
                vm.chooseOurs(row("健診日").field).join()
                vm.chooseTheirs(row("メモ").field).join()
                assertEquals(emptyList<Any>(), vm.state.value.conflicts)
                assertEquals(
                    listOf("HbA1c（ヘモグロビン・エーワンシー）　7.2 %", "尿の糖　±"),
                    vm.state.value.items.map { it.line }.sorted(),
                )
                assertEquals("2026年6月20日（土）　職場の健康診断", vm.state.value.title)
                assertNull(vm.state.value.noteText)
            } finally {
                first.close()
                second.close()
            }
        }

    /**
     * Two phones add photos to one checkup offline, together more than its 20 (A: 1, both sync,
     * A: 19 more, B: 2): on B the checkup shows its 2 extra photos waiting, with the checkup's
     * explanation; removing a page lets the first in, and the other is discarded after asking.
     */
    @Test
    fun photosThatDidNotFitACheckupWaitOnTheDetail() =
        runBlocking {
            val url = ServerEnv.url
            val first = TestPhone(url)
            val second = TestPhone(url)
            val photos = Files.createTempDirectory("techo-photos").toFile()
            try {
                val a = first.addOwner(hmCode = ServerEnv.hmCode)
                val b = second.addOwner(hmCode = ServerEnv.hmCode)
                first.core.login(ServerEnv.hmCode, ServerEnv.password)
                second.core.login(ServerEnv.hmCode, ServerEnv.password)
                val id = first.core.addCheckup(a.id, JUNE_12, CheckupKind.OTHER, "", "", listOf(Photos.jpeg(photos, 0)), listOf()).id
                first.core.syncNow(null)
                second.core.syncNow(null)
                for (n in 1..19) first.core.addCheckupPage(a.id, id, Photos.jpeg(photos, n))
                first.core.syncNow(null)
                for (n in 40..41) second.core.addCheckupPage(b.id, id, Photos.jpeg(photos, n))
                second.core.syncNow(null)

                val vm = CheckupDetailViewModel(second.env(), second.scope, id)
                vm.load().join()
                var s = vm.state.value
                assertEquals(20, s.pages.size)
                val waiting = s.waiting!!
                assertEquals("入りきらなかった写真", waiting.title)
                assertEquals(
                    "ほかの端末で加えた写真と合わせて20枚を超えたため、まだ加わっていない写真です。どれか1枚を外すと、ここから順に加わります。",
                    waiting.explain,
                )
                assertEquals(listOf("入りきらなかった写真 1枚目", "入りきらなかった写真 2枚目"), waiting.photos.map { it.description })
                waiting.photos.forEach { assertTrue(File(it.thumbnailPath!!).length() > 0) }
                val (firstWaiting, secondWaiting) = waiting.photos.map { it.imageSha256 }

                vm.askRemovePage(s.pages.last().imageSha256)
                assertEquals("20枚目の写真を外しますか。ほかの端末からも外れます。", vm.state.value.pendingRemoval?.question)
                vm.confirmRemovePage().join()
                s = vm.state.value
                assertEquals("写真を外しました。", s.notice?.text)
                assertTrue("the first waiting photo took the room", s.pages.any { it.imageSha256 == firstWaiting })
                assertEquals(listOf(secondWaiting), s.waiting?.photos?.map { it.imageSha256 })

                vm.askDiscardWaiting(secondWaiting)
                assertEquals("この写真を捨てますか。この端末にしかない写真です。", vm.state.value.pendingRemoval?.question)
                vm.confirmRemovePage().join()
                s = vm.state.value
                assertEquals("写真を捨てました。", s.notice?.text)
                assertNull(s.waiting)
                assertEquals(20, s.pages.size)
            } finally {
                first.close()
                second.close()
                photos.deleteRecursively()
            }
        }
}
