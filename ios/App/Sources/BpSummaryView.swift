import SwiftUI
import TechoAppModel

/// The last seven days of home blood pressure against the JSH2019 bands, as information.
struct BpSummaryView: View {
    @State var model: BpSummaryModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                ActingForBanner(line: model.actingForLine)
                if let message = model.message { MessageBox(text: message) }
                lines([model.period, model.classLine, model.isolatedSystolicLine, model.morningLine, model.eveningLine])
                Text(verbatim: model.disclaimer)
                    .font(.body)
                    .fixedSize(horizontal: false, vertical: true)
                    .padding()
                    .background(Color(role: .card), in: RoundedRectangle(cornerRadius: 12))
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: model.title))
        .task { await model.load() }
    }

    private func lines(_ texts: [String?]) -> some View {
        ForEach(texts.compactMap { $0 }, id: \.self) { text in
            Text(verbatim: text).font(.title3).fixedSize(horizontal: false, vertical: true)
        }
    }
}
