package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.emergency.EmergencySheetViewModel
import jp.kenkotecho.appmodel.emergency.PrintOutcome
import jp.kenkotecho.appmodel.emergency.SheetPrinter
import jp.kenkotecho.appmodel.support.Photos
import jp.kenkotecho.appmodel.support.Receipts
import jp.kenkotecho.appmodel.support.RecordingPrinter
import jp.kenkotecho.appmodel.support.ServerEnv
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.XmlStringTable
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import jp.kenkotecho.core.EmergencySheetView
import jp.kenkotecho.core.SheetConflict
import jp.kenkotecho.core.SheetFieldValue
import jp.kenkotecho.core.TechoCore
import jp.kenkotecho.core.TechoCoreInterface
import java.io.File
import java.nio.file.Files

/** 命の宝箱 over the real core: empty, fields saved by group, a refused value, photo pages, the versions. */
class EmergencySheetViewModelTest {
    private val phone = TestPhone()

    @After
    fun close() = phone.close()

    private fun sheet(english: Boolean = false, printer: SheetPrinter = RecordingPrinter()): EmergencySheetViewModel =
        runBlocking {
            phone.addOwner(name = "広島 花子")
            val env = if (english) phone.env(strings = XmlStringTable.ENGLISH) else phone.env()
            EmergencySheetViewModel(env, phone.scope, printer).also { it.load().join() }
        }

    @Test
    fun anEmptySheetListsEveryGroupWithNothingWritten() {
        val vm = sheet()
        val s = vm.state.value
        assertEquals("命の宝箱", s.title)
        assertEquals("広島 花子さんの手帳", s.person?.text)
        assertEquals("まだ何も書かれていません。「書く・直す」から書いてください。", s.emptyText)
        assertEquals("ご本人", s.groups.first().label)
        assertEquals("お名前", s.groups.first().fields.first().label)
        assertEquals("（まだ書かれていません）", s.groups.first().fields.first().shown)
        assertEquals("写真はまだありません。", s.pagesEmptyText)
        assertNull(s.updatedText)
        assertNull(s.reviewText)
        assertEquals(emptyList<Any>(), s.history)
        assertEquals(emptyList<Any>(), s.conflicts)
    }

    @Test
    fun savedFieldsAreShownInTheirGroupAndInTheHistory() =
        runBlocking {
            val vm = sheet()
            vm.startEdit("medical")
            assertEquals("病気・アレルギー・お薬", vm.state.value.edit?.title)
            val bloodType = vm.state.value.edit!!.fields.first { it.key == "medical.blood_type" }
            assertEquals(listOf("A型", "B型", "O型", "AB型", "わからない"), bloodType.choices.map { it.label })
            vm.onDraft("medical.blood_type", "AB")
            vm.onDraft("medical.conditions", "高血圧\n糖尿病")
            vm.saveEdit().join()
            var s = vm.state.value
            assertNull(s.edit)
            assertEquals("保存しました。", s.notice?.text)
            assertNull(s.emptyText)
            assertTrue(s.updatedText!!, s.updatedText!!.startsWith("最後に書き直した日："))
            assertEquals("まだ送っていない書き直しがあります。", s.unsentText)
            val medical = s.groups.first { it.key == "medical" }
            assertEquals("AB型", medical.fields.first { it.key == "medical.blood_type" }.shown)
            assertEquals("高血圧\n糖尿病", medical.fields.first { it.key == "medical.conditions" }.shown)
            assertEquals(1, s.history.size)
            assertTrue(s.history.single().whenWho, s.history.single().whenWho.endsWith("　この端末で"))
            assertEquals("書き直したところ：治療中の病気、血液型", s.history.single().changed)

            vm.startEdit("identity")
            vm.onDraft("identity.name", "広島 花子")
            vm.saveEdit().join()
            s = vm.state.value
            assertEquals(listOf("書き直したところ：お名前", "書き直したところ：治療中の病気、血液型"), s.history.map { it.changed })
            assertEquals(listOf(2L, 1L), s.history.map { it.number })
        }

