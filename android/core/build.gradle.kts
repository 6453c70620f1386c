import org.jetbrains.kotlin.gradle.dsl.JvmTarget

// The generated UniFFI bindings (src/main/kotlin, never edited by hand), the Rust library built
// for each ABI (src/main/jniLibs, by scripts/build-rust.sh) and the R8 rules apps need for both.
plugins {
    alias(libs.plugins.android.library)
}

android {
    namespace = "jp.kenkotecho.core"
    compileSdk = 36

    defaultConfig {
        minSdk = 26
        // Shipped inside the AAR so every app that uses :core keeps JNA and the bindings (P-F8).
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    // The AAR carries libjnidispatch.so for every ABI; the plain jar does not (P-F8).
    api("net.java.dev.jna:jna:${libs.versions.jna.get()}@aar")
    api(libs.kotlinx.coroutines.core)
}

// libtecho_ffi.so for arm64-v8a, armeabi-v7a and x86_64, 16 KB-aligned (P-F9). Skip it with
// -Ptecho.skipRust=true when the libraries are already in src/main/jniLibs.
val skipRust = providers.gradleProperty("techo.skipRust").map { it != "false" }.orElse(false)
val repoRoot = rootDir.parentFile
val buildRustLibrary =
    tasks.register<Exec>("buildRustLibrary") {
        group = "build"
        description = "Builds libtecho_ffi.so with cargo-ndk into src/main/jniLibs."
        onlyIf { !skipRust.get() }
        workingDir = repoRoot
        commandLine("bash", "android/scripts/build-rust.sh")
        inputs.files(
            fileTree(repoRoot.resolve("core/src")),
            fileTree(repoRoot.resolve("bindings/src")),
            fileTree(repoRoot.resolve("protocol/src")),
            repoRoot.resolve("Cargo.lock"),
            repoRoot.resolve("Cargo.toml"),
        )
        outputs.dir(layout.projectDirectory.dir("src/main/jniLibs"))
    }

tasks.named("preBuild") {
    dependsOn(buildRustLibrary)
}
