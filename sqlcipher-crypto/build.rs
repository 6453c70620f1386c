//! libsqlite3-sys links every bundled SQLCipher build with `-lcrypto` (OpenSSL), even when the
//! crypto provider is our own and no OpenSSL symbol is referenced. An empty archive named
//! `libcrypto.a`, found first on the search path, satisfies that flag without OpenSSL being
//! installed (the Android NDK has none) and puts nothing into the binary.

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("no-libcrypto");
    std::fs::create_dir_all(&out).expect("OUT_DIR is writable");
    // The `ar` format with no members is just its magic line.
    std::fs::write(out.join("libcrypto.a"), b"!<arch>\n").expect("OUT_DIR is writable");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rerun-if-changed=build.rs");
}
