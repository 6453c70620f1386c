import Foundation
import TechoKit

/// The medication notebook in words: what a dose amount means, how much was handed over, the
/// dosage forms in plain names, where an entry came from, how far a receipt's scan has got and
/// what an import did. The pharmacy's own texts (drug names, how to take them) are shown as
/// written; only the core's enums and counts are worded here.
extension Wording {
    public func doseMeaningName(_ meaning: DoseMeaning) -> String {
        switch meaning {
        case .daily: self(.medDoseDaily)
        case .perDose: self(.medDosePerDose)
        case .total: self(.medDoseTotal)
        }
    }

    /// 「1日量 2錠」: the amount as the pharmacy wrote it, its unit, and what it counts.
    /// Nil when the pharmacy gave no amount.
    public func doseLine(_ drug: DrugInfo) -> String? {
        guard let amount = drug.doseAmount, !amount.isEmpty else { return nil }
        guard let meaning = drug.doseMeaning else { return self(.medDoseAmount, amount, drug.doseUnit) }
        return self(.medDose, doseMeaningName(meaning), amount, drug.doseUnit)
    }

    /// 「28日分」「10回分」; a whole lot handed over once (creams, patches) has no number to say.
    public func quantityLine(_ quantity: UInt16, unit: QuantityUnit) -> String {
        switch unit {
        case .days: self(.medQuantityDays, String(quantity))
        case .times: self(.medQuantityTimes, String(quantity))
        case .once: self(.medQuantityOnce)
        }
    }

    /// How to take an RP: the pharmacy's usage text, then how much was handed over.
    public func howToTakeLine(_ rp: RpInfo) -> String? {
        let usage = rp.usage.flatMap { $0.isEmpty ? nil : $0 }
        let quantity = rp.quantity.flatMap { q in rp.quantityUnit.map { quantityLine(q, unit: $0) } }
        switch (usage, quantity) {
        case let (usage?, quantity?): return self(.medHowToTake, usage, quantity)
        case let (usage?, nil): return usage
        case let (nil, quantity?): return quantity
        case (nil, nil): return nil
        }
    }

    public func dosageFormName(_ form: DosageForm) -> String {
        switch form {
        case .`internal`: self(.medFormInternal)
        case .internalDrops: self(.medFormInternalDrops)
        case .asNeeded: self(.medFormAsNeeded)
        case .injection: self(.medFormInjection)
        case .external: self(.medFormExternal)
        case .decoction: self(.medFormDecoction)
        case .kampo: self(.medFormKampo)
        case .material: self(.medFormMaterial)
        case .other: self(.medFormOther)
        }
    }

    public func medicationKindName(_ kind: MedicationKind) -> String {
        switch kind {
        case .dispensing: self(.medKindDispensing)
        case .otc: self(.medKindOtc)
        case .patientNote: self(.medKindPatientNote)
        case .memo: self(.medKindMemo)
        case .pharmacist: self(.medKindPharmacist)
        case .patientInfo: self(.medKindPatientInfo)
        }
    }

    /// Where an entry came from: the person can always see it.
    public func arrivalLine(_ arrival: MedicationArrival) -> String {
        switch arrival {
        case .scanned: self(.medArrivalScanned)
        case .file: self(.medArrivalFile)
        case .synced: self(.medArrivalSynced)
        }
    }

    /// A caution or a note from the pharmacy, marked 「※」.
    public func noteLine(_ text: String) -> String {
        self(.medNote, text)
    }

    /// 「2枚中1枚 読み取りました」 for a receipt's QR codes; parts of split data are counted apart.
    public func scanProgressLine(_ group: ScanGroup) -> String {
        group.qrCodes
            ? self(.medScanProgress, String(group.total), String(group.have))
            : self(.medScanPartsProgress, String(group.total), String(group.have))
    }

    /// What imports did, one sentence per fact. `fromFile` changes "this receipt" to "this file".
    public func importLines(_ results: [MedicationImportResult], fromFile: Bool = false) -> [String] {
        let added = results.reduce(0) { $0 + $1.added }
        let present = results.reduce(0) { $0 + $1.alreadyPresent }
        let skipped = results.reduce(0) { $0 + $1.skippedDispensings }
        var lines: [String] = []
        if added > 0 {
            lines.append(self(.medImported, String(added)))
        } else if present > 0 {
            lines.append(self(fromFile ? .medFileAlreadyPresent : .medAlreadyPresent))
        }
        if skipped > 0 { lines.append(self(.medSkipped)) }
        if lines.isEmpty { lines.append(self(.medNothingImported)) }
        return lines
    }

    public func pharmacyCountLine(_ pharmacy: PharmacyCount) -> String {
        self(.medPharmacyCount, String(pharmacy.dispensings))
    }
}
