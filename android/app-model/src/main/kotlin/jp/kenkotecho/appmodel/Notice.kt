package jp.kenkotecho.appmodel

/** How a message should look: the UI picks colours and icons, never the wording. */
enum class Tone { INFO, SUCCESS, WARNING, ERROR }

/** A sentence for the person, already worded with its next step. */
data class Notice(val text: String, val tone: Tone)

/** One choice in a group of large radio rows (no small controls, no swipe). */
data class Option<T>(val value: T, val label: String, val selected: Boolean)
