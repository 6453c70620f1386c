//! Opening a keyed SQLCipher connection with the project's pragmas.

use crate::error::{Error, Result};
use crate::keys::DatabaseKey;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::Path;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Writer,
    Reader,
}

pub(crate) fn open(path: &Path, key: &DatabaseKey, role: Role) -> Result<Connection> {
    let flags = match role {
        Role::Writer => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        Role::Reader => OpenFlags::SQLITE_OPEN_READ_ONLY,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = techo_sqlcipher_crypto::open_with_flags(path, flags)?;
    apply_key(&conn, key)?;
    // The first read decrypts page 1: this is where a wrong key shows up.
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        let e = crate::error::SqliteError::from(e);
        return Err(if e.is_not_a_database() { Error::WrongKeyOrCorrupt } else { Error::Sqlite(e) });
    }
    configure(&conn, role)?;
    Ok(conn)
}

pub(crate) fn apply_key(conn: &Connection, key: &DatabaseKey) -> Result<()> {
    // SQLCipher logs decryption failures to stderr by default; the typed error is what callers get.
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(())).optional()?;
    let pragma = key.pragma_value();
    conn.pragma_update(None, "key", &*pragma)?;
    Ok(())
}

fn configure(conn: &Connection, role: Role) -> Result<()> {
    // Waiting beats failing when a second process (another CLI call) holds the write lock.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Temp files would be unencrypted and fail on Android without a temp dir.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -8000)?;
    if role == Role::Writer {
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Corrupt("could not switch the database to WAL mode"));
        }
        // Everything the writer commits is acknowledged to a person ("saved"): WAL+FULL survives
        // power loss, WAL+NORMAL may roll the last commits back.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
    } else {
        conn.pragma_update(None, "query_only", "ON")?;
    }
    Ok(())
}
