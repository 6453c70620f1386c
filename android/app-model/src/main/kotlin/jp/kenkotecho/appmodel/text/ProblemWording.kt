package jp.kenkotecho.appmodel.text

import jp.kenkotecho.core.Field
import jp.kenkotecho.core.ValidationProblem
import jp.kenkotecho.core.Warning
import jp.kenkotecho.core.WarningCode

/**
 * Words what the core found wrong with an input, or worth a second look after saving. The core
 * names the field and gives the bounds as text; nothing here checks a value.
 */
class ProblemWording(
    private val table: StringTable,
    private val values: ValueWording,
    private val numbers: NumberWording,
) {
    fun validation(field: Field, problem: ValidationProblem): String = named(values.field(field), problem, field == Field.HM_CODE)

    /** A refused field of a document (命の宝箱), named by the label the core's catalogue gives it. */
    fun document(label: String, problem: ValidationProblem): String = named(label, problem, hmCode = false)

    /**
     * A 命の宝箱 field the core refused (`ApiException.DocumentField`) where no form names it by its
     * label (a message outside the sheet's own form): "this item".
     */
    fun documentField(problem: ValidationProblem): String = named(table[StringKey.FIELD_DOCUMENT_ITEM], problem, false)

    private fun named(label: String, problem: ValidationProblem, hmCode: Boolean): String =
        when (problem) {
            is ValidationProblem.OutOfRange ->
                table[StringKey.PROBLEM_OUT_OF_RANGE, label, problem.min, problem.max, values.unit(problem.unit)]
            ValidationProblem.NotANumber -> table[StringKey.PROBLEM_NOT_A_NUMBER, label]
            ValidationProblem.NotAWholeNumber -> table[StringKey.PROBLEM_NOT_A_WHOLE_NUMBER, label]
            // "0 digits after the point" reads oddly; no decimals at all is a whole number.
            is ValidationProblem.TooManyDecimals ->
                if (problem.max.toInt() == 0) {
                    table[StringKey.PROBLEM_NOT_A_WHOLE_NUMBER, label]
                } else {
                    table[StringKey.PROBLEM_TOO_MANY_DECIMALS, label, problem.max.toString()]
                }
            ValidationProblem.NotBelowSystolic -> table[StringKey.PROBLEM_NOT_BELOW_SYSTOLIC]
            ValidationProblem.InTheFuture -> table[StringKey.PROBLEM_IN_THE_FUTURE, label]
            ValidationProblem.TooFarInThePast -> table[StringKey.PROBLEM_TOO_FAR_IN_THE_PAST, label]
            is ValidationProblem.TooLong -> table[StringKey.PROBLEM_TOO_LONG, label, problem.maxChars.toString()]
            ValidationProblem.Empty -> table[StringKey.PROBLEM_EMPTY, label]
            // `expected` is English prose for support staff; the person gets a field-specific hint.
            is ValidationProblem.InvalidFormat ->
                if (hmCode) table[StringKey.PROBLEM_INVALID_HM_CODE] else table[StringKey.PROBLEM_INVALID_FORMAT, label]
            is ValidationProblem.TooMany -> table[StringKey.PROBLEM_TOO_MANY, label, problem.max.toString()]
            ValidationProblem.Duplicate -> table[StringKey.PROBLEM_DUPLICATE, label]
        }

    fun warning(warning: Warning): String {
        val label = values.field(warning.field)
        val threshold = warning.shownThreshold
        val unit = values.unit(warning.unit)
        val key =
            when (warning.code) {
                WarningCode.AT_OR_ABOVE -> StringKey.WARNING_AT_OR_ABOVE
                WarningCode.BELOW -> StringKey.WARNING_BELOW
                WarningCode.ABOVE -> StringKey.WARNING_ABOVE
                WarningCode.CHANGED_BY_MORE_THAN -> StringKey.WARNING_CHANGED
            }
        return table[key, label, threshold, unit]
    }
}
