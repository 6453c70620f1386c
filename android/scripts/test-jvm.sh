#!/usr/bin/env bash
# Compiles and runs, on Linux without Gradle or the Android SDK, what of the Android shell runs on
# a plain JVM: the generated :core bindings, the :app-model sources and the :app-model JUnit 4
# tests, against the real Rust core (libtecho_ffi.so) through JNA. Exits non-zero on any failure.
#
# Environment (all required):
#   KOTLIN_HOME        npm kotlin-compiler package dir (bin/kotlinc, lib/kotlinx-coroutines-core-jvm.jar)
#   JNA_JAR JUNIT_JAR HAMCREST_JAR
#   TECHO_FFI_LIB_DIR  directory holding libtecho_ffi.so (cargo build -p techo-ffi)
#   TECHO_BUILD_DIR    scratch directory for the jars (created if missing; keep it outside the repo)
# For the tests that talk to a sync server (techo-server --demo):
#   TECHO_SERVER_URL TECHO_HM_CODE TECHO_PASSWORD TECHO_ACTIVATION_HM_CODE TECHO_ACTIVATION_CODE
#   or TECHO_SERVER_TESTS=skip to skip those tests explicitly.
# For the medication notebook tests: TECHO_FIXTURES (bindings/tests/fixtures: a receipt as a JAHIS
#   file, QR code PNGs and codewords).
set -euo pipefail

android_dir="$(cd "$(dirname "$0")/.." && pwd)"

for name in KOTLIN_HOME JNA_JAR JUNIT_JAR HAMCREST_JAR TECHO_FFI_LIB_DIR TECHO_BUILD_DIR; do
    if [ -z "${!name:-}" ]; then
        echo "test-jvm: $name is not set (see the top of $0)" >&2
        exit 2
    fi
done
kotlinc="$KOTLIN_HOME/bin/kotlinc"
stdlib="$KOTLIN_HOME/lib/kotlin-stdlib.jar"
coroutines="$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar"
for f in "$kotlinc" "$stdlib" "$coroutines" "$JNA_JAR" "$JUNIT_JAR" "$HAMCREST_JAR"; do
    [ -e "$f" ] || { echo "test-jvm: missing $f" >&2; exit 2; }
done
if [ ! -f "$TECHO_FFI_LIB_DIR/libtecho_ffi.so" ]; then
    echo "test-jvm: no libtecho_ffi.so in $TECHO_FFI_LIB_DIR (build it with: cargo build -p techo-ffi)" >&2
    exit 2
fi
if [ -z "${TECHO_SERVER_URL:-}" ] && [ "${TECHO_SERVER_TESTS:-}" != "skip" ]; then
    echo "test-jvm: TECHO_SERVER_URL is not set: the sync tests will fail (TECHO_SERVER_TESTS=skip skips them)" >&2
fi

mkdir -p "$TECHO_BUILD_DIR"
build="$(cd "$TECHO_BUILD_DIR" && pwd)"

mapfile -t core_sources < <(find "$android_dir/core/src/main/kotlin" -name '*.kt' | sort)
mapfile -t main_sources < <(find "$android_dir/app-model/src/main/kotlin" -name '*.kt' | sort)
mapfile -t test_sources < <(find "$android_dir/app-model/src/test/kotlin" -name '*.kt' | sort)

# Each kotlinc start costs 10-15 s on a small machine: one call for the bindings and the
# app-model together, one for all tests, each skipped when its inputs did not change.
fingerprint() { # <classpath> <sources...>
    local cp="$1"
    shift
    # Sources by content; classpath entries (the freshly built app-model jar among them) by stat.
    { echo "$KOTLIN_HOME $cp $*"; tr ':' '\n' <<<"$cp" | xargs stat -c '%n %s %Y'; cat "$@"; } | sha256sum | cut -d' ' -f1
}

compile() { # <output> <classpath> <sources...>
    local out="$1" cp="$2"
    shift 2
    local stamp="$out.sha256" sum
    sum="$(fingerprint "$cp" "$@")"
    if [ -e "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
        echo "== up to date: $(basename "$out")"
        return
    fi
    echo "== kotlinc -Werror: $(basename "$out") ($# files)"
    rm -rf "$out" "$stamp"
    "$kotlinc" -Werror -jvm-target 17 -classpath "$cp" -d "$out" "$@"
    echo "$sum" >"$stamp"
}

main_jar="$build/app-model.jar"
tests_dir="$build/app-model-tests"
compile "$main_jar" "$JNA_JAR:$coroutines" "${core_sources[@]}" "${main_sources[@]}"
compile "$tests_dir" "$main_jar:$JNA_JAR:$coroutines:$JUNIT_JAR:$HAMCREST_JAR" "${test_sources[@]}"

# The Compose app (app/) needs the Android SDK to compile. Its sources are still read by kotlinc,
# with the app-model on the classpath: Android and Compose names come out unresolved, as expected
# without the SDK, and a syntax error fails the run. Skipped when the sources did not change.
mapfile -t app_sources < <(find "$android_dir/app/src/main/kotlin" -name '*.kt' | sort)
views_stamp="$build/app-views.sha256"
views_sum="$(fingerprint "$main_jar:$coroutines" "${app_sources[@]}")"
if [ "$(cat "$views_stamp" 2>/dev/null)" = "$views_sum" ]; then
    echo "== up to date: app views' syntax"
else
    echo "== kotlinc syntax check: app views (${#app_sources[@]} files)"
    views_out="$("$kotlinc" -jvm-target 17 -classpath "$main_jar:$coroutines" -d "$build/app-views" "${app_sources[@]}" 2>&1 || true)"
    if grep -q "error: syntax error" <<<"$views_out"; then
        grep -A3 "error: syntax error" <<<"$views_out" >&2
        echo "test-jvm: syntax errors in the app's views" >&2
        exit 1
    fi
    echo "$views_sum" >"$views_stamp"
fi

mapfile -t test_classes < <(cd "$tests_dir" && find . -name '*Test.class' ! -name '*$*' | sed 's|^\./||; s|\.class$||; s|/|.|g' | sort)
if [ ${#test_classes[@]} -eq 0 ]; then
    echo "test-jvm: no test classes found" >&2
    exit 1
fi

echo "== JUnit: ${#test_classes[@]} classes"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
java -ea \
    -Djna.library.path="$TECHO_FFI_LIB_DIR" \
    -Dtecho.res.dir="$android_dir/app/src/main/res" \
    -cp "$tests_dir:$main_jar:$stdlib:$coroutines:$JNA_JAR:$JUNIT_JAR:$HAMCREST_JAR" \
    org.junit.runner.JUnitCore "${test_classes[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# JUnit 4 ends with "OK (N tests)" or "Tests run: N,  Failures: F"; close with the plain line.
awk '/^OK \(/ { gsub(/[^0-9]/, "", $2); run = $2; failed = 0 }
     /^Tests run:/ { gsub(/[^0-9]/, "", $3); gsub(/[^0-9]/, "", $5); run = $3; failed = $5 }
     END { if (run == "") exit 1; printf "%d passed, %d failed\n", run - failed, failed }' "$log" || {
    echo "test-jvm: no JUnit summary (the JVM did not finish the run)" >&2
    exit 1
}
exit "$status"
