import org.jetbrains.kotlin.gradle.dsl.JvmTarget

// The Compose app: screens over :app-model's view models, the Android Keystore-backed key store,
// WorkManager sync and the Application that opens the core once.
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.compose)
}

val serverUrl = providers.gradleProperty("techo.serverUrl").orElse("https://techo.hm-net.example")

// The HM Net CA certificates (PEM) the core trusts, and only them: pinning, and on Android it
// avoids the platform TLS verifier, which would need JNI set-up (P-F12). Release builds need it:
//   ./gradlew :app:assembleRelease -Ptecho.trustedRootsPem=/path/to/hm-net-ca.pem
val trustedRootsPem: String? = providers.gradleProperty("techo.trustedRootsPem").orNull?.let { file(it).readText() }

fun javaStringOrNull(text: String?): String =
    if (text == null) {
        "null"
    } else {
        "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "").replace("\n", "\\n") + "\""
    }

android {
    namespace = "jp.kenkotecho.app"
    compileSdk = 36

    defaultConfig {
        applicationId = "jp.kenkotecho"
        minSdk = 26
        targetSdk = 36
        versionCode = 1
        versionName = "0.1.0"
        buildConfigField("String", "TRUSTED_ROOTS_PEM", javaStringOrNull(trustedRootsPem))
    }

    buildTypes {
        debug {
            // The emulator reaches the host's `techo-server --demo` at 10.0.2.2 (cleartext is
            // allowed for that address in debug builds only: src/debug/res/xml).
            buildConfigField("String", "SERVER_URL", "\"http://10.0.2.2:8080\"")
        }
        release {
            buildConfigField("String", "SERVER_URL", "\"${serverUrl.get()}\"")
            isMinifyEnabled = true
            isShrinkResources = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    packaging {
        // Stored uncompressed and page-aligned in the APK, loaded in place (16 KB pages, P-F9).
        jniLibs.useLegacyPackaging = false
    }
}

// Fail a release build early rather than ship an app whose first HTTPS handshake would fail.
val hasTrustedRoots = trustedRootsPem != null
tasks.matching { it.name == "preReleaseBuild" }.configureEach {
    doFirst {
        if (!hasTrustedRoots) throw GradleException("release builds need -Ptecho.trustedRootsPem=<HM Net CA PEM> (P-F12)")
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    implementation(project(":core"))
    implementation(project(":app-model"))

    implementation(libs.kotlinx.coroutines.android)
    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.lifecycle.process)
    implementation(libs.androidx.lifecycle.runtime.compose)
    implementation(libs.androidx.lifecycle.viewmodel.compose)
    implementation(libs.androidx.work.runtime.ktx)

    // The お薬手帳 receipt scanner: CameraX frames read by zxing-cpp (bytes + Structured Append).
    implementation(libs.androidx.camera.camera2)
    implementation(libs.androidx.camera.lifecycle)
    implementation(libs.androidx.camera.view)
    implementation(libs.zxing.cpp.android)

    implementation(platform(libs.compose.bom))
    implementation(libs.compose.ui)
    implementation(libs.compose.foundation)
    implementation(libs.compose.material3)
    implementation(libs.compose.ui.tooling.preview)
    debugImplementation(libs.compose.ui.tooling)
}
