//! Institutions and their submissions on SQLite.

use super::SqliteStorage;
use crate::storage::{Institution, InstitutionId, InstitutionStore, ResidentId, StorageError, StorageResult};
use rusqlite::{OptionalExtension, params};

impl InstitutionStore for SqliteStorage {
    fn add_institution(&self, code: &str, name: &str, secret_hash: &str, now_ms: i64) -> StorageResult<InstitutionId> {
        let conn = self.writer.exclusive();
        let exists: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM \"institutions\" WHERE \"code\" = ?1)", [code], |r| r.get(0))?;
        if exists {
            return Err(StorageError::AlreadyExists);
        }
        conn.execute(
            "INSERT INTO \"institutions\" (\"code\", \"name\", \"secret_hash\", \"created_at\") VALUES (?1, ?2, ?3, ?4)",
            params![code, name, secret_hash, now_ms],
        )?;
        Ok(conn.last_insert_rowid())
    }

    fn institution_by_code(&self, code: &str) -> StorageResult<Option<Institution>> {
        Ok(self
            .reader()
            .query_row(
                "SELECT \"id\", \"code\", \"name\", \"secret_hash\", \"disabled_at\" IS NOT NULL FROM \"institutions\" \
                 WHERE \"code\" = ?1",
                [code],
                |r| {
                    Ok(Institution {
                        id: r.get(0)?,
                        code: r.get(1)?,
                        name: r.get(2)?,
                        secret_hash: r.get(3)?,
                        disabled: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    fn record_submission(
        &self,
        institution: InstitutionId,
        resident: ResidentId,
        raw: &[u8],
        entries: u32,
        now_ms: i64,
    ) -> StorageResult<()> {
        self.writer.exclusive().execute(
            "INSERT INTO \"institution_submissions\" (\"institution_id\", \"resident_id\", \"raw\", \"entries\", \"received_at\") \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![institution, resident, raw, entries, now_ms],
        )?;
        Ok(())
    }

    fn submissions_for(&self, resident: ResidentId) -> StorageResult<Vec<(InstitutionId, Vec<u8>)>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT \"institution_id\", \"raw\" FROM \"institution_submissions\" WHERE \"resident_id\" = ?1 ORDER BY \"id\"",
        )?;
        let rows = stmt.query_map([resident], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
