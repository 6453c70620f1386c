//! Files written by SQLCipher's OpenSSL provider open, verify and extend with ours.

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use techo_sqlcipher_crypto::{PROVIDER_NAME, open};

const RAW_KEY: &str = "x'000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F'";
const PASSPHRASE: &str = "'kenko-techo fixture'";

fn body(i: usize) -> String {
    format!("row {i:03} 健康手帳 {}", "x".repeat(i * 3 % 150))
}

/// A scratch copy, so the committed fixture is never modified.
fn copy_of(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name), &path).unwrap();
    (dir, path)
}

/// Keying connections one at a time: under a loaded CI machine, keying on several test threads at
/// once once failed in SQLCipher's own set-up ("An error occurred with PRAGMA key") on a fixture
/// that reads fine alone. The app keys its connections one after the other, as this does.
static KEYING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn keyed(path: &Path, key: &str, compatibility: Option<u32>) -> Connection {
    let _one_at_a_time = KEYING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let c = open(path).unwrap();
    // The wrong-key and tampering cases would otherwise print SQLCipher's error log.
    c.execute_batch("PRAGMA cipher_log_level = NONE;").unwrap();
    c.execute_batch(&format!("PRAGMA key = \"{key}\";")).unwrap();
    if let Some(v) = compatibility {
        c.execute_batch(&format!("PRAGMA cipher_compatibility = {v};")).unwrap();
    }
    c
}

fn assert_fixture_rows(c: &Connection) {
    let rows: Vec<(usize, String)> = c
        .prepare("SELECT id, body FROM t ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get::<_, i64>(0)? as usize, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 120);
    for (i, (id, text)) in rows.into_iter().enumerate() {
        assert_eq!((id, text), (i, body(i)));
    }
}

fn check(name: &str, key: &str, compatibility: Option<u32>) {
    let (_dir, path) = copy_of(name);
    {
        let c = keyed(&path, key, compatibility);
        let provider: String = c.query_row("PRAGMA cipher_provider", [], |r| r.get(0)).unwrap();
        assert_eq!(provider, PROVIDER_NAME);
        assert_fixture_rows(&c);
        // Every page's HMAC, checked by SQLCipher through our provider.
        let problems: Vec<String> = c
            .prepare("PRAGMA cipher_integrity_check")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(problems.is_empty(), "{name}: {problems:?}");
        // Writing re-encrypts pages with our cipher, random IVs and MACs.
        c.execute("INSERT INTO t(id, body) VALUES (1000, 'added by the Rust provider')", []).unwrap();
        c.execute("DELETE FROM t WHERE id = 1000", []).unwrap();
        c.execute("INSERT INTO t(id, body) VALUES (1000, 'kept')", []).unwrap();
    }
    let c = keyed(&path, key, compatibility);
    let kept: String = c.query_row("SELECT body FROM t WHERE id = 1000", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, "kept");
    c.execute("DELETE FROM t WHERE id = 1000", []).unwrap();
    assert_fixture_rows(&c);
}

#[test]
fn raw_key_file_from_openssl_opens() {
    check("sqlcipher4-raw-key.db", RAW_KEY, None);
}

#[test]
fn passphrase_file_from_openssl_opens() {
    check("sqlcipher4-passphrase.db", PASSPHRASE, None);
}

#[test]
fn sqlcipher3_file_from_openssl_opens() {
    check("sqlcipher3-passphrase.db", PASSPHRASE, Some(3));
}

#[test]
fn a_wrong_key_reads_nothing() {
    let (_dir, path) = copy_of("sqlcipher4-raw-key.db");
    let c = keyed(&path, "x'FF0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F'", None);
    let err = c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert_eq!(err.sqlite_error_code(), Some(rusqlite::ErrorCode::NotADatabase));
}

#[test]
fn a_tampered_page_is_refused() {
    let (_dir, path) = copy_of("sqlcipher4-raw-key.db");
    let mut bytes = std::fs::read(&path).unwrap();
    // One bit in the second page's ciphertext.
    bytes[4096 + 100] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    let c = keyed(&path, RAW_KEY, None);
    let read: rusqlite::Result<Vec<String>> =
        c.prepare("SELECT body FROM t").and_then(|mut s| s.query_map([], |r| r.get(0))?.collect());
    assert!(read.is_err(), "a page with a broken HMAC must not read back");
}

#[test]
fn new_files_carry_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    {
        let c = keyed(&path, RAW_KEY, None);
        c.execute_batch("CREATE TABLE t(body TEXT); INSERT INTO t VALUES ('健康手帳 plaintext marker');").unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    assert!(!bytes.windows(b"plaintext marker".len()).any(|w| w == b"plaintext marker"));
    let c = keyed(&path, RAW_KEY, None);
    let text: String = c.query_row("SELECT body FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(text, "健康手帳 plaintext marker");
}
