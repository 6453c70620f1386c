//! Starting over when the database cannot be opened: its key is gone or changed, or the file is
//! damaged.
//!
//! Nothing is deleted (P-S4). The old files are renamed aside, a fresh database is made, and what
//! can still be read from the old one is copied into it: the people, the sign-in, the device's
//! identity, the unsent changes and the readings. Whatever the server has comes back with the next
//! sync (the fresh database has no sync position, so it downloads everything); unsent changes
//! that could be read go out with it.

use super::families::Families;
use super::{OpenOptions, Store, canary_path, connection};
use crate::error::Result;
use crate::keys::{DATABASE_KEY, DatabaseKey, KeyStore};
use rusqlite::{Connection, Transaction, params};
use std::path::{Path, PathBuf};

/// What starting over kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartOver {
    /// The old database, renamed (never deleted: a key that turns up again still opens it).
    pub set_aside: PathBuf,
    /// Unsent changes carried into the new database; they go out at the next sync.
    pub salvaged_changes: u64,
    /// People carried over.
    pub salvaged_profiles: u64,
    /// Records of every family carried over, so the notebook is not empty until the next sync.
    pub salvaged_readings: u64,
}

/// What is copied before any family's records, table by table, each on its own: a damaged
/// page in one table must not cost the others. People first (every record names its person).
/// The outbox is copied whole; a file from before schema 5 has no update or dependency columns,
/// so its rows come over without them, and what an entry waits for comes from `outbox_waits`
/// (schema 12) or the older `depends_on` column.
const PROFILES: &str =
    "INSERT INTO main.\"profiles\" SELECT * FROM salvage.\"profiles\" WHERE 1 ON CONFLICT DO NOTHING";
const BLOBS: &str = "INSERT INTO main.\"blobs\" SELECT * FROM salvage.\"blobs\" \
     WHERE \"profile_id\" IN (SELECT \"id\" FROM main.\"profiles\") ON CONFLICT DO NOTHING";
// The device keeps its identity (the server's idempotency key is per device), its sign-in and
// its active person; the last sync time and the replica id (the server leaves out of pulls what
// that copy wrote) belong to the old data.
const SETTINGS: &str = "INSERT INTO main.\"local_settings\" (\"key\", \"value\") \
     SELECT \"key\", \"value\" FROM salvage.\"local_settings\" \
     WHERE \"key\" IN ('device_id', 'active_profile', 'account') \
     ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\"";
const OUTBOX_COMMON: &str = "\"seq\", \"mutation_id\", \"entity\", \"entity_id\", \"op\", \"payload\", \"patient\", \
     \"attempts\", \"wedge_reason\", \"created_at_ms\"";
const OUTBOX: &str = "INSERT INTO main.\"outbox\" (\"seq\", \"mutation_id\", \"entity\", \"entity_id\", \"op\", \"payload\", \
     \"patient\", \"attempts\", \"wedge_reason\", \"created_at_ms\", \"state\", \"base_version\") \
     SELECT \"seq\", \"mutation_id\", \"entity\", \"entity_id\", \"op\", \"payload\", \"patient\", \"attempts\", \
     \"wedge_reason\", \"created_at_ms\", \"state\", \"base_version\" FROM salvage.\"outbox\" WHERE 1 \
     ON CONFLICT DO NOTHING";
const WAITS: [&str; 2] = [
    "INSERT OR IGNORE INTO main.\"outbox_waits\" SELECT \"seq\", \"waits_for\" FROM salvage.\"outbox_waits\" \
     WHERE \"seq\" IN (SELECT \"seq\" FROM main.\"outbox\") AND \"waits_for\" IN (SELECT \"seq\" FROM main.\"outbox\")",
    "INSERT OR IGNORE INTO main.\"outbox_waits\" SELECT \"seq\", \"depends_on\" FROM salvage.\"outbox\" \
     WHERE \"depends_on\" IN (SELECT \"seq\" FROM main.\"outbox\") AND \"seq\" IN (SELECT \"seq\" FROM main.\"outbox\")",
];

