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
                        .foregroundStyle(Color(role: .buttonText)) // not the system's white (BigButton)
                }
                .buttonStyle(.borderedProminent)
                .tint(Color(role: .buttonFill))
            }
            .padding()
        }
        .navigationTitle(Text(verbatim: app.wording.kindName(model.kind)))
        .task { await model.reload() } // the first time a load; afterwards the list keeps its place
    }

    /// Means per bucket with their min–max range on a time axis over the whole period (gaps show
    /// as gaps); blood pressure draws both values and the dashed 135/85 home-BP lines. The axis,
    /// its labels and the lines are the core's (`vitalChart`).
    private var chart: some View {
        let axis = model.axis
        let start = model.chartStart ?? Date()
        let end = max(model.chartEnd ?? start, start)
        let kindName = app.wording.kindName(model.kind)
        let series = model.kind == .bloodPressure ? [kindName, app.wording.fieldName(.diastolic)] : [kindName]
        return Chart {
            ForEach(model.referenceLines) { line in
                RuleMark(y: .value("reference", line.value))
                    .lineStyle(StrokeStyle(lineWidth: 1.5, dash: [6, 4]))
                    .foregroundStyle(Color(role: .secondaryText))
                    .annotation(position: .top, alignment: .leading) {
                        Text(verbatim: line.label).font(.caption)
                    }
                    .accessibilityLabel(Text(verbatim: line.label))
            }
            ForEach(model.points) { point in
                RuleMark(x: .value("day", point.date, unit: .day),
                         yStart: .value("min", point.min), yEnd: .value("max", point.max))
                    .foregroundStyle(Color(role: .chartRange))
                LineMark(x: .value("day", point.date, unit: .day), y: .value("mean", point.mean))
                    .foregroundStyle(by: .value("series", app.wording.kindName(model.kind)))
                PointMark(x: .value("day", point.date, unit: .day), y: .value("mean", point.mean))
                    .foregroundStyle(Color(role: .link))
                    .accessibilityLabel(Text(verbatim: point.accessibilityLabel))
                if let diastolic = point.diastolicMean {
                    LineMark(x: .value("day", point.date, unit: .day), y: .value("diastolic", diastolic))
                        .foregroundStyle(by: .value("series", app.wording.fieldName(.diastolic)))
                }
            }
        }
        // The series in the palette's colours (the default green is 2.2:1 on white).
        .chartForegroundStyleScale(domain: series, mapping: { name in
            Color(role: name == series.first ? .link : .success)
        })
        .chartXScale(domain: start...end)
        .chartYScale(domain: (axis?.min ?? 0)...(axis?.max ?? 1))
        .chartYAxis {
            AxisMarks(position: .leading, values: axis?.ticks ?? []) { value in
                AxisGridLine()
                AxisValueLabel {
                    if let labels = axis?.tickLabels, value.index < labels.count {
                        Text(verbatim: labels[value.index]).font(.body).foregroundStyle(Color(role: .secondaryText))
                    }
                }
            }
        }
        // Axis text in the palette's secondary text, not Charts' grey (3.4:1).
        .chartXAxis {
            AxisMarks { _ in
                AxisGridLine()
                AxisTick()
                AxisValueLabel().foregroundStyle(Color(role: .secondaryText))
            }
        }
        .chartYAxisLabel {
            Text(verbatim: axis?.unit ?? "").foregroundStyle(Color(role: .secondaryText))
        }
        .frame(minHeight: 260)
    }
}