    @Test
    fun aRefusedValueIsShownBesideItsFieldAndNothingIsSaved() =
        runBlocking {
            val vm = sheet()
            vm.startEdit("identity")
            vm.onDraft("identity.name", "広島 花子")
            vm.onDraft("identity.birth_date", "昭和16年3月9日")
            vm.saveEdit().join()
            val s = vm.state.value
            val edit = s.edit!!
            assertEquals(mapOf("identity.birth_date" to "生年月日の書き方が違うようです。確かめて、入力し直してください。"), edit.errors)
            assertEquals("赤い字のところを直してから、もう一度「保存する」を押してください。", s.notice?.text)
            assertEquals("例：1941-03-09", edit.fields.first { it.key == "identity.birth_date" }.hint)
            assertNull(phone.core.emergencySheet(phone.core.activeProfile()!!.id))
            assertEquals(emptyList<Any>(), s.history)
            // Correcting the field takes its problem away.
            vm.onDraft("identity.birth_date", "1941-03-09")
            assertEquals(emptyMap<String, String>(), vm.state.value.edit!!.errors)
            vm.saveEdit().join()
            assertNull(vm.state.value.edit)
            assertEquals("1941-03-09", vm.state.value.groups.first().fields.first { it.key == "identity.birth_date" }.shown)
        }

    @Test
    fun aPhotoPageIsAddedListedAndRemovedAfterAsking() =
        runBlocking {
            val vm = sheet()
            vm.addPhoto(Receipts.photo(1)).join()
            var s = vm.state.value
            assertEquals("写真を加えました。", s.notice?.text)
            val page = s.pages.single()
            assertEquals("1枚目", page.title)
            assertTrue(File(page.thumbnailPath!!).length() > 0)
            assertNull(s.pagesEmptyText)
            assertTrue(File(vm.pageFile(page.imageSha256)!!).length() > 0)
            assertEquals("写真だけを変えました", s.history.single().changed)

            vm.addPhoto(File(Receipts.dir, "receipt.jahis").path).join()
            assertEquals(phone.env().words().errors.message(jp.kenkotecho.core.ApiException.Photo(jp.kenkotecho.core.PhotoProblem.UNSUPPORTED_FORMAT, ""), jp.kenkotecho.appmodel.text.Action.SAVE), vm.state.value.notice?.text)
            assertEquals(1, vm.state.value.pages.size)

            vm.askRemovePage(page.imageSha256)
            assertEquals("1枚目の写真を外しますか。前の書き直しの記録には残ります。", vm.state.value.pendingRemoval?.question)
            vm.cancelRemovePage()
            assertNull(vm.state.value.pendingRemoval)
            vm.askRemovePage(page.imageSha256)
            vm.confirmRemovePage().join()
            s = vm.state.value
            assertEquals("写真を外しました。", s.notice?.text)
            assertEquals(emptyList<Any>(), s.pages)
            assertEquals(2, s.history.size)
        }

    @Test
    fun theSavedSheetIsPrintedWithThePersonsNameAsTheJob() =
        runBlocking {
            val printer = RecordingPrinter()
            val vm = sheet(printer = printer)
            assertEquals("印刷する", vm.state.value.printLabel)
            assertEquals("A4の紙に印刷できます。冷蔵庫に入れておくと、救急隊が見つけられます。", vm.state.value.printExplain)
            vm.startEdit("medical")
            vm.onDraft("medical.blood_type", "AB")
            vm.saveEdit().join()
            vm.print().join()
            val job = printer.jobs.single()
            assertEquals("命の宝箱 広島 花子", job.jobName)
            assertTrue(job.html, job.html.contains("<th>血液型</th><td>AB型</td>"))
            val s = vm.state.value
            assertNull(s.notice)
            assertFalse(s.printing)
            assertEquals("印刷する", s.printLabel)
        }

    @Test
    fun aSheetWithNothingWrittenPrintsAsABlankForm() =
        runBlocking {
            val printer = RecordingPrinter()
            val vm = sheet(printer = printer)
            vm.print().join()
            assertTrue(printer.jobs.single().html.contains("<title>命の宝箱</title>"))
            assertNull(vm.state.value.notice)
        }

