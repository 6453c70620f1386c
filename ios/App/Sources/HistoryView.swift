import Charts
import SwiftUI
import TechoAppModel
import TechoKit

/// One kind's readings: a chart by day, week or month, then the list a page at a time.
struct HistoryView: View {
    @Environment(AppModel.self) private var app
    @State var model: HistoryModel

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 20) {
                ActingForBanner(line: model.actingForLine)
                if let message = model.message { MessageBox(text: message) }

                Text(verbatim: model.chartTitle).font(.title3.bold()).accessibilityAddTraits(.isHeader)
                ForEach(model.periods) { period in
                    BigButton(title: period.title, prominent: period == model.period) { await model.choose(period) }
                        .accessibilityAddTraits(period == model.period ? .isSelected : [])
                }
                if let empty = model.chartEmptyLine {
                    Text(verbatim: empty)
                } else {
                    chart
                }

                Text(verbatim: model.title).font(.title3.bold()).accessibilityAddTraits(.isHeader)
                if let empty = model.emptyLine {
                    Text(verbatim: empty).fixedSize(horizontal: false, vertical: true)
                }
                ForEach(model.rows) { row in
                    NavigationLink(value: Route.reading(row.id)) { ReadingRowView(row: row) }
                    Divider()
                }
                if model.canLoadMore {
                    BigButton(title: model.moreTitle, isBusy: model.isLoading) { await model.loadMore() }
                }
                NavigationLink(value: Route.entry(model.kind)) {
                    Text(verbatim: app.wording(.entryTitle, app.wording.kindName(model.kind)))
                        .font(.title3.weight(.semibold))
                        .frame(maxWidth: .infinity, minHeight: 52)
                }
                .buttonStyle(.borderedProminent)
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: app.wording.kindName(model.kind)))
        .task { await model.load() }
    }

    /// Means per bucket with their min–max range; blood pressure draws both values.
    private var chart: some View {
        Chart(model.points) { point in
            RuleMark(x: .value("day", point.date, unit: .day),
                     yStart: .value("min", point.min), yEnd: .value("max", point.max))
                .foregroundStyle(.gray.opacity(0.5))
            LineMark(x: .value("day", point.date, unit: .day), y: .value("mean", point.mean))
                .foregroundStyle(by: .value("series", app.wording.kindName(model.kind)))
            PointMark(x: .value("day", point.date, unit: .day), y: .value("mean", point.mean))
                .accessibilityLabel(Text(verbatim: point.accessibilityLabel))
            if let diastolic = point.diastolicMean {
                LineMark(x: .value("day", point.date, unit: .day), y: .value("diastolic", diastolic))
                    .foregroundStyle(by: .value("series", app.wording.fieldName(.diastolic)))
            }
        }
        .chartYScale(domain: .automatic(includesZero: model.kind == .steps))
        .frame(minHeight: 240)
    }
}