impl Store {
    /// Sets the database at `path` aside and opens a fresh one in its place, carrying over
    /// whatever of the old one the key store's key can still read.
    ///
    /// For when [`Store::open`] failed with `KeyUnavailable`, `KeyChanged` or a damaged file, and
    /// the person agreed to start over. Never call it while a `Store` on `path` is open; open
    /// one afterwards.
    pub fn start_over(path: impl AsRef<Path>, keys: &dyn KeyStore, options: OpenOptions) -> Result<StartOver> {
        let path = path.as_ref();
        let families = options.families.clone();
        let set_aside = set_aside_path(path, options.clock.now().timestamp_millis());
        move_aside(path, &set_aside)?;
        // The old file's key check goes with the old key; the fresh database gets its own.
        match std::fs::remove_file(canary_path(path)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }

        // A fresh database, with the key store's key if it still has one, else a new one.
        drop(Store::open_with(path, keys, options)?);
        let mut report =
            StartOver { set_aside: set_aside.clone(), salvaged_changes: 0, salvaged_profiles: 0, salvaged_readings: 0 };
        if let Some(bytes) = keys.load(DATABASE_KEY)? {
            let key = DatabaseKey::from_bytes(&bytes)?;
            let mut conn = connection::open(path, &key, connection::Role::Writer)?;
            salvage(&mut conn, &set_aside, &key, &families, &mut report)?;
        }
        Ok(report)
    }
}

/// `techo.db` → `techo.db.set-aside-<ms>`, or `…-<ms>-2` and so on: a rename onto an existing
/// file would replace it, and an earlier set-aside file must never be lost.
fn set_aside_path(path: &Path, now_ms: i64) -> PathBuf {
    let mut n = 1u64;
    loop {
        let mut p = path.as_os_str().to_owned();
        p.push(if n == 1 { format!(".set-aside-{now_ms}") } else { format!(".set-aside-{now_ms}-{n}") });
        let candidate = PathBuf::from(p);
        if companions(&candidate).iter().all(|f| !f.exists()) {
            return candidate;
        }
        n += 1;
    }
}

/// The journal files that hold committed data with the database, then the database itself.
fn companions(db: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    [with("-wal"), with("-shm"), db.to_path_buf()]
}

