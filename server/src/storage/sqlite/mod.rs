//! The embedded SQLite backend: one writer connection (which makes commit order = sequence
//! order trivially) and a few readers for pulls, all in WAL mode.

mod accounts;
mod records;

use super::{StorageError, StorageResult};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_tombstone_gc.sql")),
    (3, include_str!("../migrations/0003_ingest.sql")),
];
const READERS: usize = 4;

pub struct SqliteStorage {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
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
    pub fn open(path: &Path) -> StorageResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StorageError::Unavailable(format!("data directory: {}", e.kind())))?;
        }
        let mut writer = techo_sqlcipher_crypto::open(path)?;
        writer.busy_timeout(std::time::Duration::from_secs(10))?;
        let mode: String = writer.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StorageError::Unavailable("WAL mode unavailable".into()));
        }
        // A push is acknowledged only after its commit: it must survive power loss.
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.pragma_update(None, "foreign_keys", "ON")?;
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
        Ok(Self { writer: Mutex::new(writer), readers, next_reader: AtomicUsize::new(0) })
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
    for (key, bytes) in [("epoch", 8), ("token_secret", 32)] {
        conn.execute(
            "INSERT INTO \"server_meta\" (\"key\", \"value\") VALUES (?1, ?2) ON CONFLICT (\"key\") DO NOTHING",
            params![key, random_hex(bytes)?],
        )?;
    }
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
                           VALUES (1, 'vital', 'r1', 1, '{\"a\":1}', 'h1', 'device-1'); \
                         INSERT INTO \"applied_mutations\" (\"device_id\", \"mutation_id\", \"request_hash\", \"result\", \"applied_at\") \
                           VALUES ('device-1', 'm1', 'q1', '{\"mutation_id\":\"m1\",\"status\":\"applied\",\"commit_seq\":1}', 0);",
                    )
                    .unwrap();
                }
            }
            let s = SqliteStorage::open(&path).unwrap();
            assert_eq!(schema(&path), want, "upgrade from {upto}");
            if upto >= 1 {
                let resident = s.resident_by_hm_code("34001234").unwrap().expect("resident kept").id;
                let page = s.pull(resident, 0, 10).unwrap();
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
                    entry = tx.ledger_entry(Writer::Device("device-1"), "m1")?;
                    Ok(())
                })
                .unwrap();
                assert_eq!(entry.expect("ledger kept").result.commit_seq, Some(1), "ledger kept from {upto}");
            }
        }
        // A newer schema is refused.
        let c = Connection::open(&fresh).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        assert!(SqliteStorage::open(&fresh).is_err());
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
