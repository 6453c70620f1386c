package jp.kenkotecho.appmodel.support

import jp.kenkotecho.core.DeviceKeyStore
import java.util.concurrent.ConcurrentHashMap

/** The device key store of a test phone: the core keeps its database key and sign-in token here. */
class InMemoryKeyStore : DeviceKeyStore {
    private val secrets = ConcurrentHashMap<String, ByteArray>()

    override fun load(name: String): ByteArray? = secrets[name]?.copyOf()

    override fun save(name: String, secret: ByteArray) {
        secrets[name] = secret.copyOf()
    }
}
