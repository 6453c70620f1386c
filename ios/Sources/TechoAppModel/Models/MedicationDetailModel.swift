import Foundation
import Observation
import TechoKit

/// One medicine of a dispensing, ready to draw.
public struct MedicationDrugRow: Identifiable, Equatable, Sendable {
    public let id: Int
    public let name: String
    /// 「一般名: …」 when the pharmacy gave it.
    public let genericLine: String?
    /// 「1日量 2錠」.
    public let doseLine: String?
    /// The pharmacy's supplements and cautions for this medicine, each marked 「※」.
    public let notes: [String]
    public let accessibilityLabel: String
}

/// One RP (medicines taken the same way): its form, its medicines and how to take them.
public struct MedicationRpSection: Identifiable, Equatable, Sendable {
    public let id: Int
    /// 「飲み薬」「頓服（必要なときに飲む薬）」….
    public let formName: String?
    public let doctorLine: String?
    public let drugs: [MedicationDrugRow]
    /// The usage as the pharmacy wrote it and how much was handed over: 「【１日２回 朝夕食後】　28日分」.
    public let howToTakeLine: String?
    /// Usage notes and cautions, each marked 「※」.
    public let notes: [String]
}

/// A pharmacy or clinic as lines: name, address, phone.
public struct MedicationInstitution: Equatable, Sendable {
    public let heading: String
    public let name: String
    public let lines: [String]
}

/// One notebook entry in full, and hiding it when it was imported by mistake (it stays in the
/// history of changes and is hidden on every device). Hiding asks once more with its own button.
@Observable @MainActor
public final class MedicationDetailModel {
    public let actingForLine: String
    public private(set) var row: MedicationRow?
    public private(set) var pharmacy: MedicationInstitution?
    public private(set) var prescriber: MedicationInstitution?
    public private(set) var pharmacistLine: String?
    public private(set) var rps: [MedicationRpSection] = []
    /// Cautions for the whole dispensing, marked 「※」.
    public private(set) var cautions: [String] = []
    /// Information from the pharmacy and the person's own notes.
    public private(set) var notes: [String] = []
    public private(set) var message: String?
    public private(set) var confirmingHide = false
    public private(set) var hidden = false

    private let access: CoreAccess
    private let wording: Wording
    private let medicationId: String
    private let onChange: @MainActor () -> Void

    init(access: CoreAccess, wording: Wording, profile: Profile, medicationId: String,
         onChange: @escaping @MainActor () -> Void = {}) {
        self.access = access
        self.wording = wording
        self.medicationId = medicationId
        self.onChange = onChange
        actingForLine = wording(.actingFor, profile.displayName)
    }

    public var title: String { row?.kindName ?? wording(.medTitle) }
    public var provenanceLine: String? { row?.arrivalLine }
    public var medicinesTitle: String { wording(.medMedicines) }
    public var cautionsTitle: String { wording(.medCautions) }
    public var notesTitle: String { wording(.medNotes) }
    public var hideTitle: String { wording(.medHide) }
    public var hideQuestion: String { wording(.medHideConfirm) }
    public var hideYesTitle: String { wording(.medHideYes) }
    public var cancelTitle: String { wording(.commonCancel) }
    public var canHide: Bool { row != nil && !hidden }

    public func load() async {
        let id = medicationId
        do {
            let detail = try await access.run { try $0.getMedication(medicationId: id) }
            show(detail)
            message = nil
        } catch {
            message = wording.message(for: error)
        }
    }

    private func show(_ detail: MedicationDetail) {
        row = MedicationRow(detail.summary, wording: wording)
        hidden = detail.summary.hidden
        guard let d = detail.dispensing else {
            pharmacy = nil
            prescriber = nil
            pharmacistLine = nil
            rps = []
            cautions = []
            notes = []
            return
        }
        pharmacy = d.pharmacy.map { institution($0, heading: wording(.medPharmacy)) }
        prescriber = d.prescriber.map { institution($0, heading: wording(.medPrescriber)) }
        pharmacistLine = d.pharmacist.flatMap { $0.isEmpty ? nil : wording(.medPharmacist, $0) }
        rps = d.rps.enumerated().map { index, rp in section(rp, id: index) }
        cautions = d.cautions.map { wording.noteLine($0) }
        notes = d.notes
    }

    private func institution(_ i: InstitutionInfo, heading: String) -> MedicationInstitution {
        var lines: [String] = []
        if !i.address.isEmpty { lines.append(i.address) }
        if !i.phone.isEmpty { lines.append(wording(.medPhone, i.phone)) }
        return MedicationInstitution(heading: heading, name: i.name, lines: lines)
    }

    private func section(_ rp: RpInfo, id: Int) -> MedicationRpSection {
        let drugs = rp.drugs.enumerated().map { index, drug in
            let generic = drug.genericName.flatMap { $0.isEmpty ? nil : wording(.medGeneric, $0) }
            let dose = wording.doseLine(drug)
            let notes = (drug.supplements + drug.cautions).map { wording.noteLine($0) }
            let label = ([drug.name] + [generic, dose].compactMap { $0 } + notes).joined(separator: "、")
            return MedicationDrugRow(id: index, name: drug.name, genericLine: generic, doseLine: dose, notes: notes,
                                     accessibilityLabel: label)
        }
        return MedicationRpSection(
            id: id,
            formName: rp.dosageForm.map { wording.dosageFormName($0) },
            doctorLine: rp.doctor.flatMap { $0.isEmpty ? nil : wording(.medDoctor, $0) },
            drugs: drugs,
            howToTakeLine: wording.howToTakeLine(rp),
            notes: (rp.usageNotes + rp.cautions).map { wording.noteLine($0) })
    }

    // MARK: Hiding

    public func askToHide() { confirmingHide = true }
    public func cancelHide() { confirmingHide = false }

    public func confirmHide() async {
        confirmingHide = false
        let id = medicationId
        do {
            try await access.run { try $0.deleteMedication(medicationId: id) }
            onChange()
            await load()
            message = wording(.medHiddenDone)
        } catch {
            message = wording.message(for: error)
        }
    }
}
