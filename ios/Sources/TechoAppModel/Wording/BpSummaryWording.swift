import Foundation
import TechoKit

/// The JSH2019 home blood-pressure summary in words. The core classifies; this names the band
/// as a range the readings fall in ("…の範囲"), always with the note that it is not a diagnosis.
extension Wording {
    public func bpClassName(_ bpClass: HomeBpClass) -> String {
        switch bpClass {
        case .normal: self(.bpClassNormal)
        case .highNormal: self(.bpClassHighNormal)
        case .elevated: self(.bpClassElevated)
        case .grade1: self(.bpClassGrade1)
        case .grade2: self(.bpClassGrade2)
        case .grade3: self(.bpClassGrade3)
        }
    }

    public func bpPeriod(_ summary: HomeBpSummary) -> String {
        self(.bpPeriod, shortDay(summary.periodStart), shortDay(summary.periodEnd))
    }

    /// "The average is in the normal range", or how many days are still needed for one.
    public func bpClassLine(_ summary: HomeBpSummary) -> String {
        guard let bpClass = summary.class else {
            return self(.bpNotEnoughDays, count(UInt64(summary.minDays)), count(UInt64(summary.morning.days)),
                        count(UInt64(summary.evening.days)))
        }
        return self(.bpClassLine, bpClassName(bpClass))
    }

    public func bpOccasionLine(_ occasion: OccasionSummary, morning: Bool) -> String {
        let name = self(morning ? .bpOccasionMorning : .bpOccasionEvening)
        guard let systolic = occasion.shownSystolic, let diastolic = occasion.shownDiastolic else {
            return self(.bpOccasionNone, name)
        }
        let means = self(.bpOccasionMeans, name, systolic, diastolic, count(UInt64(occasion.days)),
                         count(UInt64(occasion.readings)))
        guard let bpClass = occasion.class else { return means }
        return means + "\n" + self(.bpOccasionInRange, name, bpClassName(bpClass))
    }
}
