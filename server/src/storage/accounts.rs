//! Accounts and sessions: who may sign in, from which devices, with which tokens, and how many
//! failed sign-ins each account and address has had. Everything that decides correctness lives
//! here (not in a server process), so several instances over one database agree.

use super::{ResidentId, StorageResult};

#[derive(Debug, Clone)]
pub struct Resident {
    pub id: ResidentId,
    pub hm_code: String,
    pub password_hash: Option<String>,
}

/// The refresh token a sign-in starts with, and the access token issued beside it.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    /// sha256 of the id of the session's refresh-token family.
    pub family_hash: &'a str,
    /// sha256 of the family's first refresh token.
    pub refresh_hash: &'a str,
    pub refresh_expires_at_ms: i64,
    /// Expiry (unix seconds) of the access token issued with it.
    pub access_expires_at: i64,
}

/// A refresh token as presented: which family, which of its tokens, and its hash.
#[derive(Debug, Clone, Copy)]
pub struct PresentedRefresh<'a> {
    pub family_hash: &'a str,
    pub seq: i64,
    pub token_hash: &'a str,
}

/// What a successful rotation stores: the token that replaces the presented one.
#[derive(Debug, Clone, Copy)]
pub struct NextRefresh<'a> {
    pub refresh_hash: &'a str,
    pub refresh_expires_at_ms: i64,
    pub access_expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The current token, now replaced by the one given (number `seq` of its family).
    Rotated { resident: ResidentId, session: i64, seq: i64 },
    /// The token just replaced, again within the grace: the answer was lost. Answer with what was
    /// issued then (the stored successor, and the access token expiring at `access_expires_at`).
    Repeated { resident: ResidentId, session: i64, seq: i64, access_expires_at: i64 },
    /// Any other token of a live family: a copy is in someone else's hands. The device has been
    /// signed out and every token of it revoked.
    Reused,
    /// Unknown, expired, of a signed-out device, or of another device.
    Invalid,
}

/// One counter of failed sign-ins and the delays it imposes.
#[derive(Debug, Clone)]
pub struct ThrottleRule {
    /// What is counted: an account at an address, an address, an account.
    pub key: String,
    /// Failures allowed without delay within the window.
    pub free: u32,
    /// The delay after the first failure beyond the free ones; it doubles with each further one.
    pub base_delay_ms: i64,
    pub max_delay_ms: i64,
    /// Failures older than this (since the latest) are forgotten.
    pub window_ms: i64,
}

impl ThrottleRule {
    /// How long sign-ins wait after the `failures`-th failure in a row: nothing while within the
    /// free ones, then the base delay, doubling with each further failure up to the maximum.
    pub fn delay_after(&self, failures: i64) -> i64 {
        let beyond = failures - i64::from(self.free);
        if beyond <= 0 {
            0
        } else {
            self.base_delay_ms.saturating_mul(1i64 << (beyond - 1).min(40)).min(self.max_delay_ms)
        }
    }
}

pub trait AccountStore: Send + Sync + 'static {
    /// A token-signing key kept inside the database by servers before schema 4 (it now lives
    /// outside); `None` once moved out.
    fn legacy_token_secret(&self) -> StorageResult<Option<Vec<u8>>>;
    fn forget_legacy_token_secret(&self) -> StorageResult<()>;

    /// `AlreadyExists` if the HM code is taken.
    fn add_resident(&self, hm_code: &str, name: &str, birth_date: &str, now_ms: i64) -> StorageResult<ResidentId>;
    fn add_activation_code(&self, resident: ResidentId, code_hash: &str, expires_at_ms: i64) -> StorageResult<()>;
    /// Whether the code would activate this resident now (checked before any password hashing).
    fn activation_code_usable(&self, hm_code: &str, code_hash: &str, now_ms: i64) -> StorageResult<bool>;
    /// Consumes the code and sets the password; `NotFound` for an unknown, used or expired code.
    fn activate(&self, hm_code: &str, code_hash: &str, password_hash: &str, now_ms: i64) -> StorageResult<()>;
    fn resident_by_hm_code(&self, hm_code: &str) -> StorageResult<Option<Resident>>;
    /// HM codes of the patients a resident may read and write (their own, for now).
    fn patients_of(&self, resident: ResidentId) -> StorageResult<Vec<(ResidentId, String)>>;

    /// Signs the resident's device in with a new session, revoking every earlier token of it.
    /// A device id is the resident's own: another resident's device of the same id is a different
    /// device and untouched. At `max_devices`, the resident's least recently seen device is
    /// forgotten first. Returns the new session number (never one used before for this device).
    fn sign_in_device(
        &self,
        resident: ResidentId,
        device_id: &str,
        name: Option<&str>,
        session: &NewSession<'_>,
        max_devices: usize,
        now_ms: i64,
    ) -> StorageResult<i64>;
    /// Whether access tokens naming this session are still honoured.
    fn session_live(&self, resident: ResidentId, device_id: &str, session: i64) -> StorageResult<bool>;
    /// The resident's device ids, signed in or not.
    fn devices_of(&self, resident: ResidentId) -> StorageResult<Vec<String>>;
    /// Rotation with reuse detection, atomically; see [`RefreshOutcome`].
    fn refresh_session(
        &self,
        device_id: &str,
        presented: &PresentedRefresh<'_>,
        next: &NextRefresh<'_>,
        grace_ms: i64,
        now_ms: i64,
    ) -> StorageResult<RefreshOutcome>;
    /// Ends the device's session for good and revokes its tokens.
    fn sign_out_device(&self, resident: ResidentId, device_id: &str) -> StorageResult<()>;

    /// Reserves one sign-in attempt against every rule, atomically and before any password is
    /// hashed: counted as a failure until [`AccountStore::login_succeeded`] says otherwise.
    /// `Some(ms)` (nothing counted) while any rule still delays attempts.
    fn reserve_login_attempt(&self, rules: &[ThrottleRule], now_ms: i64) -> StorageResult<Option<i64>>;
    /// A reserved attempt succeeded: `clear` forgets its failures, `refund` takes back the
    /// reservation.
    fn login_succeeded(&self, clear: &str, refund: &[&str]) -> StorageResult<()>;
}
