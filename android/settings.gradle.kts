// Kenko Techo Android shell: the generated UniFFI bindings (:core), plain-Kotlin view models
// (:app-model, also built and tested without Gradle by scripts/test-jvm.sh) and the Compose app.
pluginManagement {
    repositories {
        google {
            content {
                includeGroupByRegex("com\\.android.*")
                includeGroupByRegex("com\\.google.*")
                includeGroupByRegex("androidx.*")
            }
        }
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "kenko-techo"
include(":core", ":app-model", ":app")
