import SwiftUI
import TechoAppModel
import TechoKit

/// One notebook entry in full: the pharmacy, each medicine with its dose and how to take it,
/// cautions marked ※, where the entry came from; hiding asks once more with its own button.
struct MedicationDetailView: View {
    @Environment(AppModel.self) private var app
    @State var model: MedicationDetailModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 20) {
                ActingForBanner(line: model.actingForLine)
                if let message = model.message { MessageBox(text: message, isProblem: !model.hidden) }
                if let row = model.row { MedicationRowView(row: row) }

                if let pharmacy = model.pharmacy { InstitutionView(institution: pharmacy) }
                if let pharmacist = model.pharmacistLine { plain(pharmacist) }

                if !model.rps.isEmpty { header(model.medicinesTitle) }
                ForEach(model.rps) { rp in RpSectionView(rp: rp) }

                if !model.cautions.isEmpty {
                    header(model.cautionsTitle)
                    LinesView(lines: model.cautions)
                }
                if !model.notes.isEmpty {
                    header(model.notesTitle)
                    LinesView(lines: model.notes)
                }
                if let prescriber = model.prescriber { InstitutionView(institution: prescriber) }

                if model.canHide {
                    if model.confirmingHide {
                        Text(verbatim: model.hideQuestion).font(.title3).fixedSize(horizontal: false, vertical: true)
                        BigButton(title: model.hideYesTitle, role: .destructive) { await model.confirmHide() }
                        BigButton(title: model.cancelTitle) { model.cancelHide() }
                    } else {
                        BigButton(title: model.hideTitle, role: .destructive) { model.askToHide() }
                    }
                }
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .task { await model.load() }
    }

    private func header(_ title: String) -> some View {
        Text(verbatim: title).font(.title3.bold()).accessibilityAddTraits(.isHeader)
    }

    private func plain(_ text: String) -> some View {
        Text(verbatim: text).font(.body).fixedSize(horizontal: false, vertical: true)
    }
}

/// Medicines taken the same way: form, each medicine, then how to take them.
struct RpSectionView: View {
    let rp: MedicationRpSection

    var body: some View {
        VStack(alignment: .leading, spacing: 10) {
            if let form = rp.formName {
                Text(verbatim: form).font(.headline).fixedSize(horizontal: false, vertical: true)
            }
            ForEach(rp.drugs) { drug in
                VStack(alignment: .leading, spacing: 4) {
                    Text(verbatim: drug.name).font(.title3.bold())
                    if let generic = drug.genericLine { Text(verbatim: generic).font(.body) }
                    if let dose = drug.doseLine { Text(verbatim: dose).font(.title3) }
                    LinesView(lines: drug.notes)
                }
                .fixedSize(horizontal: false, vertical: true)
                .accessibilityElement(children: .ignore)
                .accessibilityLabel(Text(verbatim: drug.accessibilityLabel))
            }
            if let howToTake = rp.howToTakeLine {
                Text(verbatim: howToTake).font(.title3.weight(.semibold)).fixedSize(horizontal: false, vertical: true)
            }
            LinesView(lines: rp.notes)
            if let doctor = rp.doctorLine { Text(verbatim: doctor).font(.body) }
        }
        .padding()
        .frame(maxWidth: .infinity, alignment: .leading)
        .background(Color(role: .card), in: RoundedRectangle(cornerRadius: 12))
    }
}

/// A pharmacy or clinic: heading, name, address and phone.
struct InstitutionView: View {
    let institution: MedicationInstitution

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(verbatim: institution.heading).font(.headline).accessibilityAddTraits(.isHeader)
            Text(verbatim: institution.name).font(.title3)
            LinesView(lines: institution.lines)
        }
        .fixedSize(horizontal: false, vertical: true)
    }
}

/// Lines of text that wrap, one under the other.
struct LinesView: View {
    let lines: [String]

    var body: some View {
        ForEach(Array(lines.enumerated()), id: \.offset) { _, line in
            Text(verbatim: line).font(.body).fixedSize(horizontal: false, vertical: true)
        }
    }
}
