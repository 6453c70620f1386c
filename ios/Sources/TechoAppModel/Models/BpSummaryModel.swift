import Foundation
import Observation
import TechoKit

/// The JSH2019 home blood-pressure summary of the last 7 days, as lines of text.
@Observable @MainActor
public final class BpSummaryModel {
    public let title: String
    public let actingForLine: String
    public let disclaimer: String
    public private(set) var period: String?
    public private(set) var classLine: String?
    public private(set) var isolatedSystolicLine: String?
    public private(set) var morningLine: String?
    public private(set) var eveningLine: String?
    public private(set) var message: String?

    private let access: CoreAccess
    private let wording: Wording
    private let clock: LocalClock
    private let profile: Profile

    init(access: CoreAccess, wording: Wording, clock: LocalClock, profile: Profile) {
        self.access = access
        self.wording = wording
        self.clock = clock
        self.profile = profile
        title = wording(.bpTitle)
        actingForLine = wording(.actingFor, profile.displayName)
        disclaimer = wording(.bpDisclaimer)
    }

    public func load() async {
        let now = clock.now()
        let offset = clock.utcOffsetMinutes(at: now)
        let profileId = profile.id
        do {
            let summary = try await access.run {
                try $0.homeBpSummary(profileId: profileId, asOf: now, utcOffsetMinutes: offset)
            }
            period = wording.bpPeriod(summary)
            classLine = wording.bpClassLine(summary)
            isolatedSystolicLine = summary.isolatedSystolic ? wording(.bpIsolatedSystolic) : nil
            morningLine = wording.bpOccasionLine(summary.morning, morning: true)
            eveningLine = wording.bpOccasionLine(summary.evening, morning: false)
            message = nil
        } catch {
            message = wording.message(for: error)
        }
    }
}
