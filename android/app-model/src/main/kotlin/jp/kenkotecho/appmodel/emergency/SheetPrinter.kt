package jp.kenkotecho.appmodel.emergency

/** How a print job ended, as far as the platform tells the app. */
enum class PrintOutcome {
    /** Handed to the printing service (Android does not say whether paper came out). */
    PRINTED,

    /** The person closed the print dialog: nothing to say. */
    CANCELLED,

    /** The page could not be handed over. */
    FAILED,
}

/**
 * Prints one self-contained HTML page. The platform's printing lives in the app (a WebView and
 * the PrintManager on Android); the model only decides what is printed and what is said after.
 */
fun interface SheetPrinter {
    /** Called from the model's scope; an implementation moves to the UI thread itself if it needs to. */
    suspend fun print(html: String, jobName: String): PrintOutcome
}