    @Test
    fun aPrinterThatFailsAsksToTryAgainAndACancelSaysNothing() =
        runBlocking {
            val failing = sheet(printer = RecordingPrinter(PrintOutcome.FAILED))
            failing.print().join()
            assertEquals(Notice("印刷できませんでした。もう一度お試しください。", Tone.ERROR), failing.state.value.notice)
            assertFalse(failing.state.value.printing)

            val cancelling = EmergencySheetViewModel(phone.env(), phone.scope, RecordingPrinter(PrintOutcome.CANCELLED))
            cancelling.load().join()
            cancelling.print().join()
            assertNull(cancelling.state.value.notice)
            assertFalse(cancelling.state.value.printing)
        }

    /** The person was removed from this phone while the screen was open: the core cannot make the page. */
    @Test
    fun aPageTheCoreCannotMakeIsAFailure() =
        runBlocking {
            val printer = RecordingPrinter()
            val vm = sheet(printer = printer)
            phone.core.removeProfile(phone.core.activeProfile()!!.id, true)
            vm.print().join()
            assertEquals("印刷できませんでした。もう一度お試しください。", vm.state.value.notice?.text)
            assertEquals(emptyList<Any>(), printer.jobs)
            assertFalse(vm.state.value.printing)
        }

    @Test
    fun aSecondTapWhileAPrintIsUnderWayPrintsOnce() =
        runBlocking {
            val printer = RecordingPrinter(holdUntilReleased = true)
            val vm = sheet(printer = printer)
            val first = vm.print()
            printer.started.await()
            assertTrue(vm.state.value.printing)
            assertEquals("印刷の用意をしています…", vm.state.value.printLabel)
            vm.print().join()
            printer.release()
            first.join()
            assertEquals(1, printer.jobs.size)
            assertFalse(vm.state.value.printing)
            assertEquals("印刷する", vm.state.value.printLabel)
            // Once it is done, printing again works.
            vm.print().join()
            assertEquals(2, printer.jobs.size)
        }

    @Test
    fun theSameSheetInEnglish() =
        runBlocking {
            val vm = sheet(english = true)
            vm.startEdit("medical")
            vm.onDraft("medical.blood_rh", "+")
            vm.saveEdit().join()
            val s = vm.state.value
            assertEquals("Emergency information sheet", s.title)
            assertEquals("Illnesses, allergies and medicines", s.groups.first { it.key == "medical" }.label)
            assertEquals("Positive (+)", s.groups.first { it.key == "medical" }.fields.first { it.key == "medical.blood_rh" }.shown)
            assertEquals("Changed: Rh", s.history.single().changed)
            assertEquals("Print", s.printLabel)
            assertTrue(s.history.single().whenWho, s.history.single().whenWho.endsWith(", on this device"))
        }

    /**
     * The real core cannot hold a conflict without a second phone and a server: this core shows
     * [conflicts] on the sheet and settles one by saving the kept value through the real core.
     */
    private class ConflictCore(private val real: TechoCore, var conflicts: List<SheetConflict>) : TechoCoreInterface by real {
        val settled = mutableListOf<Pair<String, Boolean>>()

        private fun shown(sheet: EmergencySheetView) = sheet.copy(conflicts = conflicts)

        override fun emergencySheet(profileId: String): EmergencySheetView? = real.emergencySheet(profileId)?.let(::shown)

        override fun saveEmergencyFields(profileId: String, fields: List<SheetFieldValue>): EmergencySheetView =
            shown(real.saveEmergencyFields(profileId, fields))

        override fun resolveEmergencyConflict(profileId: String, key: String, keepOurs: Boolean): EmergencySheetView {
            settled += key to keepOurs
            val c = conflicts.first { it.key == key }
            conflicts = conflicts - c
            return shown(real.saveEmergencyFields(profileId, listOf(SheetFieldValue(key, if (keepOurs) c.ours else c.theirs))))
        }
    }

