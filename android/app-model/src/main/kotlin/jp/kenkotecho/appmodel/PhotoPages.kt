package jp.kenkotecho.appmodel

/**
 * A question before a photo page goes: removing a page (it goes on every device) or discarding a
 * waiting one (it exists only on this device). Both go through the same core call.
 */
data class PendingPageRemoval(val imageSha256: String, val question: String, val waiting: Boolean)

/**
 * A photo waiting for room: 「1枚目」 under its heading, its preview (always on this device, null
 * only if it cannot be read), and what TalkBack reads for it: 「入りきらなかった写真 1枚目」.
 */
data class WaitingPhotoRow(val imageSha256: String, val title: String, val thumbnailPath: String?, val description: String)

/**
 * Photos added on this device that did not fit beside another phone's after a merge: kept here,
 * never dropped, and let in one by one as pages are removed. Null in a state when there are none.
 */
data class WaitingPages(val title: String, val explain: String, val photos: List<WaitingPhotoRow>)
