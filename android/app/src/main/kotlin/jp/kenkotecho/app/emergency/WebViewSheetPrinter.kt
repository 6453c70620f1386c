package jp.kenkotecho.app.emergency

import android.app.Activity
import android.app.Application
import android.os.Bundle
import android.print.PrintAttributes
import android.print.PrintManager
import android.webkit.WebView
import android.webkit.WebViewClient
import jp.kenkotecho.appmodel.emergency.PrintOutcome
import jp.kenkotecho.appmodel.emergency.SheetPrinter
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
import java.lang.ref.WeakReference
import kotlin.coroutines.resume

/**
 * Prints the core's HTML page through Android's print dialog. A WebView made for the job (never
 * shown) lays the page out; once it has loaded, its print adapter goes to the PrintManager on A4.
 * Android does not tell the app reliably whether the person printed or closed the dialog, so a
 * job handed over counts as printed.
 */
class WebViewSheetPrinter : SheetPrinter {
    /** Held until the job is handed over: a WebView nothing refers to may be collected mid-load. */
    private var loading: WebView? = null

    override suspend fun print(html: String, jobName: String): PrintOutcome =
        withContext(Dispatchers.Main) {
            // Printing needs the activity on screen (not the application), and the model outlives rotations.
            val activity = ShownActivity.current ?: return@withContext PrintOutcome.FAILED
            try {
                suspendCancellableCoroutine { done ->
                    val view = WebView(activity)
                    loading = view
                    view.webViewClient =
                        object : WebViewClient() {
                            override fun onPageFinished(page: WebView, url: String?) {
                                if (loading !== page || !done.isActive) return
                                val outcome =
                                    try {
                                        val attributes = PrintAttributes.Builder().setMediaSize(PrintAttributes.MediaSize.ISO_A4).build()
                                        activity.getSystemService(PrintManager::class.java)
                                            .print(jobName, page.createPrintDocumentAdapter(jobName), attributes)
                                        PrintOutcome.PRINTED
                                    } catch (e: RuntimeException) {
                                        PrintOutcome.FAILED
                                    }
                                loading = null
                                done.resume(outcome)
                            }
                        }
                    view.loadDataWithBaseURL(null, html, "text/html", "UTF-8", null)
                }
            } catch (e: CancellationException) {
                loading = null
                throw e
            } catch (e: RuntimeException) {
                // No WebView on this phone (being updated, or disabled).
                loading = null
                PrintOutcome.FAILED
            }
        }
}

/** The activity now on screen, for the print dialog; weakly held so a closed one is not kept. */
object ShownActivity : Application.ActivityLifecycleCallbacks {
    private var shown: WeakReference<Activity>? = null

    val current: Activity? get() = shown?.get()

    fun register(app: Application) = app.registerActivityLifecycleCallbacks(this)

    override fun onActivityStarted(activity: Activity) {
        shown = WeakReference(activity)
    }

    override fun onActivityStopped(activity: Activity) {
        if (shown?.get() === activity) shown = null
    }

    override fun onActivityCreated(activity: Activity, savedInstanceState: Bundle?) = Unit

    override fun onActivityResumed(activity: Activity) = Unit

    override fun onActivityPaused(activity: Activity) = Unit

    override fun onActivitySaveInstanceState(activity: Activity, outState: Bundle) = Unit

    override fun onActivityDestroyed(activity: Activity) = Unit
}
