# Sourced by scripts/test.sh: installs, idempotently, what the binding and shell tests need on Linux,
# and exports where it lives. Reruns that find everything in place cost a few dpkg/stat calls.
#
#   Kotlin  kotlinc from npm `kotlin-compiler` (pinned), JNA and JUnit 4 from Debian
#   Swift   Debian trixie chroot (debootstrap) with `swiftlang`, kept outside the repository
#
# TECHO_TOOLS moves the cache (default ~/.cache/techo-tools).

KOTLIN_COMPILER_VERSION="2.4.20"
TECHO_TOOLS="${TECHO_TOOLS:-$HOME/.cache/techo-tools}"
mkdir -p "$TECHO_TOOLS"
SWIFT_CHROOT="$TECHO_TOOLS/swift-trixie"
export SWIFT_CHROOT

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt-get update runs at most once per invocation, and only when something is missing.
apt_updated=""
apt_install_missing() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ -z "$apt_updated" ]; then
        as_root apt-get update
        apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

install_kotlin_tools() {
    apt_install_missing libjna-java libjna-jni junit4
    local dir="$TECHO_TOOLS/kotlin-$KOTLIN_COMPILER_VERSION"
    KOTLIN_HOME="$dir/node_modules/kotlin-compiler"
    if [ ! -x "$KOTLIN_HOME/bin/kotlinc" ]; then
        npm install --no-audit --no-fund --prefix "$dir" "kotlin-compiler@$KOTLIN_COMPILER_VERSION"
        # The package declares only kotlinc-js as a bin, so npm leaves the JVM launchers unexecutable.
        chmod +x "$KOTLIN_HOME"/bin/kotlin*
    fi
    # awk reads all its input (no early exit), so nothing upstream is cut off under pipefail.
    JNA_JAR="$(dpkg -L libjna-java | awk '/\/jna\.jar$/ && !f { print; f = 1 }')"
    JUNIT_JAR="$(dpkg -L junit4 | awk '/\/junit4\.jar$/ && !f { print; f = 1 }')"
    HAMCREST_JAR="$(find /usr/share/java -name 'hamcrest-core*.jar' -o -name 'hamcrest.jar' | awk '!f { print; f = 1 }')"
    local jar
    for jar in "$JNA_JAR" "$JUNIT_JAR" "$HAMCREST_JAR"; do
        [ -f "$jar" ] || { echo "binding tools: a JNA/JUnit/Hamcrest jar is missing" >&2; return 1; }
    done
    export KOTLIN_HOME JNA_JAR JUNIT_JAR HAMCREST_JAR
}

mounted() { grep -q " $(realpath -m "$1") " /proc/mounts; }

# Never delete a chroot with the host's /dev, /proc or /sys still mounted inside it.
unmount_swift_chroot() {
    for m in sys dev proc; do
        if mounted "$SWIFT_CHROOT/$m"; then as_root umount -l "$SWIFT_CHROOT/$m"; fi
    done
}

# Swift 6 for Linux is packaged in Debian 13 (trixie), not in this host's Debian 12.
# Safe to run in the background (scripts/test.sh overlaps it with the build): it sets no
# variables the caller needs.
install_swift_chroot() {
    # Progress is kept in marker files: inside the chroot `usr/bin/swift` is a symlink to an
    # absolute path, which a test from the host would resolve against the host's own /usr.
    if [ ! -e "$SWIFT_CHROOT/.techo-debootstrap-done" ]; then
        apt_install_missing debootstrap
        local mirror
        # The Debian mirror the host already uses (one-line and deb822 formats). Written so that
        # no step of the pipeline can fail under `set -o pipefail`: a missing file or an early
        # exit of awk must not abort the caller.
        mirror="$({ cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null || true; } |
            awk '($1 == "URIs:" || $1 == "deb") && $2 ~ /^https?:\/\/.*\/debian\/?$/ { print $2; exit }')"
        mirror="${mirror:-http://deb.debian.org/debian}"
        # An interrupted debootstrap left no marker: start over.
        unmount_swift_chroot
        as_root rm -rf --one-file-system "$SWIFT_CHROOT"
        as_root debootstrap --variant=minbase trixie "$SWIFT_CHROOT" "$mirror"
        as_root touch "$SWIFT_CHROOT/.techo-debootstrap-done"
    fi
    mounted "$SWIFT_CHROOT/proc" || as_root mount -t proc proc "$SWIFT_CHROOT/proc"
    mounted "$SWIFT_CHROOT/dev" || as_root mount --bind /dev "$SWIFT_CHROOT/dev"
    mounted "$SWIFT_CHROOT/sys" || as_root mount -t sysfs sys "$SWIFT_CHROOT/sys"
    # ca-certificates: the core's HTTP client loads the system roots when it starts.
    if [ ! -e "$SWIFT_CHROOT/.techo-swiftlang-done" ]; then
        as_root chroot "$SWIFT_CHROOT" apt-get update
        as_root chroot "$SWIFT_CHROOT" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends swiftlang libc6-dev ca-certificates
        as_root touch "$SWIFT_CHROOT/.techo-swiftlang-done"
    fi
}
