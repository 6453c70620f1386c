package jp.kenkotecho.appmodel.text

/**
 * Everything the shell says, in the language of [table]. Formatting only: every number, bound,
 * class and conversion comes from the core, and this only prints it.
 */
class Wording(val table: StringTable, useWareki: Boolean = false) {
    val numbers = NumberWording(table.locale)
    val dates = DateWording(table, useWareki)
    val values = ValueWording(table, numbers)
    val problems = ProblemWording(table, values, numbers)
    val errors = ErrorWording(table, problems, numbers)
    val sync = SyncWording(table, numbers, dates)
    val bp = BpWording(table, numbers, dates)
    val refused = RefusedWording(table, dates, values)
    val medications = MedicationWording(table, numbers)
    val checkups = CheckupWording(table, numbers, dates)

    operator fun get(key: StringKey, vararg args: String): String = table.get(key, *args)
}
