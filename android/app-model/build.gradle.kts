import org.jetbrains.kotlin.gradle.dsl.JvmTarget

// Plain Kotlin/JVM view models and wording. Also compiled and tested without Gradle on Linux by
// scripts/test-jvm.sh, against the real Rust core.
plugins {
    alias(libs.plugins.kotlin.jvm)
}

java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
        allWarningsAsErrors.set(true)
    }
}

// A JVM module cannot depend on the :core AAR, so it compiles the same generated bindings in a
// source set of its own: visible to main (compile only, not packaged: the app gets them from
// :core) and to the tests, which load libtecho_ffi.so from the host build.
val bindings: SourceSet = sourceSets.create("bindings")
kotlin.sourceSets.named("bindings") {
    kotlin.srcDir(rootDir.resolve("core/src/main/kotlin"))
}
sourceSets.named("main") {
    compileClasspath += bindings.output
}
sourceSets.named("test") {
    compileClasspath += bindings.output
    runtimeClasspath += bindings.output
}

dependencies {
    "bindingsImplementation"(libs.jna)
    "bindingsImplementation"(libs.kotlinx.coroutines.core)
    compileOnly(libs.jna)
    implementation(libs.kotlinx.coroutines.core)

    testImplementation(libs.junit)
    testImplementation(libs.jna)
}

tasks.test {
    // The host library from `cargo build -p techo-ffi`, and the app's strings (single source).
    systemProperty("jna.library.path", rootDir.resolve("../target/debug").absolutePath)
    systemProperty("techo.res.dir", rootDir.resolve("app/src/main/res").absolutePath)
    // The sync tests read TECHO_SERVER_URL and friends (or TECHO_SERVER_TESTS=skip) from the
    // environment Gradle runs in; see README.
}
