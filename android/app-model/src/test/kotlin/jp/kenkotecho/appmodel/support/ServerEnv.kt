package jp.kenkotecho.appmodel.support

import org.junit.Assume
import java.net.InetAddress
import java.net.ServerSocket

/**
 * The sync server the tests talk to, from the environment (the lead's harness starts one). Tests
 * that need it fail when it is missing, unless TECHO_SERVER_TESTS=skip says to skip them.
 */
object ServerEnv {
    val url: String get() = need("TECHO_SERVER_URL")
    val hmCode: String get() = need("TECHO_HM_CODE")
    val password: String get() = need("TECHO_PASSWORD")
    val activationHmCode: String get() = need("TECHO_ACTIVATION_HM_CODE")
    val activationCode: String get() = need("TECHO_ACTIVATION_CODE")

    private fun need(name: String): String {
        Assume.assumeFalse("server tests skipped (TECHO_SERVER_TESTS=skip)", System.getenv("TECHO_SERVER_TESTS") == "skip")
        return System.getenv(name)?.takeIf { it.isNotBlank() }
            ?: throw AssertionError("$name is not set: start techo-server --demo and export it, or set TECHO_SERVER_TESTS=skip")
    }

    /** A loopback port nothing listens on: the phone is offline. */
    fun closedPortUrl(): String {
        val port = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
        return "http://127.0.0.1:$port"
    }
}
