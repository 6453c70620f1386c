package jp.kenkotecho.appmodel.text

import jp.kenkotecho.core.HomeBpClass
import jp.kenkotecho.core.HomeBpSummary
import jp.kenkotecho.core.OccasionSummary

/**
 * The JSH2019 home blood-pressure summary in words. The core averages and classifies; this names
 * the band it chose, as information with a next step, never as a diagnosis.
 */
class BpWording(private val table: StringTable, private val numbers: NumberWording, private val dates: DateWording) {
    fun classLabel(bpClass: HomeBpClass): String =
        table[
            when (bpClass) {
                HomeBpClass.NORMAL -> StringKey.BP_CLASS_NORMAL
                HomeBpClass.HIGH_NORMAL -> StringKey.BP_CLASS_HIGH_NORMAL
                HomeBpClass.ELEVATED -> StringKey.BP_CLASS_ELEVATED
                HomeBpClass.GRADE1 -> StringKey.BP_CLASS_GRADE1
                HomeBpClass.GRADE2 -> StringKey.BP_CLASS_GRADE2
                HomeBpClass.GRADE3 -> StringKey.BP_CLASS_GRADE3
            },
        ]

    fun period(summary: HomeBpSummary): String =
        table[StringKey.BP_PERIOD, dates.day(summary.periodStart), dates.day(summary.periodEnd)]

    /** The headline: the band of the average, or how many days the core still needs. */
    fun overall(summary: HomeBpSummary): String {
        val bpClass = summary.`class`
        return if (bpClass != null) {
            table[StringKey.BP_IN_RANGE, classLabel(bpClass)]
        } else {
            table[
                StringKey.BP_NOT_ENOUGH_DAYS,
                numbers.whole(summary.minDays),
                numbers.whole(summary.morning.days),
                numbers.whole(summary.evening.days),
            ]
        }
    }

    fun isolatedSystolic(summary: HomeBpSummary): String? =
        if (summary.isolatedSystolic) table[StringKey.BP_ISOLATED_SYSTOLIC] else null

    /** One occasion (朝 or 夜): its means and, once the core classified it, its band. */
    fun occasion(name: String, occasion: OccasionSummary): String {
        val systolic = occasion.shownSystolic
        val diastolic = occasion.shownDiastolic
        if (systolic == null || diastolic == null) return table[StringKey.BP_OCCASION_NONE, name]
        val means =
            table[
                StringKey.BP_OCCASION_MEAN,
                name,
                systolic,
                diastolic,
                numbers.whole(occasion.days),
                numbers.whole(occasion.readings),
            ]
        val bpClass = occasion.`class` ?: return means
        return means + "\n" + table[StringKey.BP_OCCASION_IN_RANGE, name, classLabel(bpClass)]
    }

    fun disclaimer(): String = table[StringKey.BP_DISCLAIMER]
}
