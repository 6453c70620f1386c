//! The embedded SQLite backend: one writer connection (which makes commit order = sequence
//! order trivially) and a few readers for pulls, all in WAL mode. Concurrent pushes and ingests
//! share the writer's commits ([`group_commit`]); WAL checkpoints run on a thread of their own
//! ([`checkpoints`]), never inside a request's commit.

mod accounts;
mod blobs;
mod checkpoints;
mod group_commit;
mod institutions;
mod records;

pub use group_commit::{GroupLimits, GroupStats};

use super::blobs::BlobFiles;
use super::fs_blobs::FsBlobFiles;
use super::{StorageError, StorageResult};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_tombstone_gc.sql")),
    (3, include_str!("../migrations/0003_ingest.sql")),
    (4, include_str!("../migrations/0004_sessions.sql")),
    (5, include_str!("../migrations/0005_pharmacies.sql")),
    (6, include_str!("../migrations/0006_blobs.sql")),
    (7, include_str!("../migrations/0007_blob_names.sql")),
    (8, include_str!("../migrations/0008_blob_refs.sql")),
    (9, include_str!("../migrations/0009_record_history.sql")),
    (10, include_str!("../migrations/0010_record_replica.sql")),
];
const READERS: usize = 4;

pub struct SqliteStorage {
    writer: Arc<group_commit::GroupWriter>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    files: Arc<dyn BlobFiles>,
    /// Stops its thread when the storage is dropped.
    _checkpoints: checkpoints::Checkpointer,
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // Transactions roll back when dropped during a panic, so the connection is still sound.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn random_hex(n: usize) -> StorageResult<String> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|_| StorageError::Unavailable("no system randomness".into()))?;
    Ok(hex::encode(b))
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        // Only the result code: messages never carry bound values, but keep it minimal anyway.
        Self::Unavailable(format!("{:?}", e.sqlite_error_code()))
    }
}

impl SqliteStorage {
    /// The database at `path`, with blob bytes in files beside it ([`FsBlobFiles`]).
    pub fn open(path: &Path) -> StorageResult<Self> {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Self::open_with_files(path, Arc::new(FsBlobFiles::new(dir)))
    }

    /// The database at `path`, with blob bytes kept by `files`.
    pub fn open_with_files(path: &Path, files: Arc<dyn BlobFiles>) -> StorageResult<Self> {
        Self::open_with(path, files, GroupLimits::default())
    }

    /// [`Self::open_with_files`], with the bounds of one group commit chosen.
    pub fn open_with(path: &Path, files: Arc<dyn BlobFiles>, limits: GroupLimits) -> StorageResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::auth::secret::private_dir(dir)
                .map_err(|e| StorageError::Unavailable(format!("data directory: {}", e.kind())))?;
        }
        private_database_files(path).map_err(|e| StorageError::Unavailable(format!("database file: {}", e.kind())))?;
        let mut writer = techo_sqlcipher_crypto::open(path)?;
        writer.busy_timeout(std::time::Duration::from_secs(10))?;
        let mode: String = writer.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StorageError::Unavailable("WAL mode unavailable".into()));
        }
        // A push is acknowledged only after its commit: it must survive power loss.
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.pragma_update(None, "foreign_keys", "ON")?;
        // The checkpoint thread does this work, away from the commits requests wait for.
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        migrate(&mut writer)?;
        init_meta(&writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = techo_sqlcipher_crypto::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                Ok(Mutex::new(c))
            })
            .collect::<StorageResult<Vec<_>>>()?;
        let writer = Arc::new(group_commit::GroupWriter::new(writer, limits));
        let checkpoints =
            checkpoints::Checkpointer::start(techo_sqlcipher_crypto::open(path)?, path, Arc::clone(&writer))
                .map_err(|e| StorageError::Unavailable(format!("checkpoint thread: {}", e.kind())))?;
        Ok(Self { writer, readers, next_reader: AtomicUsize::new(0), files, _checkpoints: checkpoints })
    }

    /// Commits so far and the grouped write transactions they carried.
    pub fn group_stats(&self) -> GroupStats {
        self.writer.stats()
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        lock(&self.readers[i])
    }

    fn meta(&self, key: &str) -> StorageResult<String> {
        self.reader()
            .query_row("SELECT \"value\" FROM \"server_meta\" WHERE \"key\" = ?1", [key], |r| r.get(0))
            .optional()?
            .ok_or(StorageError::Corrupt("server metadata missing"))
    }
}

