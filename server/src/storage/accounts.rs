//! Accounts and tokens: who may sign in, from which devices, with which refresh tokens.

use super::{ResidentId, StorageResult};

#[derive(Debug, Clone)]
pub struct Resident {
    pub id: ResidentId,
    pub hm_code: String,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// Valid and now consumed.
    Rotated {
        resident: ResidentId,
    },
    /// Already used once: a copy is in someone else's hands; the device has been signed out.
    Reused,
    Invalid,
}

pub trait AccountStore: Send + Sync + 'static {
    /// The key access tokens are signed with; made once, when the store is created.
    fn token_secret(&self) -> StorageResult<Vec<u8>>;

    /// `AlreadyExists` if the HM code is taken.
    fn add_resident(&self, hm_code: &str, name: &str, birth_date: &str, now_ms: i64) -> StorageResult<ResidentId>;
    fn add_activation_code(&self, resident: ResidentId, code_hash: &str, expires_at_ms: i64) -> StorageResult<()>;
    /// Consumes the code and sets the password; `NotFound` for an unknown, used or expired code.
    fn activate(&self, hm_code: &str, code_hash: &str, password_hash: &str, now_ms: i64) -> StorageResult<()>;
    fn resident_by_hm_code(&self, hm_code: &str) -> StorageResult<Option<Resident>>;
    /// HM codes of the patients a resident may read and write (their own, for now).
    fn patients_of(&self, resident: ResidentId) -> StorageResult<Vec<(ResidentId, String)>>;

    fn sign_in_device(
        &self,
        resident: ResidentId,
        device_id: &str,
        name: Option<&str>,
        now_ms: i64,
    ) -> StorageResult<()>;
    fn device_signed_in(&self, resident: ResidentId, device_id: &str) -> StorageResult<bool>;
    fn add_refresh_token(
        &self,
        token_hash: &str,
        device_id: &str,
        resident: ResidentId,
        expires_at_ms: i64,
    ) -> StorageResult<()>;
    /// Rotation with reuse detection: a token is good for one refresh (a retry of the latest
    /// one shortly after is answered again); a consumed token coming back signs the device out.
    fn use_refresh_token(&self, token_hash: &str, device_id: &str, now_ms: i64) -> StorageResult<RefreshOutcome>;
    fn sign_out_device(&self, device_id: &str) -> StorageResult<()>;
}
