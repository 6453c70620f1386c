//! Shared server state and the authenticated-caller extractor.

use crate::auth::{HashGate, LoginLimits, TokenSigner};
use crate::error::{ApiError, ApiResult};
use crate::storage::{ResidentId, Storage};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use std::sync::Arc;
use std::time::Duration;
use techo_domain::FamilySpecs;

#[derive(Debug, Clone)]
pub struct Limits {
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub activation_ttl: Duration,
    pub max_body_bytes: usize,
    pub max_batch: usize,
    pub default_page: u32,
    pub max_page: u32,
    pub request_timeout: Duration,
    /// For a chunk upload or a blob download: a photo's bytes over a weak phone signal take
    /// longer than any other request should (a 256 KiB chunk in 30 s needs 70 kbit/s).
    pub transfer_timeout: Duration,
    /// How long a connection may take to send a request's headers, and how long it may stay idle
    /// between requests (hyper's header timer also runs while a kept-alive connection waits).
    pub header_read_timeout: Duration,
    /// Open connections at most; more wait in the listen backlog.
    pub max_connections: usize,
    /// Password hashes (19 MiB of Argon2 each) computed at once.
    pub max_concurrent_hashes: usize,
    pub login: LoginLimits,
    /// A refresh presented again this soon after it was answered gets the same answer again.
    pub refresh_retry_grace: Duration,
    /// Devices one account may have; signing in another forgets the least recently seen.
    pub max_devices: usize,
    /// Photo bytes one account may store: its blobs and the declared sizes of its uploads in
    /// progress.
    pub blob_quota_bytes: u64,
    /// An upload with no chunk for this long is abandoned and removed.
    pub upload_ttl: Duration,
    /// A blob no live record refers to is released (and stops counting against the quota) once
    /// it was last stored or found stored by an upload longer ago than this. Well beyond
    /// `upload_ttl` and the time a device takes between uploading a photo and pushing the record
    /// that names it (it may go offline in between); never shorter than `upload_ttl` in effect.
    pub blob_release_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            access_ttl: Duration::from_secs(15 * 60),
            // Long enough that an elderly user who opens the app monthly is not signed out.
            refresh_ttl: Duration::from_secs(180 * 24 * 3600),
            activation_ttl: Duration::from_secs(30 * 24 * 3600),
            max_body_bytes: 1024 * 1024,
            max_batch: 500,
            default_page: 500,
            max_page: 2000,
            request_timeout: Duration::from_secs(30),
            transfer_timeout: Duration::from_secs(180),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_concurrent_hashes: HashGate::for_this_machine(),
            login: LoginLimits::default(),
            refresh_retry_grace: Duration::from_secs(120),
            max_devices: 20,
            // Hundreds of photographed pages (about 1 MB each) with their thumbnails.
            blob_quota_bytes: 500 * 1024 * 1024,
            upload_ttl: Duration::from_secs(24 * 3600),
            blob_release_grace: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

pub struct AppState {
    pub storage: Arc<dyn Storage>,
    /// The record families pushes may carry; the push check looks a mutation's family up here.
    pub families: FamilySpecs,
    pub signer: TokenSigner,
    pub hashes: HashGate,
    pub limits: Limits,
    pub uploads: crate::blob_service::UploadLocks,
}

pub type SharedState = Arc<AppState>;

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Runs storage work off the async threads.
pub async fn blocking<T: Send + 'static>(
    state: &SharedState,
    f: impl FnOnce(&dyn Storage) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || f(state.storage.as_ref())).await?
}

/// The bearer credential of a request, whoever it claims to be.
fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(ApiError::unauthenticated)
}

/// A request carrying a valid access token of a live session.
#[derive(Debug, Clone)]
pub struct Caller {
    pub resident: ResidentId,
    pub device_id: String,
    pub session: i64,
}

impl FromRequestParts<SharedState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let claims =
            state.signer.verify(token.trim(), chrono::Utc::now().timestamp()).ok_or_else(ApiError::unauthenticated)?;
        let (resident, device, session) = (claims.resident, claims.device_id.clone(), claims.session);
        // Logout, a new login and refresh-token reuse end a session at once, and for good.
        let live = blocking(state, move |s| Ok(s.session_live(resident, &device, session)?)).await?;
        if !live {
            return Err(ApiError::unauthenticated());
        }
        Ok(Caller { resident: claims.resident, device_id: claims.device_id, session: claims.session })
    }
}

/// A request carrying an institution's credential (a pharmacy system). It is never a resident:
/// the sync routes refuse it, and it can write only through the routes that take it.
#[derive(Debug, Clone)]
pub struct InstitutionCaller {
    pub id: crate::storage::InstitutionId,
}

impl FromRequestParts<SharedState> for InstitutionCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let (code, secret) =
            crate::auth::parse_institution_credential(token.trim()).ok_or_else(ApiError::unauthenticated)?;
        let (code, presented) = (code.to_owned(), crate::auth::secret_hash(secret));
        let found = blocking(state, move |s| Ok(s.institution_by_code(&code)?)).await?;
        match found {
            Some(i) if !i.disabled && crate::auth::hashes_match(&i.secret_hash, &presented) => {
                Ok(InstitutionCaller { id: i.id })
            }
            _ => Err(ApiError::unauthenticated()),
        }
    }
}
