//! SQLCipher's cryptography, written in Rust.
//!
//! SQLCipher leaves its primitives to a "crypto provider": a table of C function pointers for
//! AES-256-CBC, HMAC, PBKDF2 and randomness. The stock choices are OpenSSL (4.5 MB of the phone
//! library, because its provider tables keep nearly every algorithm alive) or CommonCrypto (Apple
//! only). This crate is a third provider on the RustCrypto crates, the same code on every
//! platform and a few tens of kilobytes.
//!
//! How it is wired in:
//! - `.cargo/config.toml` compiles SQLCipher with `SQLCIPHER_CRYPTO_CUSTOM` naming
//!   [`provider::techo_sqlcipher_provider_setup`], and undefines the CommonCrypto switch that
//!   libsqlite3-sys sets on Apple hosts.
//! - libsqlite3-sys still asks the linker for `-lcrypto`; `build.rs` answers with an empty archive
//!   so no OpenSSL is needed to build and none is linked.
//! - Connections are opened through [`open_with_flags`]: it references the setup function so the
//!   linker keeps it for SQLCipher's C code, which is linked after the Rust code.
//!
//! Files are the standard SQLCipher format: `tests/fixtures` holds databases written by the
//! OpenSSL provider, and the tests read them back.

mod provider;

pub use provider::techo_sqlcipher_provider_setup;

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// What `PRAGMA cipher_provider` answers when this provider is the one compiled in.
pub const PROVIDER_NAME: &str = "techo-rustcrypto";

/// Opens a SQLite (SQLCipher) connection. Use this instead of `Connection::open*`.
pub fn open_with_flags(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    keep_provider_linked();
    Connection::open_with_flags(path, flags)
}

/// [`open_with_flags`] with rusqlite's default flags (read-write, create, URI names).
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    open_with_flags(path, OpenFlags::default())
}

fn keep_provider_linked() {
    // Only C code calls the setup function, and archives are searched once in link order: a
    // reference from Rust makes the linker pull it in before SQLCipher's object asks for it.
    std::hint::black_box(techo_sqlcipher_provider_setup as unsafe extern "C" fn(_) -> _);
}