    @Test
    fun aConflictShowsBothValuesAndIsSettledByChoosing() =
        runBlocking {
            val owner = phone.addOwner()
            phone.core.saveEmergencyFields(owner.id, listOf(SheetFieldValue("care.doctor", "佐藤 先生")))
            val core =
                ConflictCore(
                    phone.core,
                    listOf(
                        SheetConflict("care.doctor", "主治医", "Doctor", "", "佐藤 先生"),
                        SheetConflict("medical.blood_type", "血液型", "Blood type", "A", "O"),
                    ),
                )
            val vm = EmergencySheetViewModel(phone.env(core = core), phone.scope, RecordingPrinter())
            vm.load().join()
            var s = vm.state.value
            assertEquals(listOf("主治医", "血液型"), s.conflicts.map { it.label })
            assertEquals("この端末：（空欄）", s.conflicts[0].ours)
            assertEquals("ほかの端末：佐藤 先生", s.conflicts[0].theirs)
            assertEquals("この端末：A", s.conflicts[1].ours)

            vm.chooseOurs("medical.blood_type").join()
            s = vm.state.value
            assertEquals(listOf("medical.blood_type" to true), core.settled)
            assertEquals("選んだ内容で保存しました。", s.notice?.text)
            assertEquals(listOf("care.doctor"), s.conflicts.map { it.key })
            assertEquals("A型", s.groups.first { it.key == "medical" }.fields.first { it.key == "medical.blood_type" }.shown)
            vm.chooseTheirs("care.doctor").join()
            assertEquals(false, core.settled.last().second)
            assertEquals(emptyList<Any>(), vm.state.value.conflicts)
        }

    /** Two phones of one account save the same field differently: the second phone's screen shows both. */
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
                first.core.saveEmergencyFields(a.id, listOf(SheetFieldValue("care.doctor", "佐藤 先生")))
                first.core.syncNow(null)
                second.core.syncNow(null)
                first.core.saveEmergencyFields(a.id, listOf(SheetFieldValue("care.doctor", "鈴木 先生")))
                first.core.syncNow(null)
                second.core.saveEmergencyFields(b.id, listOf(SheetFieldValue("care.doctor", "田中 先生")))
                second.core.syncNow(null)

