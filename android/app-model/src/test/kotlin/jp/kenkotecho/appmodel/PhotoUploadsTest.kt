package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.support.Photos
import jp.kenkotecho.appmodel.support.ServerEnv
import jp.kenkotecho.appmodel.support.TestPhone
import jp.kenkotecho.appmodel.sync.PhotoUploads
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.SyncState
import jp.kenkotecho.core.SyncStatus
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.nio.file.Files

/** When the app asks Android for a longer background run to send photos, decided from the real core's status. */
class PhotoUploadsTest {
    private val photos = Files.createTempDirectory("techo-photos").toFile()
    private val phones = mutableListOf<TestPhone>()

    @After
    fun close() {
        phones.forEach { it.close() }
        photos.deleteRecursively()
    }

    private fun phone(url: String = ServerEnv.closedPortUrl()) = TestPhone(url).also { phones += it }

    /** A phone signed in to the shared test account, its 命の宝箱 with no photos and nothing left to send. */
    private suspend fun signedIn(): Pair<TestPhone, String> {
        val phone = phone(ServerEnv.url)
        val owner = phone.addOwner(hmCode = ServerEnv.hmCode)
        phone.core.login(ServerEnv.hmCode, ServerEnv.password)
        phone.core.syncNow(null)
        phone.core.emergencySheet(owner.id)?.pages.orEmpty().forEach { phone.core.removeEmergencyPage(owner.id, it.imageSha256) }
        phone.core.syncNow(null)
        return phone to owner.id
    }

    @Test
    fun withNothingWaitingItDoesNotAsk() {
        val phone = phone()
        phone.addOwner()
        val status = phone.core.syncStatus()
        assertEquals(0uL, status.pendingUploads)
        assertFalse(PhotoUploads.shouldAsk(status))
    }

    /** Nobody signed in: no run could send the photo, so nothing is asked of Android until someone signs in. */
    @Test
    fun aPhotoOnAPhoneNobodySignedIntoDoesNotAsk() {
        val phone = phone()
        val owner = phone.addOwner()
        phone.core.addEmergencyPage(owner.id, Photos.jpeg(photos, 1))
        val status = phone.core.syncStatus()
        assertEquals(SyncState.NotSignedIn, status.state)
        assertFalse(PhotoUploads.shouldAsk(status))
    }

    @Test
    fun aPhotoPageWaitingToBeSentAsksUntilItIsSent() =
        runBlocking {
            val (phone, profileId) = signedIn()
            assertFalse(PhotoUploads.shouldAsk(phone.core.syncStatus()))

            phone.core.addEmergencyPage(profileId, Photos.jpeg(photos, 2))
            val waiting = phone.core.syncStatus()
            assertEquals(1uL, waiting.pendingUploads)
            assertTrue(PhotoUploads.shouldAsk(waiting))

            phone.core.syncNow(null)
            val sent = phone.core.syncStatus()
            assertEquals(0uL, sent.pendingUploads)
            assertFalse(PhotoUploads.shouldAsk(sent))
            assertFalse(PhotoUploads.shouldAskAgain(waiting, sent))
        }

    /**
     * The server cannot be reached: leaving the app still asks (a run may reach it later), but a
     * background run that sent nothing does not ask for another at once, which would only spin.
     */
    @Test
    fun aRunThatSentNoPhotoDoesNotAskAgainAtOnce() =
        runBlocking {
            val (online, profileId) = signedIn()
            online.core.addEmergencyPage(profileId, Photos.jpeg(photos, 3))
            phones -= online
            val phone = online.restartWith(ServerEnv.closedPortUrl()).also { phones += it }
            val before = phone.core.syncStatus()
            assertEquals(1uL, before.pendingUploads)
            assertTrue(PhotoUploads.shouldAsk(before))
            try {
                phone.core.syncNow(null)
            } catch (e: ApiException) {
                // Offline: the status says so.
            }
            val after = phone.core.syncStatus()
            assertEquals(1uL, after.pendingUploads)
            assertTrue(PhotoUploads.shouldAsk(after))
            assertFalse(PhotoUploads.shouldAskAgain(before, after))
        }

    /** A run that sent one of two photos and stopped (the system's time was up): another is asked for. */
    @Test
    fun aRunThatSentSomeButNotAllAsksAgain() {
        fun status(uploads: ULong) = SyncStatus(SyncState.Pending(uploads), null, uploads, 0uL, uploads, false, null, null, null)
        assertTrue(PhotoUploads.shouldAskAgain(status(2uL), status(1uL)))
        assertFalse(PhotoUploads.shouldAskAgain(status(1uL), status(1uL)))
        assertFalse(PhotoUploads.shouldAskAgain(status(1uL), status(0uL)))
    }
}
