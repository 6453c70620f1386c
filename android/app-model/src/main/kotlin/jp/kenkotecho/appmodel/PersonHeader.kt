package jp.kenkotecho.appmodel

import jp.kenkotecho.appmodel.text.StringKey
import jp.kenkotecho.appmodel.text.Wording
import jp.kenkotecho.core.Profile

/** Whose records are on screen; shown on every screen while acting for someone (U8). */
data class PersonHeader(val profileId: String, val name: String, val text: String, val a11y: String) {
    companion object {
        fun of(profile: Profile, words: Wording): PersonHeader {
            val relation = words.values.relationship(profile.relationship)
            return PersonHeader(
                profileId = profile.id,
                name = profile.displayName,
                text = words[StringKey.PERSON_HEADER, profile.displayName],
                a11y = words[StringKey.PERSON_HEADER_A11Y, profile.displayName, relation],
            )
        }
    }
}
