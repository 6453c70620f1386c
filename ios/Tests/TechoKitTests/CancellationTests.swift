// P-F4 from Swift: cancelling the Task that awaits syncNow mid-run must leave the store and
// outbox consistent. UniFFI's Swift futures do not forward cancellation to Rust, so the run
// carries on to its end; what matters is that nothing is lost or duplicated either way.
import Foundation
import TechoKit
import XCTest

final class CancellationTests: XCTestCase {
    func testCancellingSyncMidRunLosesAndDuplicatesNothing() async throws {
        let server = try TestServer.fromEnvironment()
        let (phone, profile) = try await signedInDevice(self, server)
        // Bring the phone up to date first, so the run below is mostly this test's readings.
        _ = try await phone.syncNow(observer: nil)

        let count = 2000
        var recorded = Set<String>()
        let base = Date().addingTimeInterval(-3600)
        for i in 0..<count {
            let vital = try phone.recordVital(profileId: profile.id, entry: entry(
                .steps(count: "\(1000 + i)"), at: base.addingTimeInterval(-Double(i) * 60))).vital
            recorded.insert(vital.id)
        }
        XCTAssertEqual(try phone.syncStatus().pending, UInt64(count))

        let observer = RecordingObserver()
        let run = Task { try await phone.syncNow(observer: observer) }
        for await _ in observer.firstProgress { break }
        run.cancel()
        _ = await run.result // either the report or a cancellation; both are acceptable

        // The store still answers, and the next run finishes what is left.
        let midway = try phone.syncStatus()
        XCTAssertLessThanOrEqual(midway.pending, UInt64(count))
        let report = try await phone.syncNow(observer: nil)
        XCTAssertEqual(report.outcome, .complete)
        XCTAssertEqual(try phone.syncStatus().pending, 0)
        XCTAssertEqual(try phone.wedgedItems(), [])

        let onPhone = try allReadingIds(phone, profileId: profile.id)
        XCTAssertTrue(recorded.isSubset(of: onPhone))

        let (tablet, tabletProfile) = try await signedInDevice(self, server)
        let pulled = try await tablet.syncNow(observer: nil)
        XCTAssertEqual(pulled.outcome, .complete)
        let onTablet = try allReadingIds(tablet, profileId: tabletProfile.id)
        XCTAssertEqual(onTablet, onPhone, "the other device has exactly the same readings")
        XCTAssertTrue(recorded.isSubset(of: onTablet))
    }
}
