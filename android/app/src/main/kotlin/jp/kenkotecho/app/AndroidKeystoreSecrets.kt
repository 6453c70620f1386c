package jp.kenkotecho.app

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import android.security.keystore.UserNotAuthenticatedException
import android.system.ErrnoException
import android.system.Os
import android.system.OsConstants
import jp.kenkotecho.core.ApiException
import jp.kenkotecho.core.DeviceKeyStore
import java.io.File
import java.io.FileOutputStream
import java.io.IOException
import java.nio.file.Files
import java.nio.file.StandardCopyOption
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The core's key store on Android: each secret (the database key, the sync refresh token) is
 * encrypted with an AES-256-GCM key that never leaves the Android Keystore (TEE, or StrongBox
 * where present) and written to an app-private file, atomically and durably.
 *
 * The wrapping key is deliberately not bound to user authentication or an unlocked device:
 * background sync (WorkManager) must open the database while the phone is locked. Display is
 * protected by the phone's own lock; quality.md §1.4 records the trade-off.
 */
class AndroidKeystoreSecrets(private val dir: File) : DeviceKeyStore {
    private val lock = Any()

    override fun load(name: String): ByteArray? =
        synchronized(lock) {
            val file = fileFor(name)
            if (!file.exists()) return null
            try {
                val blob = file.readBytes()
                // The file outlived its wrapping key (screen lock removed, restored backup): the
                // secret is gone, and the core reports KeyUnavailable instead of making a new key.
                val key = existingKey() ?: return null
                decrypt(key, name, blob)
            } catch (e: KeyPermanentlyInvalidatedException) {
                null
            } catch (e: AEADBadTagException) {
                null
            } catch (e: UserNotAuthenticatedException) {
                throw ApiException.KeyStore("the device is locked")
            } catch (e: GeneralSecurityException) {
                throw ApiException.KeyStore("keystore: ${e.javaClass.simpleName}")
            } catch (e: IOException) {
                throw ApiException.KeyStore("secret file unreadable")
            }
        }

    override fun save(name: String, secret: ByteArray) =
        synchronized(lock) {
            try {
                val key = existingKey() ?: createKey()
                writeDurably(fileFor(name), encrypt(key, name, secret))
            } catch (e: GeneralSecurityException) {
                throw ApiException.KeyStore("keystore: ${e.javaClass.simpleName}")
            } catch (e: IOException) {
                throw ApiException.KeyStore("could not store the secret")
            }
        }

    /** Names come from the core; hex keeps any of them a plain file name inside [dir]. */
    private fun fileFor(name: String): File =
        File(dir, name.toByteArray(Charsets.UTF_8).joinToString("") { "%02x".format(it) } + ".bin")

    private fun keystore(): KeyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }

    private fun existingKey(): SecretKey? = (keystore().getEntry(ALIAS, null) as? KeyStore.SecretKeyEntry)?.secretKey

    private fun createKey(): SecretKey =
        try {
            generate(strongBox = Build.VERSION.SDK_INT >= Build.VERSION_CODES.P)
        } catch (e: StrongBoxUnavailableException) {
            generate(strongBox = false)
        }

    private fun generate(strongBox: Boolean): SecretKey {
        val spec =
            KeyGenParameterSpec
                .Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .setRandomizedEncryptionRequired(true)
                .apply { if (strongBox && Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) setIsStrongBoxBacked(true) }
                .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE).run {
            init(spec)
            generateKey()
        }
    }

    /** Layout: version, IV length, IV, ciphertext with tag. The name is authenticated too. */
    private fun encrypt(key: SecretKey, name: String, secret: ByteArray): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, key)
        cipher.updateAAD(aad(name))
        val iv = cipher.iv
        val sealed = cipher.doFinal(secret)
        return byteArrayOf(FORMAT_VERSION, iv.size.toByte()) + iv + sealed
    }

    private fun decrypt(key: SecretKey, name: String, blob: ByteArray): ByteArray? {
        if (blob.size < 2 || blob[0] != FORMAT_VERSION) return null
        val ivLength = blob[1].toInt()
        if (ivLength <= 0 || blob.size < 2 + ivLength + TAG_BITS / 8) return null
        val iv = blob.copyOfRange(2, 2 + ivLength)
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BITS, iv))
        cipher.updateAAD(aad(name))
        return cipher.doFinal(blob, 2 + ivLength, blob.size - 2 - ivLength)
    }

    private fun aad(name: String): ByteArray = "kenko-techo/secret/$name".toByteArray(Charsets.UTF_8)

    /**
     * The core needs the secret on disk when save() returns (a lost database key loses the
     * data): write a temporary file, fsync it, rename it over the old one, fsync the directory.
     */
    private fun writeDurably(target: File, bytes: ByteArray) {
        if (!dir.isDirectory && !dir.mkdirs()) throw IOException("no secrets directory")
        val temp = File(dir, target.name + ".tmp")
        FileOutputStream(temp).use { out ->
            out.write(bytes)
            out.fd.sync()
        }
        Files.move(temp.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING)
        try {
            val fd = Os.open(dir.path, OsConstants.O_RDONLY, 0)
            try {
                Os.fsync(fd)
            } finally {
                Os.close(fd)
            }
        } catch (e: ErrnoException) {
            throw IOException("could not sync the secrets directory", e)
        }
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "kenko-techo.secrets.v1"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val TAG_BITS = 128
        const val FORMAT_VERSION: Byte = 1
    }
}
