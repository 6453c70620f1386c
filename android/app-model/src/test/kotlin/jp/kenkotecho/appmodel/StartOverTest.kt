package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.startup.StartOver
import jp.kenkotecho.appmodel.support.InMemoryKeyStore
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.support.XmlStringTable
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.BpContext
import jp.kenkotecho.core.CoreConfig
import jp.kenkotecho.core.StartOverReport
import jp.kenkotecho.core.TechoCore
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import java.io.File
import java.time.Instant

class StartOverTest {
    private val ja = Wording(XmlStringTable.JAPANESE)

    @Test
    fun onlyFailuresThatRetryingCannotFixOfferStartingOver() {
        assertTrue(StartOver.helps(ApiException.KeyUnavailable()))
        assertTrue(StartOver.helps(ApiException.KeyChanged()))
        assertTrue(StartOver.helps(ApiException.DataDamaged("")))
        assertFalse("unlocking the phone fixes this", StartOver.helps(ApiException.KeyStore("device locked")))
        assertFalse(StartOver.helps(ApiException.StorageFull()))
    }

    @Test
    fun theNoticeSaysWhatWasKept() {
        assertEquals(
            "新しく始めました。まだ送っていない記録 3 件を引き継ぎ、次の送受信で送ります。",
            StartOver.notice(StartOverReport(3uL, 1uL, 10uL, "/x"), ja),
        )
        assertEquals("新しく始めました。サインインすると、サーバーに送った記録が戻ります。", StartOver.notice(StartOverReport(0uL, 0uL, 0uL, "/x"), ja))
    }

    @Test
    fun aLostKeyStartsOverWithAnEmptyNotebookAndKeepsTheOldFile() {
        val phone = TestPhone()
        val owner = phone.addOwner()
        phone.record(owner, phone.bp(128, 82, BpContext.MORNING), Instant.parse("2025-11-20T22:10:00Z"))
        val dir = phone.dir
        val config = CoreConfig(dir.toString(), phone.serverUrl)
        phone.closeKeepingData()

        val lost = InMemoryKeyStore()
        val error =
            try {
                TechoCore.open(config, lost).close()
                fail("the data cannot be opened without its key")
                return
            } catch (e: ApiException) {
                e
            }
        assertTrue(StartOver.helps(error))
        val report = StartOver.run(config, lost)
        assertEquals(0uL, report.salvagedChanges)
        assertTrue(File(report.setAsideFile).exists())
        TechoCore.open(config, lost).use { assertTrue(it.profiles().isEmpty()) }
        dir.toFile().deleteRecursively()
    }
}
