//! Kenko Techo sync server: accounts, push/pull sync, OpenAPI; SQLite by default.

pub mod auth;
pub mod cli;
pub mod demo;
pub mod error;
pub mod routes;
pub mod state;
pub mod storage;
pub mod sync_service;

use auth::{LoginLimiter, TokenSigner};
use state::{AppState, Limits, SharedState};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use storage::{ResidentId, SqliteStorage, Storage, StorageError, sha256_hex};
use techo_domain::FamilySpecs;

/// Opens the embedded SQLite store under `data_dir`.
pub fn open_storage(data_dir: &Path) -> Result<Arc<SqliteStorage>, StorageError> {
    Ok(Arc::new(SqliteStorage::open(&data_dir.join("server.db"))?))
}

/// Server state with the record families this build ships.
pub fn app_state(storage: Arc<dyn Storage>, limits: Limits) -> Result<SharedState, StorageError> {
    app_state_with(storage, limits, FamilySpecs::builtin())
}

/// Server state accepting exactly `families` (tests register example families this way).
pub fn app_state_with(
    storage: Arc<dyn Storage>,
    limits: Limits,
    families: FamilySpecs,
) -> Result<SharedState, StorageError> {
    let signer = TokenSigner::new(storage.token_secret()?);
    // ASVS allows at most 100 failures an hour per account; we stop at 10 per 15 minutes.
    let limiter = LoginLimiter::new(Duration::from_secs(15 * 60), 10, 100);
    Ok(Arc::new(AppState { storage, families, signer, limiter, limits }))
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: SharedState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = routes::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// What an administrator gets when issuing an HM card.
pub struct Issued {
    pub resident: ResidentId,
    pub activation_code: String,
}

/// Creates a resident and a one-time activation code, as HM card issuance does.
pub fn add_resident(
    storage: &dyn Storage,
    hm_code: &str,
    name: &str,
    birth_date: &str,
    activation_ttl: Duration,
) -> Result<Issued, String> {
    let hm = techo_domain::HmCode::parse(hm_code).map_err(|e| e.to_string())?;
    chrono::NaiveDate::parse_from_str(birth_date, "%Y-%m-%d")
        .map_err(|_| "birth date: expected YYYY-MM-DD".to_owned())?;
    if name.trim().is_empty() {
        return Err("name must not be empty".into());
    }
    let now = state::now_ms();
    let resident = storage.add_resident(hm.as_str(), name.trim(), birth_date, now).map_err(|e| match e {
        StorageError::AlreadyExists => "a resident with that HM code already exists".to_owned(),
        other => other.to_string(),
    })?;
    let code = auth::new_activation_code().map_err(|_| "no system randomness".to_owned())?;
    let hash = sha256_hex(auth::normalise_activation_code(&code).as_bytes());
    storage.add_activation_code(resident, &hash, now + activation_ttl.as_millis() as i64).map_err(|e| e.to_string())?;
    Ok(Issued { resident, activation_code: code })
}
