//! Institutions that write records on a patient's behalf — pharmacies sending dispensings now,
//! care providers later — with their credentials and what they submitted.

use super::{ResidentId, StorageResult};

pub type InstitutionId = i64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Institution {
    pub id: InstitutionId,
    pub code: String,
    pub name: String,
    /// sha256 (hex) of the credential's secret.
    pub secret_hash: String,
    pub disabled: bool,
}

pub trait InstitutionStore: Send + Sync + 'static {
    /// Registers an institution; `AlreadyExists` for a code already registered.
    fn add_institution(&self, code: &str, name: &str, secret_hash: &str, now_ms: i64) -> StorageResult<InstitutionId>;
    fn institution_by_code(&self, code: &str) -> StorageResult<Option<Institution>>;
    /// Keeps a submission as received, with how many entries it held.
    fn record_submission(
        &self,
        institution: InstitutionId,
        resident: ResidentId,
        raw: &[u8],
        entries: u32,
        now_ms: i64,
    ) -> StorageResult<()>;
    /// The submissions kept for a patient, oldest first: (institution, raw bytes).
    fn submissions_for(&self, resident: ResidentId) -> StorageResult<Vec<(InstitutionId, Vec<u8>)>>;
}