                val vm = EmergencySheetViewModel(second.env(), second.scope, RecordingPrinter())
                vm.load().join()
                val conflict = vm.state.value.conflicts.single()
                assertEquals("主治医", conflict.label)
                assertEquals("この端末：田中 先生", conflict.ours)
                assertEquals("ほかの端末：鈴木 先生", conflict.theirs)
                assertTrue(vm.state.value.history.any { it.whenWho.contains("HMカードの番号 ${ServerEnv.hmCode} の方が") })
                vm.chooseOurs("care.doctor").join()
                assertEquals(emptyList<Any>(), vm.state.value.conflicts)
                assertEquals("田中 先生", vm.state.value.groups.first { it.key == "care" }.fields.first { it.key == "care.doctor" }.shown)
            } finally {
                first.close()
                second.close()
            }
        }

    /**
     * A phone that joins late received only the sheet as it stands; its screen adds the versions
     * the other phone saved before, from the server, and keeps them. Offline, it says the others
     * come once it is connected.
     */
    @Test
    fun theHistoryGainsWhatAnotherPhoneSavedBeforeAndSaysWhenItCannotAsk() =
        runBlocking {
            val first = TestPhone(ServerEnv.url)
            var second = TestPhone(ServerEnv.url)
            try {
                val a = first.addOwner(hmCode = ServerEnv.hmCode)
                first.core.login(ServerEnv.hmCode, ServerEnv.password)
                first.core.syncNow(null)
                first.core.saveEmergencyFields(a.id, listOf(SheetFieldValue("care.pharmacy", "みどり薬局")))
                first.core.syncNow(null)
                first.core.saveEmergencyFields(a.id, listOf(SheetFieldValue("care.pharmacy", "あおば薬局")))
                first.core.syncNow(null)
                second.addOwner(hmCode = ServerEnv.hmCode)
                second.core.login(ServerEnv.hmCode, ServerEnv.password)
                second.core.syncNow(null)

                val vm = EmergencySheetViewModel(second.env(), second.scope, RecordingPrinter())
                vm.load().join()
                val history = vm.state.value.history
                val firstSaw = EmergencySheetViewModel(first.env(), first.scope, RecordingPrinter()).also { it.load().join() }.state.value.history
                assertEquals(firstSaw.take(2).map { it.changed }, history.take(2).map { it.changed })
                assertTrue(history[1].whenWho.contains("HMカードの番号 ${ServerEnv.hmCode} の方が"))
                assertNull(vm.state.value.historyNote)

                second = second.restartWith(ServerEnv.closedPortUrl())
                val offline = EmergencySheetViewModel(second.env(), second.scope, RecordingPrinter())
                offline.load().join()
                assertEquals("ほかの端末で書き直した分は、インターネットにつながると表示されます。", offline.state.value.historyNote)
                assertEquals(history, offline.state.value.history)
            } finally {
                first.close()
                second.close()
            }
        }

    /**
     * Two phones add photos of the sheet offline, together more than the 12 it holds (A: 1, both
     * sync, A: 11 more, B: 2): B keeps 12 and its 2 extra photos wait on B. The screen shows them
     * under their heading; removing a page (a double tap removes one) lets the first in, and the
     * other is discarded after asking.
     */
    @Test
    fun photosThatDidNotFitAfterAMergeWaitAndComeInWhenAPageIsRemoved() =
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
                first.core.syncNow(null)
                // The account is shared with other tests: start from a sheet without photos.
                first.core.emergencySheet(a.id)?.pages.orEmpty().forEach { first.core.removeEmergencyPage(a.id, it.imageSha256) }
                first.core.addEmergencyPage(a.id, Photos.jpeg(photos, 0))
                first.core.syncNow(null)
                second.core.syncNow(null)
                for (n in 1..11) first.core.addEmergencyPage(a.id, Photos.jpeg(photos, n))
                first.core.syncNow(null)
                for (n in 20..21) second.core.addEmergencyPage(b.id, Photos.jpeg(photos, n))
                second.core.syncNow(null)

                val vm = EmergencySheetViewModel(second.env(), second.scope, RecordingPrinter())
                vm.load().join()
                var s = vm.state.value
                assertEquals(12, s.pages.size)
                val waiting = s.waiting!!
                assertEquals("入りきらなかった写真", waiting.title)
                assertEquals(
                    "ほかの端末で加えた写真と合わせて12枚を超えたため、まだ加わっていない写真です。どれか1枚を外すと、ここから順に加わります。",
                    waiting.explain,
                )
                assertEquals(listOf("1枚目", "2枚目"), waiting.photos.map { it.title })
                assertEquals(listOf("入りきらなかった写真 1枚目", "入りきらなかった写真 2枚目"), waiting.photos.map { it.description })
                waiting.photos.forEach { assertTrue(File(it.thumbnailPath!!).length() > 0) }
                assertTrue(File(vm.pageFile(waiting.photos[0].imageSha256)!!).length() > 0)
                val (firstWaiting, secondWaiting) = waiting.photos.map { it.imageSha256 }

                vm.askRemovePage(s.pages.first().imageSha256)
                assertEquals("1枚目の写真を外しますか。前の書き直しの記録には残ります。", vm.state.value.pendingRemoval?.question)
                val tap = vm.confirmRemovePage()
                val again = vm.confirmRemovePage()
                tap.join()
                again.join()
                s = vm.state.value
                assertEquals("写真を外しました。", s.notice?.text)
                assertEquals(12, s.pages.size)
                assertTrue("the first waiting photo took the room", s.pages.any { it.imageSha256 == firstWaiting })
                assertEquals(listOf(secondWaiting), s.waiting?.photos?.map { it.imageSha256 })
                assertEquals(listOf("入りきらなかった写真 1枚目"), s.waiting?.photos?.map { it.description })

                vm.askDiscardWaiting(secondWaiting)
                assertEquals("この写真を捨てますか。この端末にしかない写真です。", vm.state.value.pendingRemoval?.question)
                vm.cancelRemovePage()
                assertNull(vm.state.value.pendingRemoval)
                vm.askDiscardWaiting(secondWaiting)
                vm.confirmRemovePage().join()
                s = vm.state.value
                assertEquals("写真を捨てました。", s.notice?.text)
                assertNull(s.waiting)
                assertEquals(12, s.pages.size)
                assertTrue(s.pages.none { it.imageSha256 == secondWaiting })
            } finally {
                first.close()
                second.close()
                photos.deleteRecursively()
            }
        }
}
