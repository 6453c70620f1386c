// Plugin versions live in gradle/libs.versions.toml; each module applies what it needs.
// AGP 9 compiles Kotlin itself (built-in Kotlin), so the Android modules apply no Kotlin plugin;
// declaring kotlin-jvm here also puts the catalogue's Kotlin version on the build classpath.
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.android.library) apply false
    alias(libs.plugins.kotlin.jvm) apply false
    alias(libs.plugins.kotlin.compose) apply false
}
