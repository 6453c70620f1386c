//! Kenko Techo sync server: accounts, push/pull sync, OpenAPI; SQLite by default.

// Not part of the phone library, so chrono's strftime items are allowed here (clippy.toml).
#![allow(clippy::disallowed_methods)]

pub mod auth;
pub mod blob_service;
pub mod cli;
pub mod demo;
pub mod error;
pub mod pharmacy;
pub mod routes;
pub mod state;
pub mod storage;
pub mod sync_service;

use auth::{HashGate, TokenSigner};
use state::{AppState, Limits, SharedState};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use storage::{ResidentId, SqliteStorage, Storage, StorageError, sha256_hex};
use techo_domain::FamilySpecs;

/// Opens the embedded SQLite store under `data_dir`.
pub fn open_storage(data_dir: &Path) -> Result<Arc<SqliteStorage>, StorageError> {
    Ok(Arc::new(SqliteStorage::open(&data_dir.join("server.db"))?))
}

/// The store the server runs on: the PostgreSQL database at `database` (a `postgres://` or
/// `postgresql://` URL), blob bytes included, so several instances can serve it with nothing
/// else shared; or without one the embedded SQLite store under `data_dir`. Errors name what
/// failed, never the URL (it may hold a password).
pub fn open_database(data_dir: &Path, database: Option<&str>) -> Result<Arc<dyn Storage>, String> {
    let Some(url) = database else {
        return Ok(
            open_storage(data_dir).map_err(|e| format!("cannot open {}: {e}", data_dir.join("server.db").display()))?
        );
    };
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err("--database takes a postgres:// URL (without it the server uses SQLite under --data-dir)".into());
    }
    // Still made: the token key may live in it.
    auth::secret::private_dir(data_dir).map_err(|e| format!("data directory: {}", e.kind()))?;
    Ok(Arc::new(
        storage::PostgresStorage::open_self_contained(url)
            .map_err(|e| format!("cannot open the PostgreSQL database: {e}"))?,
    ))
}

/// The key access tokens are signed with, from outside the database: the environment or the
/// key file in `data_dir` (see [`auth::secret`]); moved out of an older database once.
pub fn token_secret(data_dir: &Path, storage: &dyn Storage) -> Result<Vec<u8>, String> {
    auth::secret::load_token_secret(data_dir, storage)
}

/// Server state with the record families this build ships.
pub fn app_state(storage: Arc<dyn Storage>, token_secret: Vec<u8>, limits: Limits) -> SharedState {
    app_state_with(storage, token_secret, limits, FamilySpecs::builtin())
}

/// Server state accepting exactly `families` (tests register example families this way).
pub fn app_state_with(
    storage: Arc<dyn Storage>,
    token_secret: Vec<u8>,
    limits: Limits,
    families: FamilySpecs,
) -> SharedState {
    let signer = TokenSigner::new(token_secret);
    let hashes = HashGate::new(limits.max_concurrent_hashes);
    Arc::new(AppState { storage, families, signer, hashes, limits, uploads: blob_service::UploadLocks::new() })
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
///
/// Its own accept loop (axum's `serve` sets no timeouts): at most `max_connections` connections
/// are open at once (the rest wait in the backlog), and a connection that does not send a
/// request's headers within `header_read_timeout` (first request, or the next one on a
/// kept-alive connection) is closed. Bodies and handlers are bounded by the router's request
/// timeout.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: SharedState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let limits = state.limits.clone();
    let app = routes::router(state);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => s.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(kind = ?e.kind(), "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut stopped = stopped.clone();
        let header_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            let _slot = slot;
            let service = hyper::service::service_fn(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                tower::ServiceExt::oneshot(app.clone(), req)
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopped.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection gives its slot back when it has finished.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
    Ok(())
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
