//! Card issuance and activation: one-time codes that expire, are used once, and name one resident.

use std::time::Duration;
use techo_server::auth::{hash_password, normalise_activation_code};
use techo_server::storage::{StorageError, sha256_hex};

fn code_hash(code: &str) -> String {
    sha256_hex(normalise_activation_code(code).as_bytes())
}

#[test]
fn activation_codes_are_single_use_expire_and_belong_to_one_resident() {
    let dir = tempfile::tempdir().unwrap();
    // SQLite, or PostgreSQL with TECHO_TEST_SERVER_BACKEND=postgres (scripts/test.sh runs both).
    let store = techo_server::storage::scratch::TestStore::open(dir.path());
    let storage = store.storage.clone();
    let a =
        techo_server::add_resident(storage.as_ref(), "3400-1234", "山田 花子", "1950-04-01", Duration::from_secs(3600))
            .unwrap();
    let b =
        techo_server::add_resident(storage.as_ref(), "34005678", "山田 太郎", "1948-01-02", Duration::from_secs(3600))
            .unwrap();
    assert_eq!(storage.resident_by_hm_code("34001234").unwrap().unwrap().password_hash, None, "not activated yet");
    let phc = hash_password("long enough").unwrap();
    let now = chrono::Utc::now().timestamp_millis();

    // Someone else's code does not activate this resident.
    assert!(matches!(
        storage.activate("34001234", &code_hash(&b.activation_code), &phc, now),
        Err(StorageError::NotFound)
    ));
    // Case and dashes do not matter to a person typing it.
    let typed = a.activation_code.to_lowercase().replace('-', " ");
    storage.activate("34001234", &code_hash(&typed), &phc, now).unwrap();
    assert!(storage.resident_by_hm_code("34001234").unwrap().unwrap().password_hash.is_some());
    // Used once: refused the second time.
    assert!(matches!(
        storage.activate("34001234", &code_hash(&a.activation_code), &phc, now),
        Err(StorageError::NotFound)
    ));
    // Expired: refused.
    let later = now + Duration::from_secs(3601).as_millis() as i64;
    assert!(matches!(
        storage.activate("34005678", &code_hash(&b.activation_code), &phc, later),
        Err(StorageError::NotFound)
    ));

    // Issuing twice for one HM code, or bad input, is refused with a clear message.
    let dup = techo_server::add_resident(storage.as_ref(), "34001234", "x", "1950-04-01", Duration::from_secs(60));
    assert!(dup.err().unwrap().contains("already exists"));
    assert!(
        techo_server::add_resident(storage.as_ref(), "34009999", "x", "1950-13-01", Duration::from_secs(60)).is_err()
    );
    assert!(techo_server::add_resident(storage.as_ref(), "12", "x", "1950-01-01", Duration::from_secs(60)).is_err());
}
