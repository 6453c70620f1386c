//! The token-signing key: outside the database, so a copy of `server.db` mints nothing. It comes
//! from the environment (`TECHO_SERVER_TOKEN_SECRET`, hex) or from `token.key` in the data
//! directory (mode 0600, made on first start). A database from before schema 4 kept the key
//! inside; it is moved out once, so signed-in devices stay signed in.
//!
//! Rotation (`techo-server admin rotate-secret`) writes a new key file: access tokens signed
//! with the old key stop working once servers restart on it; refresh tokens are stored only as
//! hashes and keep working, so devices renew their access tokens unnoticed.

use crate::storage::Storage;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const KEY_FILE: &str = "token.key";
pub const SECRET_ENV: &str = "TECHO_SERVER_TOKEN_SECRET";
const KEY_BYTES: usize = 32;

fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

/// Creates `dir` (and its parents) if missing; a directory made here is the owner's only.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

fn from_env() -> Result<Option<Vec<u8>>, String> {
    match std::env::var(SECRET_ENV) {
        Ok(v) if !v.trim().is_empty() => {
            let key = hex::decode(v.trim()).map_err(|_| format!("{SECRET_ENV}: expected hex"))?;
            if key.len() < KEY_BYTES {
                return Err(format!("{SECRET_ENV}: at least {KEY_BYTES} bytes (64 hex digits)"));
            }
            Ok(Some(key))
        }
        _ => Ok(None),
    }
}

/// Writes the key file atomically, readable by the owner only.
fn write_key_file(data_dir: &Path, key: &[u8]) -> Result<(), String> {
    private_dir(data_dir).map_err(|e| format!("data directory: {}", e.kind()))?;
    let tmp = data_dir.join(format!("{KEY_FILE}.tmp"));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let io = |e: std::io::Error| format!("key file: {}", e.kind());
    let mut f = options.open(&tmp).map_err(io)?;
    f.write_all(hex::encode(key).as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, key_path(data_dir)).map_err(io)?;
    if let Ok(d) = std::fs::File::open(data_dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn read_key_file(data_dir: &Path) -> Result<Option<Vec<u8>>, String> {
    let path = key_path(data_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("key file: {}", e.kind())),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    let key = hex::decode(text.trim()).map_err(|_| "key file: not hex".to_owned())?;
    if key.len() < KEY_BYTES {
        return Err("key file: too short".into());
    }
    Ok(Some(key))
}

fn random_key() -> Result<Vec<u8>, String> {
    let mut key = vec![0u8; KEY_BYTES];
    getrandom::fill(&mut key).map_err(|_| "no system randomness".to_owned())?;
    Ok(key)
}

/// The key to sign access tokens with: the environment's, else the key file's (moved there
/// from the database if an older server kept it inside, else made new).
pub fn load_token_secret(data_dir: &Path, storage: &dyn Storage) -> Result<Vec<u8>, String> {
    let legacy = storage.legacy_token_secret().map_err(|e| e.to_string())?;
    let key = if let Some(key) = from_env()? {
        key
    } else if let Some(key) = read_key_file(data_dir)? {
        key
    } else {
        let key = match &legacy {
            Some(k) => k.clone(),
            None => random_key()?,
        };
        write_key_file(data_dir, &key)?;
        key
    };
    // Only once the key is safe outside is it removed from the database.
    if legacy.is_some() {
        storage.forget_legacy_token_secret().map_err(|e| e.to_string())?;
    }
    Ok(key)
}

/// Replaces the key file with a new random key.
pub fn rotate_token_secret(data_dir: &Path) -> Result<(), String> {
    if from_env()?.is_some() {
        return Err(format!("the key comes from {SECRET_ENV}; rotate it there"));
    }
    write_key_file(data_dir, &random_key()?)
}