/// Renames the database and its journal files together. The database goes last, and a failure
/// puts back what had moved: a database separated from its WAL would lose the commits in it.
fn move_aside(from: &Path, to: &Path) -> Result<()> {
    let mut moved = Vec::new();
    for (a, b) in companions(from).into_iter().zip(companions(to)) {
        match std::fs::rename(&a, &b) {
            Ok(()) => moved.push((a, b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                for (a, b) in moved.into_iter().rev() {
                    let _ = std::fs::rename(&b, &a);
                }
                return Err(e.into());
            }
        }
    }
    Ok(())
}

fn salvage(
    conn: &mut Connection,
    old: &Path,
    key: &DatabaseKey,
    families: &Families,
    report: &mut StartOver,
) -> Result<()> {
    let Some(old) = old.to_str().filter(|_| old.exists()) else { return Ok(()) };
    // A key that does not fit the old file (it changed, or the file is not ours) fails here or on
    // the first read below: then there is nothing to carry over.
    if conn.execute("ATTACH DATABASE ?1 AS salvage KEY ?2", params![old, &*key.pragma_value()]).is_err() {
        return Ok(());
    }
    let copied = (|| -> Result<(u64, u64, u64)> {
        let tx = conn.transaction()?;
        // Each copy in its own savepoint: what fails is rolled back and counts nothing.
        let each = |copy: &dyn Fn(&Transaction<'_>) -> Result<u64>| -> Result<u64> {
            tx.execute_batch("SAVEPOINT copy")?;
            match copy(&tx) {
                Ok(n) => {
                    tx.execute_batch("RELEASE copy")?;
                    Ok(n)
                }
                Err(_) => {
                    tx.execute_batch("ROLLBACK TO copy; RELEASE copy")?;
                    Ok(0)
                }
            }
        };
        let profiles = each(&|tx| Ok(tx.execute(PROFILES, [])? as u64))?;
        each(&|tx| Ok(tx.execute(SETTINGS, [])? as u64))?;
        let changes = each(&|tx| {
            let n = match tx.execute(OUTBOX, []) {
                Ok(n) => n,
                Err(_) => tx.execute(
                    &format!(
                        "INSERT INTO main.\"outbox\" ({OUTBOX_COMMON}, \"state\") SELECT {OUTBOX_COMMON}, \
                         CASE \"state\" WHEN 'wedged' THEN 'wedged' ELSE 'pending' END FROM salvage.\"outbox\" WHERE 1 \
                         ON CONFLICT DO NOTHING"
                    ),
                    [],
                )?,
            };
            // Whichever the old file has; none in a file from before schema 5.
            let _ = tx.execute(WAITS[0], []).or_else(|_| tx.execute(WAITS[1], []));
            Ok(n as u64)
        })?;
        // Photos before the records that show them; a page whose bytes are lost is shown as
        // missing, and its queued upload set aside with a reason.
        each(&|tx| Ok(tx.execute(BLOBS, [])? as u64))?;
        let mut records = 0;
        for family in families.iter() {
            records += each(&|tx| family.salvage(tx))?;
        }
        tx.commit()?;
        Ok((profiles, changes, records))
    })();
    conn.execute_batch("DETACH DATABASE salvage")?;
    let (profiles, changes, records) = copied?;
    report.salvaged_profiles = profiles;
    report.salvaged_changes = changes;
    report.salvaged_readings = records;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::domain::{Milli, NewVital, Relationship, VitalValue};
    use crate::error::Error;
    use crate::keys::MemoryKeyStore;
    use chrono::{TimeZone, Utc};
    use std::sync::Arc;

    fn options() -> OpenOptions {
        OpenOptions {
            clock: Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap())),
            ..OpenOptions::default()
        }
    }

    /// A store with one person, three unsent readings and a sign-in, closed again.
    fn filled(dir: &Path, keys: &MemoryKeyStore) -> (PathBuf, String) {
        let path = dir.join("techo.db");
        let store = Store::open_with(&path, keys, options()).unwrap();
        let p = store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
        for n in 0..3 {
            let at = chrono::DateTime::parse_from_rfc3339("2026-11-20T07:00:00+09:00").unwrap()
                + chrono::Duration::minutes(n);
            store.record_vital(p.id, NewVital::new(VitalValue::Weight { kg: Milli::from_units(60) }, at)).unwrap();
        }
        store
            .set_account(Some(&crate::store::Account {
                server_url: "https://hm.example".into(),
                hm_code: "34001234".into(),
                patients: vec!["34001234".into()],
            }))
            .unwrap();
        (path, store.device_id().to_owned())
    }

    #[test]
    fn a_readable_file_is_set_aside_and_everything_in_it_comes_along() {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemoryKeyStore::new();
        let (path, device) = filled(dir.path(), &keys);
        let replica = Store::open_with(&path, &keys, options()).unwrap().sync_replica(None).unwrap();

        let report = Store::start_over(&path, &keys, options()).unwrap();
        let store = Store::open_with(&path, &keys, options()).unwrap();
        // A new copy: the server sends it what the old one wrote.
        assert_ne!(store.sync_replica(None).unwrap(), replica);
        assert_eq!((report.salvaged_profiles, report.salvaged_changes, report.salvaged_readings), (1, 3, 3));
        assert_eq!(store.device_id(), device, "the device keeps its identity");
        assert_eq!(store.outbox_counts().unwrap().pending, 3);
        assert_eq!(store.account().unwrap().map(|a| a.hm_code), Some("34001234".into()));
        let people = store.profiles().unwrap();
        assert_eq!(people.len(), 1);
        assert_eq!(store.active_profile().unwrap().id, people[0].id);
        assert!(store.integrity_ok().unwrap());
        drop(store);
        // The fresh database opens normally afterwards, and the old one is still whole.
        assert!(Store::open_with(&path, &keys, options()).is_ok());
        assert_eq!(Store::open_with(&report.set_aside, &keys, options()).unwrap().outbox_counts().unwrap().pending, 3);
    }

    /// A sheet with a photo, both unsent: after starting over the sheet still waits for its
    /// photo's upload.
    #[test]
    fn a_record_still_waits_for_its_photo_after_starting_over() {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemoryKeyStore::new();
        let (path, _) = filled(dir.path(), &keys);
        {
            let store = Store::open_with(&path, &keys, options()).unwrap();
            let p = store.active_profile().unwrap();
            let photo = crate::store::test_support::grainy_jpeg(dir.path(), "page.jpg", 64, 64);
            store.add_emergency_page(&p, &photo, &crate::photo::PhotoSettings::default()).unwrap();
        }
        Store::start_over(&path, &keys, options()).unwrap();
        let store = Store::open_with(&path, &keys, options()).unwrap();
        let patients = vec!["34001234".to_owned()];
        let batch = store.outbox_batch(&patients, 10).unwrap();
        assert!(batch.iter().all(|e| e.entity != techo_protocol::Entity::EmergencySheet), "not before its photo");
        let upload = store.next_upload(&patients).unwrap().unwrap();
        store.complete_upload(&upload).unwrap();
        let batch = store.outbox_batch(&patients, 10).unwrap();
        assert!(batch.iter().any(|e| e.entity == techo_protocol::Entity::EmergencySheet));
    }

    #[test]
    fn a_lost_key_sets_the_file_aside_and_starts_empty_with_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemoryKeyStore::new();
        let (path, _) = filled(dir.path(), &keys);
        let lost = MemoryKeyStore::new();
        assert!(matches!(Store::open_with(&path, &lost, options()), Err(Error::KeyUnavailable)));

        let report = Store::start_over(&path, &lost, options()).unwrap();
        let store = Store::open_with(&path, &lost, options()).unwrap();
        assert_eq!((report.salvaged_profiles, report.salvaged_changes, report.salvaged_readings), (0, 0, 0));
        assert!(report.set_aside.exists());
        assert!(store.profiles().unwrap().is_empty());
        assert_eq!(store.outbox_counts().unwrap().pending, 0);
        drop(store);
        assert!(Store::open_with(&path, &lost, options()).is_ok(), "the new key opens the new file");
        // The old key, should it come back, still opens the old file.
        assert_eq!(Store::open_with(&report.set_aside, &keys, options()).unwrap().outbox_counts().unwrap().pending, 3);
    }

    #[test]
    fn a_changed_key_carries_nothing_over_and_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemoryKeyStore::new();
        let (path, _) = filled(dir.path(), &keys);
        let other = MemoryKeyStore::new();
        other.save(DATABASE_KEY, &[7u8; 32]).unwrap();
        assert!(matches!(Store::open_with(&path, &other, options()), Err(Error::KeyChanged)));

        let report = Store::start_over(&path, &other, options()).unwrap();
        let store = Store::open_with(&path, &other, options()).unwrap();
        assert_eq!((report.salvaged_profiles, report.salvaged_changes), (0, 0));
        assert!(store.profiles().unwrap().is_empty());
        assert!(report.set_aside.exists());
    }

    #[test]
    fn a_file_damaged_in_one_table_still_gives_up_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemoryKeyStore::new();
        let (path, _) = filled(dir.path(), &keys);
        {
            // Damage through SQL (the file stays encrypted): the readings table is gone.
            let key = DatabaseKey::from_bytes(&keys.load(DATABASE_KEY).unwrap().unwrap()).unwrap();
            let conn = connection::open(&path, &key, connection::Role::Writer).unwrap();
            conn.execute_batch("PRAGMA foreign_keys = OFF; DROP TABLE \"vitals\";").unwrap();
        }
        let report = Store::start_over(&path, &keys, options()).unwrap();
        let store = Store::open_with(&path, &keys, options()).unwrap();
        assert_eq!((report.salvaged_profiles, report.salvaged_changes, report.salvaged_readings), (1, 3, 0));
        assert_eq!(store.outbox_counts().unwrap().pending, 3);
    }

    #[test]
    fn a_file_with_its_first_page_destroyed_is_set_aside_and_nothing_is_lost_on_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemoryKeyStore::new();
        let (path, _) = filled(dir.path(), &keys);
        {
            // Everything into the main file first (the closed store leaves its WAL behind), so
            // that destroying page 1 there destroys it for good.
            let key = DatabaseKey::from_bytes(&keys.load(DATABASE_KEY).unwrap().unwrap()).unwrap();
            let conn = connection::open(&path, &key, connection::Role::Writer).unwrap();
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
        }
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[100..4000].fill(0xA5);
        std::fs::write(&path, &bytes).unwrap();
        assert!(Store::open_with(&path, &keys, options()).is_err());

        let report = Store::start_over(&path, &keys, options()).unwrap();
        let store = Store::open_with(&path, &keys, options()).unwrap();
        assert_eq!(report.salvaged_profiles, 0);
        assert_eq!(std::fs::read(&report.set_aside).unwrap(), bytes, "kept byte for byte");
        assert!(store.profiles().unwrap().is_empty());
    }

    #[test]
    fn starting_over_twice_in_the_same_millisecond_keeps_both_old_files() {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemoryKeyStore::new();
        let (path, _) = filled(dir.path(), &keys);
        // The options' clock is fixed: both runs see the same instant.
        let first = Store::start_over(&path, &keys, options()).unwrap();
        let second = Store::start_over(&path, &keys, options()).unwrap();
        assert_ne!(first.set_aside, second.set_aside);
        assert_eq!(Store::open_with(&first.set_aside, &keys, options()).unwrap().outbox_counts().unwrap().pending, 3);
        assert_eq!(second.salvaged_changes, 3, "carried over again from the first fresh database");
    }

    #[test]
    fn starting_over_without_a_database_just_makes_one() {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemoryKeyStore::new();
        let report = Store::start_over(dir.path().join("techo.db"), &keys, options()).unwrap();
        let store = Store::open_with(dir.path().join("techo.db"), &keys, options()).unwrap();
        assert_eq!(report.salvaged_changes, 0);
        assert!(!report.set_aside.exists());
        assert!(store.profiles().unwrap().is_empty());
    }
}
