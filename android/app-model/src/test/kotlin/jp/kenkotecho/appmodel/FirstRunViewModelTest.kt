package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.firstrun.FirstRunStep
import jp.kenkotecho.appmodel.firstrun.FirstRunViewModel
import jp.kenkotecho.appmodel.signin.SignInMode
import jp.kenkotecho.appmodel.support.ServerEnv
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.await
import jp.kenkotecho.core.Account
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.Relationship
import jp.kenkotecho.core.TechoCoreInterface
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class FirstRunViewModelTest {
    private var phone = TestPhone()

    @After
    fun close() = phone.close()

    private suspend fun linked(
        hmCode: String,
        name: String = "山田 花子",
        core: TechoCoreInterface = phone.core,
    ): FirstRunViewModel {
        val vm = FirstRunViewModel(phone.env(core = core), phone.scope)
        vm.person.onHmCode(hmCode)
        vm.person.onName(name)
        vm.person.submit().join()
        return vm
    }

    @Test
    fun aBadHmCodeShowsTheCoreValidationNextToTheCode() =
        runBlocking {
            val vm = linked("12")
            assertEquals("HMカードの番号は、カードに印刷されているとおりに入力してください。", vm.person.state.value.hmCodeError)
            assertNull(vm.person.state.value.added)
            assertEquals(FirstRunStep.PERSON, vm.state.value.step)
            assertTrue(phone.core.profiles().isEmpty())
            vm.person.onHmCode("")
            vm.person.submit().join()
            assertEquals("HMカードの番号を入力してください。", vm.person.state.value.hmCodeError)
        }

    @Test
    fun aMissingNameIsShownNextToTheName() =
        runBlocking {
            val vm = linked("34001234", name = "  ")
            assertEquals("お名前を入力してください。", vm.person.state.value.nameError)
            assertNull(vm.person.state.value.hmCodeError)
        }

    @Test
    fun fullWidthDigitsFromAJapaneseKeyboardLinkTheCardAndMoveToSignIn() =
        runBlocking {
            val vm = linked("３４００－１２３４")
            vm.state.await("sign-in step") { it.step == FirstRunStep.SIGN_IN }
            assertEquals("山田 花子さんを登録しました。次にサインインしてください。", vm.state.value.linkedMessage)
            val profile = phone.core.activeProfile()!!
            assertEquals("34001234", profile.hmCode)
            assertEquals(Relationship.MYSELF, profile.relationship)
            // The sign-in screen starts with the card just linked.
            assertEquals("34001234", vm.signIn.state.value.hmCode)
            vm.skipSignIn()
            assertEquals(FirstRunStep.DONE, vm.state.value.step)
        }

    @Test
    fun backFromSignInCorrectsAMistypedCardNumber() =
        runBlocking {
            val vm = linked("34009999")
            vm.state.await("sign-in step") { it.step == FirstRunStep.SIGN_IN }
            vm.back().join()
            assertEquals(FirstRunStep.PERSON, vm.state.value.step)
            assertEquals("34009999", vm.person.state.value.hmCode)
            assertTrue("the mistyped card is off the phone", phone.core.profiles().isEmpty())
            vm.person.onHmCode("34001234")
            vm.person.submit().join()
            vm.state.await("sign-in step again") { it.step == FirstRunStep.SIGN_IN }
            assertEquals("34001234", phone.core.activeProfile()!!.hmCode)
            assertEquals("34001234", vm.signIn.state.value.hmCode)
        }

    @Test
    fun theSameCardTwiceSaysWhereToFindThePerson() =
        runBlocking {
            phone.addOwner(hmCode = "34001234")
            val vm = linked("34001234")
            assertEquals("このHMカードの番号の方は、もう登録されています。「表示する人を切り替える」から選んでください。", vm.person.state.value.hmCodeError)
        }

    @Test
    fun signingInOfflineSaysSoAndOffersToTryAgain() =
        runBlocking {
            val vm = linked("34001234")
            vm.state.await("sign-in step") { it.step == FirstRunStep.SIGN_IN }
            vm.signIn.onPassword("kenko-demo-1")
            vm.signIn.submit().join()
            assertEquals("サーバーにつながりません。電波の良い所で、もう一度お試しください。", vm.signIn.state.value.error)
            assertFalse(vm.signIn.state.value.done)
            assertEquals(FirstRunStep.SIGN_IN, vm.state.value.step)
        }

    @Test
    fun aWrongPasswordShowsAPlainJapaneseMessage() =
        runBlocking {
            phone = phone.restartWith(ServerEnv.url)
            val vm = linked(ServerEnv.hmCode)
            vm.state.await("sign-in step") { it.step == FirstRunStep.SIGN_IN }
            vm.signIn.onPassword("not-the-password")
            vm.signIn.submit().join()
            assertEquals("HMカードの番号かパスワードが違います。もう一度入力してください。", vm.signIn.state.value.error)
            assertNull(phone.core.account())
            assertEquals("", vm.signIn.state.value.activationCode)
        }

    @Test
    fun theRightPasswordSignsInAndFinishesTheFirstRun() =
        runBlocking {
            phone = phone.restartWith(ServerEnv.url)
            val vm = linked(ServerEnv.hmCode)
            vm.state.await("sign-in step") { it.step == FirstRunStep.SIGN_IN }
            vm.signIn.onPassword(ServerEnv.password)
            vm.signIn.submit().join()
            assertNull(vm.signIn.state.value.error)
            vm.state.await("done") { it.step == FirstRunStep.DONE }
            assertEquals("サインインしました。記録を送受信します。", vm.signIn.state.value.doneText)
            assertEquals("", vm.signIn.state.value.password)
            assertEquals(ServerEnv.hmCode, phone.core.account()?.hmCode)
        }

    @Test
    fun theOneTimeCodeActivatesTheCardAndSignsIn() =
        runBlocking {
            phone = phone.restartWith(ServerEnv.url)
            // The first sign-in after the activation fails, as when the signal drops in between.
            val core = LoginFailsOnce(phone.core)
            val vm = linked(ServerEnv.activationHmCode, name = "デモ 未登録", core = core)
            vm.state.await("sign-in step") { it.step == FirstRunStep.SIGN_IN }
            vm.signIn.onMode(SignInMode.ACTIVATE)
            // Too short a password is refused before the code is looked at (and spent).
            vm.signIn.onActivationCode(ServerEnv.activationCode)
            vm.signIn.onPassword("short")
            vm.signIn.submit().join()
            assertEquals("パスワードが短すぎます。8文字以上のパスワードを決めて、もう一度入力してください。", vm.signIn.state.value.error)
            vm.signIn.onActivationCode("WRNG-CODE-0000")
            vm.signIn.onPassword("kenko-new-pass-7")
            vm.signIn.submit().join()
            assertEquals(
                "確認コードが違うか、もう使えません。お手紙に書いてある確認コードを確かめて、もう一度入力してください。" +
                    "使えないときは、HMネットのお問い合わせ窓口に新しい確認コードを頼んでください。",
                vm.signIn.state.value.error,
            )
            vm.signIn.onActivationCode(ServerEnv.activationCode)
            vm.signIn.submit().join()
            // Activated, not signed in: the form is now a plain sign-in with the new password.
            val afterActivation = vm.signIn.state.value
            assertEquals("サーバーにつながりません。電波の良い所で、もう一度お試しください。", afterActivation.error)
            assertEquals(SignInMode.LOGIN, afterActivation.modes.single { it.selected }.value)
            assertEquals("", afterActivation.activationCode)
            assertEquals("kenko-new-pass-7", afterActivation.password)
            assertNull(phone.core.account())
            // The retry signs in without the spent code (sending it again would be refused).
            vm.signIn.submit().join()
            assertNull(vm.signIn.state.value.error)
            vm.state.await("done") { it.step == FirstRunStep.DONE }
            assertNotNull(phone.core.account())
            assertEquals(2, core.logins)
        }

    private class LoginFailsOnce(private val real: TechoCoreInterface) : TechoCoreInterface by real {
        var logins = 0

        override suspend fun login(hmCode: String, password: String): Account {
            logins += 1
            if (logins == 1) throw ApiException.Network("offline")
            return real.login(hmCode, password)
        }
    }
}
