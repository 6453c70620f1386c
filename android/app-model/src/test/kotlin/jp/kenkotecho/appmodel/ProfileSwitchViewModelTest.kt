package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.home.HomeViewModel
import jp.kenkotecho.appmodel.profile.AddPersonViewModel
import jp.kenkotecho.appmodel.profile.ProfileSwitchViewModel
import jp.kenkotecho.appmodel.support.ServerEnv
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.core.Relationship
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class ProfileSwitchViewModelTest {
    private val phone = TestPhone()

    @After
    fun close() = phone.close()

    @Test
    fun addingAFamilyMemberDoesNotSwitchAndChoosingDoes() =
        runBlocking {
            val owner = phone.addOwner(name = "山田 花子")
            val env = phone.env()
            val add = AddPersonViewModel(env, phone.scope, Relationship.FAMILY)
            add.onHmCode("34005678")
            add.onName("山田 トメ")
            add.submit().join()
            val added = add.state.value.added ?: throw AssertionError("not added: ${add.state.value}")
            assertEquals("山田 トメさんを追加しました。記録するときは、お名前を選んで切り替えてください。", added.message)

            val vm = ProfileSwitchViewModel(env, phone.scope)
            vm.load().join()
            var s = vm.state.value
            assertEquals(listOf("山田 花子", "山田 トメ"), s.people.map { it.name })
            assertEquals(listOf("ご本人", "ご家族"), s.people.map { it.relationship })
            assertEquals("still the owner", owner.id, s.people.single { it.active }.profileId)
            assertEquals("山田 花子さんの手帳", s.person?.text)

            vm.choose(added.profileId).join()
            s = vm.state.value
            assertEquals("山田 トメさんの手帳に切り替えました。", s.notice?.text)
            assertEquals(added.profileId, s.people.single { it.active }.profileId)
            assertEquals("山田 トメさん（ご家族）の手帳を表示しています", s.people.single { it.active }.a11y)

            // Every screen now names the person acted for (U8).
            val home = HomeViewModel(env, phone.scope)
            home.refresh().join()
            assertEquals("山田 トメさんの手帳", home.state.value.person?.text)
        }

    @Test
    fun aPersonIsRenamedAndRemovedOnlyAfterAQuestionThatSaysWhatIsLost() =
        runBlocking {
            val owner = phone.addOwner(name = "山田 花子")
            val mother = phone.core.addProfile("34005678", "山田 トメ", Relationship.FAMILY)
            phone.record(mother, jp.kenkotecho.core.VitalInput.Weight("48.5"), java.time.Instant.now().minusSeconds(60))
            val vm = ProfileSwitchViewModel(phone.env(), phone.scope)
            vm.load().join()

            vm.rename(mother.id, "  ").join()
            assertTrue(vm.state.value.renameError!!, vm.state.value.renameError!!.startsWith("お名前"))
            vm.rename(mother.id, "母").join()
            assertEquals("名前を「母」に変えました。", vm.state.value.notice?.text)
            assertEquals(listOf("山田 花子", "母"), vm.state.value.people.map { it.name })

            vm.askToRemove(mother.id).join()
            val question = vm.state.value.pendingRemoval!!
            assertEquals(
                "母さんを、この端末から外しますか。サーバーにある記録は消えません。\nまだ送っていない記録が1件あります。送らずに外すと、その記録は消えます。",
                question.question,
            )
            // Never signed in, a sync cannot send them: sending first is not offered.
            assertEquals(listOf(null, "送らずに外す"), listOf(question.sendFirst, question.remove))
            vm.cancelRemoval()
            assertEquals(2, phone.core.profiles().size)
            vm.askToRemove(mother.id).join()
            vm.confirmRemoval().join()
            assertEquals("母さんを、この端末から外しました。", vm.state.value.notice?.text)
            assertEquals(listOf(owner.id), phone.core.profiles().map { it.id })
        }

    @Test
    fun sendingFirstRemovesAPersonOnlyOnceTheirRecordsAreSent() =
        runBlocking {
            val online = TestPhone(ServerEnv.url)
            try {
                val owner = online.addOwner(hmCode = ServerEnv.hmCode)
                online.core.login(ServerEnv.hmCode, ServerEnv.password)
                online.record(owner, jp.kenkotecho.core.VitalInput.Weight("61.5"), java.time.Instant.now().minusSeconds(60))
                val vm = ProfileSwitchViewModel(online.env(), online.scope)
                vm.load().join()
                vm.askToRemove(owner.id).join()
                assertEquals("送ってから外す", vm.state.value.pendingRemoval?.sendFirst)
                vm.sendThenRemove().join()
                assertFalse(vm.state.value.busy)
                assertEquals("山田 花子さんを、この端末から外しました。", vm.state.value.notice?.text)
                assertTrue(online.core.profiles().isEmpty())
                assertEquals(0uL, online.core.syncStatus().pending)
            } finally {
                online.close()
            }
        }

    @Test
    fun aFamilyMemberWithABadCardIsRefusedWithTheCoreMessage() =
        runBlocking {
            phone.addOwner()
            val add = AddPersonViewModel(phone.env(), phone.scope, Relationship.FAMILY)
            add.onHmCode("3400_5678")
            add.onName("山田 トメ")
            add.submit().join()
            assertTrue(add.state.value.hmCodeError!!.startsWith("HMカードの番号は、カードに印刷されている"))
            assertEquals(1, phone.core.profiles().size)
        }

    @Test
    fun choosingSomeoneNoLongerOnThePhoneSaysWhatToDo() =
        runBlocking {
            val owner = phone.addOwner()
            val vm = ProfileSwitchViewModel(phone.env(), phone.scope)
            vm.load().join()
            vm.choose("01890000-0000-7000-8000-000000000000").join()
            assertEquals("この方は、この端末に見つかりませんでした。一覧を開き直して、お名前を選んでください。", vm.state.value.notice?.text)
            assertEquals(owner.id, phone.core.activeProfile()?.id)
        }
}
