//! Institutions and their submissions on PostgreSQL.

use super::PostgresStorage;
use crate::storage::{Institution, InstitutionId, InstitutionStore, ResidentId, StorageError, StorageResult};

impl InstitutionStore for PostgresStorage {
    fn add_institution(&self, code: &str, name: &str, secret_hash: &str, now_ms: i64) -> StorageResult<InstitutionId> {
        self.run(|s| {
            s.opt(
                "INSERT INTO \"institutions\" (\"code\", \"name\", \"secret_hash\", \"created_at\") VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (\"code\") DO NOTHING RETURNING \"id\"",
                &[&code, &name, &secret_hash, &now_ms],
            )?
            .map(|r| r.get(0))
            .ok_or(StorageError::AlreadyExists)
        })
    }

    fn institution_by_code(&self, code: &str) -> StorageResult<Option<Institution>> {
        self.run(|s| {
            Ok(s.opt(
                "SELECT \"id\", \"code\", \"name\", \"secret_hash\", \"disabled_at\" IS NOT NULL FROM \"institutions\" \
                 WHERE \"code\" = $1",
                &[&code],
            )?
            .map(|r| Institution {
                id: r.get(0),
                code: r.get(1),
                name: r.get(2),
                secret_hash: r.get(3),
                disabled: r.get(4),
            }))
        })
    }

    fn record_submission(
        &self,
        institution: InstitutionId,
        resident: ResidentId,
        raw: &[u8],
        entries: u32,
        now_ms: i64,
    ) -> StorageResult<()> {
        self.run(|s| {
            s.exec(
                "INSERT INTO \"institution_submissions\" (\"institution_id\", \"resident_id\", \"raw\", \"entries\", \"received_at\") \
                 VALUES ($1, $2, $3, $4, $5)",
                &[&institution, &resident, &raw, &i64::from(entries), &now_ms],
            )?;
            Ok(())
        })
    }

    fn submissions_for(&self, resident: ResidentId) -> StorageResult<Vec<(InstitutionId, Vec<u8>)>> {
        self.run(|s| {
            Ok(s.all(
                "SELECT \"institution_id\", \"raw\" FROM \"institution_submissions\" WHERE \"resident_id\" = $1 ORDER BY \"id\"",
                &[&resident],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })
    }
}
