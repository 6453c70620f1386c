package jp.kenkotecho.app

import java.time.Clock
import java.time.Instant
import java.time.ZoneId

/** The system clock in whatever zone the phone is set to now (travel changes it mid-session). */
class PhoneClock : Clock() {
    override fun getZone(): ZoneId = ZoneId.systemDefault()

    override fun withZone(zone: ZoneId): Clock = system(zone)

    override fun instant(): Instant = Instant.now()
}