/// The database and its -wal and -shm files readable by the server's user only: SQLite gives
/// the journal files the mode of the database, so the database is created 0600 before SQLite
/// opens it (an empty file is a new database), and existing files are narrowed to 0600.
fn private_database_files(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new().write(true).create(true).truncate(false).mode(0o600).open(path)?;
        let name = path.as_os_str().to_owned();
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut file = name.clone();
            file.push(suffix);
            match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                other => other?,
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn migrate(conn: &mut Connection) -> StorageResult<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let latest = MIGRATIONS.last().map_or(0, |m| m.0);
    if found > latest {
        return Err(StorageError::Unavailable(format!("database schema {found} is newer than this server ({latest})")));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

fn init_meta(conn: &Connection) -> StorageResult<()> {
    // The token-signing key lives outside the database (crate::auth::secret); servers before
    // schema 4 kept it here, and it is moved out once.
    conn.execute(
        "INSERT INTO \"server_meta\" (\"key\", \"value\") VALUES ('epoch', ?1) ON CONFLICT (\"key\") DO NOTHING",
        params![random_hex(8)?],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{AccountStore, RecordStore, Writer};

    fn schema(path: &Path) -> Vec<(String, Option<String>)> {
        let c = Connection::open(path).unwrap();
        let mut stmt = c
            .prepare("SELECT \"name\", \"sql\" FROM sqlite_master WHERE \"name\" NOT LIKE 'sqlite_%' ORDER BY \"name\"")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap()
    }

    /// Every earlier server schema upgrades to exactly the fresh one, keeping its data.
    #[test]
    fn every_earlier_schema_upgrades_to_the_fresh_one() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.db");
        drop(SqliteStorage::open(&fresh).unwrap());
        let want = schema(&fresh);
        for upto in 0..MIGRATIONS.len() {
            let path = dir.path().join(format!("old{upto}.db"));
            {
                let c = Connection::open(&path).unwrap();
                for (version, sql) in &MIGRATIONS[..upto] {
                    c.execute_batch(sql).unwrap();
                    c.pragma_update(None, "user_version", version).unwrap();
                }
                if upto >= 1 {
                    c.execute_batch(
                        "INSERT INTO \"residents\" (\"hm_code\", \"display_name\", \"birth_date\", \"created_at\", \"last_seq\") \
                           VALUES ('34001234', 'A', '1950-01-01', 0, 1); \
                         INSERT INTO \"records\" (\"patient_id\", \"entity\", \"entity_id\", \"version\", \"payload\", \"payload_hash\", \"created_by\") \
                           VALUES (1, 'vital', 'r1', 1, '{\"a\":1}', 'h1', 'device-1');",
                    )
                    .unwrap();
                }
                // Schema 4 reshaped devices, sessions and the ledger: each era gets rows of its own shape.
                if upto >= 4 {
                    c.execute_batch(
                        "INSERT INTO \"devices\" (\"resident_id\", \"id\", \"name\", \"created_at\", \"last_seen_at\", \"session\") \
                           VALUES (1, 'device-1', 'Pixel', 0, 0, 1); \
                         INSERT INTO \"applied_mutations\" (\"resident_id\", \"device_id\", \"mutation_id\", \"request_hash\", \"result\", \"applied_at\") \
                           VALUES (1, 'device-1', 'm1', 'q1', '{\"mutation_id\":\"m1\",\"status\":\"applied\",\"commit_seq\":1}', 0);",
                    )
                    .unwrap();
                } else if upto >= 1 {
                    c.execute_batch(
                        "INSERT INTO \"devices\" (\"id\", \"resident_id\", \"name\", \"created_at\") VALUES ('device-1', 1, 'Pixel', 0); \
                         INSERT INTO \"refresh_tokens\" (\"token_hash\", \"device_id\", \"resident_id\", \"expires_at\") \
                           VALUES ('spent', 'device-1', 1, 4000000000000), ('kept', 'device-1', 1, 4000000000001); \
                         UPDATE \"refresh_tokens\" SET \"used_at\" = 1 WHERE \"token_hash\" = 'spent'; \
                         INSERT INTO \"server_meta\" (\"key\", \"value\") VALUES ('token_secret', '0707070707070707070707070707070707070707070707070707070707070707'); \
                         INSERT INTO \"applied_mutations\" (\"device_id\", \"mutation_id\", \"request_hash\", \"result\", \"applied_at\") \
                           VALUES ('device-1', 'm1', 'q1', '{\"mutation_id\":\"m1\",\"status\":\"applied\",\"commit_seq\":1}', 0);",
                    )
                    .unwrap();
                }
            }
            if upto >= 6 {
                c_exec(
                    &path,
                    "INSERT INTO \"blobs\" (\"patient_id\", \"sha256\", \"size\", \"mime\", \"uploaded_by\", \"created_at\") \
                       VALUES (1, 'ab', 5, 'image/jpeg', 1, 1234);",
                );
            }
            let s = SqliteStorage::open(&path).unwrap();
            assert_eq!(schema(&path), want, "upgrade from {upto}");
            if (6..8).contains(&upto) {
                // The grace of a blob stored before claims were kept runs from when it was stored.
                let claimed: i64 = Connection::open(&path)
                    .unwrap()
                    .query_row("SELECT \"claimed_at\" FROM \"blobs\"", [], |r| r.get(0))
                    .unwrap();
                assert_eq!(claimed, 1234, "blob kept from {upto}");
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "an existing database is narrowed to its owner");
            }
            if upto >= 1 {
                let resident = s.resident_by_hm_code("34001234").unwrap().expect("resident kept").id;
                // Rows from before schema 10 name no copy that wrote them: every copy is sent them.
                let page = s.pull(resident, 0, 10, Some("any copy")).unwrap();
                assert_eq!(page.changes.len(), 1, "records kept from {upto}");
                assert_eq!(page.changes[0].payload, serde_json::json!({"a": 1}));
                // Rows from before ingest existed were all written by devices.
                let kind: String = Connection::open(&path)
                    .unwrap()
                    .query_row("SELECT \"created_by_kind\" FROM \"records\"", [], |r| r.get(0))
                    .unwrap();
                assert_eq!(kind, "device");
                let mut entry = None;
                s.write_transaction(&mut |tx| {
                    entry = tx.ledger_entry(Writer::Device { resident, device: "device-1" }, "m1")?;
                    Ok(())
                })
                .unwrap();
                assert_eq!(entry.expect("ledger kept").result.commit_seq, Some(1), "ledger kept from {upto}");
                if upto < 4 {
                    // The device stays signed in with its newest unused refresh token, now a family
                    // of its own; its access tokens name a session.
                    let next = crate::storage::NextRefresh {
                        refresh_hash: "next",
                        refresh_expires_at_ms: i64::MAX,
                        access_expires_at: 1,
                    };
                    let presented =
                        crate::storage::PresentedRefresh { family_hash: "kept", seq: 0, token_hash: "kept" };
                    let outcome = s.refresh_session("device-1", &presented, &next, 1000, 5).unwrap();
                    assert!(
                        matches!(outcome, crate::storage::RefreshOutcome::Rotated { seq: 1, .. }),
                        "refresh token kept from {upto}: {outcome:?}"
                    );
                    assert_eq!(
                        s.legacy_token_secret().unwrap(),
                        Some(vec![7; 32]),
                        "the old key is there to move out from {upto}"
                    );
                }
            }
        }
        // A newer schema is refused.
        let c = Connection::open(&fresh).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        assert!(SqliteStorage::open(&fresh).is_err());
    }

    fn c_exec(path: &Path, sql: &str) {
        Connection::open(path).unwrap().execute_batch(sql).unwrap();
    }

    /// A database of schema 7 with a live checkup naming two blobs, a deleted one naming a
    /// third, and a fourth blob nothing names.
    fn schema_7_with_photos(path: &Path) -> Vec<String> {
        let c = Connection::open(path).unwrap();
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 <= 7) {
            c.execute_batch(sql).unwrap();
            c.pragma_update(None, "user_version", version).unwrap();
        }
        let live: serde_json::Value =
            serde_json::from_str(include_str!("../../../../protocol/tests/vectors/checkup_create_tokutei.json"))
                .unwrap();
        let named = techo_domain::family::page_blobs(&live);
        assert_eq!(named.len(), 2);
        let mut deleted = live.clone();
        deleted["id"] = "019ab3c2-8000-7000-8000-000000000002".into();
        deleted["pages"][0]["image"]["sha256"] = "cc".repeat(32).into();
        let (gone, unnamed) = ("cc".repeat(32), "dd".repeat(32));
        c.execute_batch(
            "INSERT INTO \"residents\" (\"hm_code\", \"display_name\", \"birth_date\", \"created_at\", \"last_seq\") \
               VALUES ('34001234', 'A', '1950-01-01', 0, 2);",
        )
        .unwrap();
        let record = "INSERT INTO \"records\" (\"patient_id\", \"entity\", \"entity_id\", \"version\", \"deleted\", \"payload\", \
                      \"payload_hash\", \"created_by\") VALUES (1, 'checkup', ?1, ?2, ?3, ?4, 'h', 'device-1')";
        c.execute(record, params![live["id"].as_str(), 1, 0, live.to_string()]).unwrap();
        c.execute(record, params![deleted["id"].as_str(), 2, 1, deleted.to_string()]).unwrap();
        let all = [named[0].clone(), named[1].clone(), gone, unnamed];
        for sha in &all {
            c.execute(
                "INSERT INTO \"blobs\" (\"patient_id\", \"sha256\", \"size\", \"mime\", \"uploaded_by\", \"created_at\") \
                 VALUES (1, ?1, 10, 'image/jpeg', 1, 1000)",
                [sha],
            )
            .unwrap();
        }
        all.to_vec()
    }

    /// Records stored before references were kept get theirs once, from their family, before
    /// anything can be released: their blobs stay, the others go.
    #[test]
    fn references_of_earlier_records_are_filled_once_before_any_release() {
        use crate::blob_service::{Released, UploadLocks, fill_blob_refs, release_unreferenced_blobs};
        use crate::storage::BlobStore;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let shas = schema_7_with_photos(&path);
        let s = SqliteStorage::open(&path).unwrap();
        let families = techo_domain::FamilySpecs::builtin();
        assert!(!s.release_blob(1, &shas[3], i64::MAX).unwrap(), "nothing goes before the references are filled");
        let released = release_unreferenced_blobs(&s, &families, &UploadLocks::new(), i64::MAX).unwrap();
        assert_eq!(released, Released { blobs: 2, files: 2 }, "filled first, then released");
        assert_eq!(fill_blob_refs(&s, &families).unwrap(), None, "filled once");
        for (sha, kept) in shas.iter().zip([true, true, false, false]) {
            assert_eq!(s.blob(1, sha).unwrap().is_some(), kept, "{sha}");
        }
        drop(s);
        let s = SqliteStorage::open(&path).unwrap();
        assert_eq!(fill_blob_refs(&s, &families).unwrap(), None, "not again after a restart");
        assert!(s.unreferenced_blobs(i64::MAX).unwrap().is_empty());
    }

    /// The fill counts the records that refer to blobs, and a restart before it finds it still
    /// to do.
    #[test]
    fn the_fill_runs_on_the_first_start_after_the_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        schema_7_with_photos(&path);
        drop(SqliteStorage::open(&path).unwrap());
        let s = SqliteStorage::open(&path).unwrap();
        let families = techo_domain::FamilySpecs::builtin();
        assert_eq!(crate::blob_service::fill_blob_refs(&s, &families).unwrap(), Some(1), "the live checkup");
    }

    /// A fresh database and its journal files are readable by the server's user only.
    #[cfg(unix)]
    #[test]
    fn database_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("server.db");
        let s = SqliteStorage::open(&path).unwrap();
        s.add_resident("34001234", "A", "1950-01-01", 0).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        for suffix in ["", "-wal", "-shm"] {
            let p = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            assert_eq!(mode(&p), 0o600, "{suffix}");
        }
    }

    /// Refresh-token rotation keeps the current and the previous token only: nothing spent
    /// piles up, however often a device refreshes.
    #[test]
    fn spent_refresh_tokens_do_not_pile_up() {
        use crate::storage::{NewSession, NextRefresh, PresentedRefresh};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let s = SqliteStorage::open(&path).unwrap();
        let a = s.add_resident("34001234", "A", "1950-01-01", 0).unwrap();
        let new =
            NewSession { family_hash: "f", refresh_hash: "t0", refresh_expires_at_ms: i64::MAX, access_expires_at: 0 };
        s.sign_in_device(a, "phone", None, &new, 20, 1).unwrap();
        let rows = || -> i64 {
            let c = Connection::open(&path).unwrap();
            let tables: Vec<String> = c
                .prepare("SELECT \"name\" FROM sqlite_master WHERE \"type\" = 'table'")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            tables
                .iter()
                .map(|t| c.query_row(&format!("SELECT COUNT(*) FROM \"{t}\""), [], |r| r.get::<_, i64>(0)).unwrap())
                .sum()
        };
        let before = rows();
        for n in 0..200i64 {
            let (token, next) = (format!("t{n}"), format!("t{}", n + 1));
            let presented = PresentedRefresh { family_hash: "f", seq: n, token_hash: &token };
            let next = NextRefresh { refresh_hash: &next, refresh_expires_at_ms: i64::MAX, access_expires_at: 0 };
            s.refresh_session("phone", &presented, &next, 1000, 10 + n).unwrap();
        }
        assert_eq!(rows(), before);
    }

    /// Ingested records carry their source; pushed ones their device.
    #[test]
    fn records_are_stored_with_their_origin() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let s = SqliteStorage::open(&path).unwrap();
        let resident = s.add_resident("34001234", "A", "1950-01-01", 0).unwrap();
        let record = |id: &str| techo_protocol::sync::Mutation {
            mutation_id: id.into(),
            entity: techo_protocol::Entity::Vital,
            entity_id: id.into(),
            op: techo_protocol::Op::Create,
            base_version: None,
            payload: serde_json::json!({
                "id": id, "patient": "34001234", "measured_at": "2026-11-25T07:10:00+09:00",
                "value": { "kind": "weight", "kg": "61.2" }, "source": "self",
                "recorded_at": "2026-11-24T22:10:05.123+00:00", "origin_device": "x"
            }),
            client_time: None,
        };
        let (ingested, pushed) = ("019ab3c2-6000-7000-8000-000000000001", "019ab3c2-6000-7000-8000-000000000002");
        let families = techo_domain::FamilySpecs::builtin();
        crate::sync_service::ingest(&s, &families, "pharmacy-1", vec![record(ingested)]).unwrap();
        let req = techo_protocol::sync::PushRequest {
            protocol_version: techo_protocol::PROTOCOL_VERSION,
            schema_version: techo_protocol::SCHEMA_VERSION,
            mutations: vec![record(pushed)],
            replica: None,
        };
        crate::sync_service::push(&s, &crate::state::Limits::default(), resident, "phone-1", req).unwrap();
        let c = Connection::open(&path).unwrap();
        let origin = |id: &str| -> (String, String) {
            c.query_row(
                "SELECT \"created_by_kind\", \"created_by\" FROM \"records\" WHERE \"entity_id\" = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        assert_eq!(origin(ingested), ("source".to_owned(), "pharmacy-1".to_owned()));
        assert_eq!(origin(pushed), ("device".to_owned(), "phone-1".to_owned()));
    }
}
