//! The encrypted local store: SQLCipher, one writer and one reader connection in WAL mode.

mod blobs;
#[cfg(test)]
mod conformance;
mod connection;
pub mod families;
mod medications;
mod migrations;
mod outbox;
mod parked;
pub(crate) mod profiles;
mod rows;
mod start_over;
mod sync_state;
#[cfg(test)]
mod tests;
pub(crate) mod vitals_read;
mod vitals_write;

pub use blobs::{UPLOAD_ENTITY, UploadTask, sha256_hex};
pub use families::ArrivedBy;
pub use families::checkup::{CheckupConflict, CheckupSummary, CheckupView, JudgedItem, NewCheckup, check_typed_item};
pub use families::emergency_sheet::{EmergencySheet, REVIEW_AFTER, SheetVersion};
pub use medications::{
    ImportSource, InstitutionCount, MedicationImport, MedicationPage, MedicationQuery, StoredMedication,
};
pub use migrations::LATEST_SCHEMA;
pub use outbox::{OutboxCounts, OutboxEntry};
pub use start_over::StartOver;
pub use sync_state::{Account, PullApplied, PushApplied};
pub use techo_protocol::Entity;
pub use techo_protocol::records::checkup::CheckupKind;
pub use techo_protocol::records::{BlobRef, PhotoPage};
pub use vitals_read::{Page, VitalQuery};
pub use vitals_write::Recorded;

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::keys::{DATABASE_KEY, DatabaseKey, KeyStore};
use families::Families;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

pub struct Store {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    clock: Arc<dyn Clock>,
    families: Families,
    device_id: String,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("device_id", &self.device_id).finish_non_exhaustive()
    }
}

/// Options for [`Store::open_with`].
pub struct OpenOptions {
    pub clock: Arc<dyn Clock>,
    /// The record families this build knows; what it pulls of any other is parked.
    pub families: Families,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self { clock: Arc::new(SystemClock), families: Families::builtin() }
    }
}

fn canary_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".keycheck");
    PathBuf::from(p)
}

impl Store {
    /// Opens (or creates) the database at `path`, keyed from `keys`.
    pub fn open(path: impl AsRef<Path>, keys: &dyn KeyStore) -> Result<Self> {
        Self::open_with(path, keys, OpenOptions::default())
    }

    pub fn open_with(path: impl AsRef<Path>, keys: &dyn KeyStore, options: OpenOptions) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        let exists = path.exists();
        let key = obtain_key(keys, exists)?;
        let canary = canary_path(&path);
        match std::fs::read_to_string(&canary) {
            Ok(stored) if !key.matches_canary(&stored) => return Err(Error::KeyChanged),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }

        let mut writer = connection::open(&path, &key, connection::Role::Writer)?;
        migrations::migrate(&mut writer)?;
        let reader = connection::open(&path, &key, connection::Role::Reader)?;
        if !canary.exists() {
            write_canary(&canary, &key)?;
        }
        let device_id = ensure_device_id(&writer)?;
        let store = Self {
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            clock: options.clock,
            families: options.families,
            device_id,
            path,
        };
        // What an older build parked may be readable now (the app was updated).
        if store.parked_count()? > 0 {
            store.apply_parked()?;
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This installation's id; recorded as provenance on everything created here.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    pub fn schema_version(&self) -> Result<i64> {
        migrations::user_version(&self.reader())
    }

    /// `PRAGMA integrity_check` passes.
    pub fn integrity_ok(&self) -> Result<bool> {
        let conn = self.reader();
        let result: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(result == "ok")
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic mid-transaction drops the Transaction, which rolls back: the connection is
        // still consistent, so a poisoned lock is safe to reuse.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn obtain_key(keys: &dyn KeyStore, db_exists: bool) -> Result<DatabaseKey> {
    if let Some(bytes) = keys.load(DATABASE_KEY)? {
        return DatabaseKey::from_bytes(&bytes);
    }
    if db_exists {
        // Never mint a new key for an existing database: that would lock the data away for good.
        return Err(Error::KeyUnavailable);
    }
    let key = DatabaseKey::generate()?;
    keys.save(DATABASE_KEY, key.bytes())?;
    match keys.load(DATABASE_KEY)? {
        Some(back) if back.as_slice() == key.bytes() => Ok(key),
        _ => {
            Err(Error::KeyStore(crate::error::KeyStoreError::Refused("the key store did not keep the new key".into())))
        }
    }
}

fn write_canary(path: &Path, key: &DatabaseKey) -> Result<()> {
    let tmp = path.with_extension("keycheck.tmp");
    std::fs::write(&tmp, key.canary())?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)?;
    Ok(())
}

fn ensure_device_id(conn: &Connection) -> Result<String> {
    conn.execute(
        "INSERT INTO \"local_settings\" (\"key\", \"value\") VALUES ('device_id', ?1) ON CONFLICT(\"key\") DO NOTHING",
        [uuid::Uuid::now_v7().to_string()],
    )?;
    Ok(conn.query_row("SELECT \"value\" FROM \"local_settings\" WHERE \"key\" = 'device_id'", [], |r| r.get(0))?)
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::clock::FixedClock;
    use crate::keys::MemoryKeyStore;
    use chrono::{TimeZone, Utc};

    pub struct TestStore {
        pub store: Store,
        pub keys: MemoryKeyStore,
        pub dir: tempfile::TempDir,
    }

    pub fn test_clock() -> Arc<dyn Clock> {
        Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap()))
    }

    pub fn open_test_store() -> TestStore {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = MemoryKeyStore::new();
        let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap()));
        let store =
            Store::open_with(dir.path().join("techo.db"), &keys, OpenOptions { clock, ..OpenOptions::default() })
                .expect("open");
        TestStore { store, keys, dir }
    }

    /// A `w` × `h` JPEG of noise written to `dir/name`: a photo the pipeline cannot shrink to
    /// almost nothing, for families with photo pages.
    pub fn grainy_jpeg(dir: &std::path::Path, name: &str, w: u16, h: u16) -> std::path::PathBuf {
        let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h) * 3).map(|i| (i * 7919 % 251) as u8).collect();
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 90).encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, jpeg).unwrap();
        path
    }

    /// Pages as another device's record names them (photos this device never held), `from`
    /// and on, as JSON.
    pub fn their_pages(from: u8, n: u8) -> Vec<serde_json::Value> {
        (from..from + n)
            .map(|i| {
                let (image, thumb) = (format!("{i:02x}").repeat(32), format!("{:02x}", i ^ 0x80).repeat(32));
                serde_json::json!({
                    "image": { "id": image, "sha256": image, "size": 10, "mime": "image/jpeg" },
                    "thumbnail": { "id": thumb, "sha256": thumb, "size": 5, "mime": "image/jpeg" },
                    "width": 10, "height": 10, "added_at": "2026-06-13T00:00:00.000+00:00"
                })
            })
            .collect()
    }

    /// What the outbox holds, as (entity, op, what it waits for).
    pub fn kinds(
        store: &super::Store,
        entries: &[super::outbox::OutboxEntry],
    ) -> Vec<(String, techo_protocol::Op, Vec<i64>)> {
        let conn = store.reader();
        let mut stmt = conn
            .prepare("SELECT \"waits_for\" FROM \"outbox_waits\" WHERE \"seq\" = ?1 ORDER BY \"waits_for\"")
            .unwrap();
        entries
            .iter()
            .map(|e| {
                let waits = stmt.query_map([e.seq], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
                (e.entity.to_string(), e.op, waits)
            })
            .collect()
    }
}
