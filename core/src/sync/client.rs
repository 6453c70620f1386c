//! The async driver: executes the engine's instructions over HTTP (reqwest on rustls) and keeps
//! the credentials. Access tokens live in memory only; the refresh token is in the KeyStore.

use super::engine::{
    EngineConfig, Event, Failure, Instruction, Request, Response, SyncEngine, SyncProgress, SyncReport,
};
use crate::domain::Profile;
use crate::domain::shown::Wait;
use crate::error::{AuthProblem, Error, KeyStoreError, Result};
use crate::keys::KeyStore;
use crate::store::{Account, Store};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use techo_protocol::auth::{ActivateRequest, LoginRequest, RefreshRequest, Tokens};
use techo_protocol::error::{ErrorBody, ErrorCode};
use techo_protocol::records::{BlobRef, Entity};
use techo_protocol::sync::RecordVersion;
use techo_protocol::uploads::{CHUNK_CONTENT_TYPE, UPLOAD_OFFSET_HEADER, is_sha256_hex};
use zeroize::Zeroizing;

/// KeyStore entry holding the current refresh token.
pub const REFRESH_TOKEN_KEY: &str = "sync-refresh-token";

/// Receives progress while a sync runs (drives progress bars; must return quickly).
pub trait SyncObserver: Send + Sync {
    fn on_progress(&self, progress: &SyncProgress);
    /// Once per run that produced a report (also for runs the scheduler starts).
    fn on_finished(&self, _report: &SyncReport) {}
    /// Once per run that ended in an error instead (key store locked, database error).
    fn on_failed(&self, _error: &Error) {}
}

/// Requests and body bytes, for status screens and measurements. Bodies are counted as the
/// application sees them: responses after gzip decoding, so the wire carries less.
#[derive(Debug, Default)]
pub struct Traffic {
    pub requests: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub bytes_received: AtomicU64,
}

pub struct SyncClient {
    http: reqwest::Client,
    base: String,
    store: Arc<Store>,
    keys: Arc<dyn KeyStore>,
    access: tokio::sync::Mutex<Option<Zeroizing<String>>>,
    /// One run at a time: two runs renewing the sign-in at once would race the server's
    /// refresh-token rotation and could sign the device out.
    running: tokio::sync::Mutex<()>,
    /// Syncs asked for so far, and a bell rung with each: a run backing off after a failure
    /// tries again at once when one was asked for since it last tried (the person may have just
    /// found a signal), also when the ask came while it was still waiting for an answer.
    asks: AtomicU64,
    asked_again: tokio::sync::Notify,
    config: EngineConfig,
    pub traffic: Arc<Traffic>,
}

/// Outcome of one HTTP exchange.
enum Exchange<T> {
    Ok(T),
    Failed(Failure),
}

/// reqwest is built without a default TLS crypto provider; every client in the process needs one.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Reads PEM certificates and checks each is usable as a trust anchor now, so a bad bundle fails
/// at start-up instead of as an unexplained TLS error on every sync.
fn trust_anchors(pem: &str) -> Result<Vec<reqwest::Certificate>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let bad = || Error::InvalidConfig { what: "trusted certificates (expected PEM CA certificates)" };
    let mut anchors = rustls::RootCertStore::empty();
    let mut certs = Vec::new();
    for der in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let der = der.map_err(|_| bad())?;
        anchors.add(der.clone()).map_err(|_| bad())?;
        certs.push(reqwest::Certificate::from_der(&der).map_err(|_| bad())?);
    }
    if certs.is_empty() {
        return Err(bad());
    }
    Ok(certs)
}

fn network(e: &reqwest::Error) -> Failure {
    // reqwest's Display can include the URL, which carries an HM code in pulls: keep the kind.
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "incomplete answer"
    } else {
        "network error"
    };
    Failure::Network(kind.to_owned())
}

/// Which certificate authorities the client trusts.
#[derive(Debug, Clone, Default)]
pub enum TrustedRoots {
    /// The operating system's verifier and roots.
    #[default]
    Platform,
    /// Only these authorities (PEM): pins the network's own CA, and on Android avoids the
    /// platform verifier, which needs JNI initialisation before its first handshake (P-F12).
    Only(String),
}

impl SyncClient {
    pub fn new(store: Arc<Store>, keys: Arc<dyn KeyStore>, server_url: &str, config: EngineConfig) -> Result<Self> {
        Self::with_roots(store, keys, server_url, config, &TrustedRoots::Platform)
    }

    pub fn with_roots(
        store: Arc<Store>,
        keys: Arc<dyn KeyStore>,
        server_url: &str,
        config: EngineConfig,
        roots: &TrustedRoots,
    ) -> Result<Self> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("kenko-techo/", env!("CARGO_PKG_VERSION")));
        if let TrustedRoots::Only(pem) = roots {
            builder = builder.tls_certs_only(trust_anchors(pem)?);
        }
        let http = builder.build().map_err(|_| Error::Network { reason: "could not start the HTTP client".into() })?;
        Ok(Self {
            http,
            base: server_url.trim_end_matches('/').to_owned(),
            store,
            keys,
            access: tokio::sync::Mutex::new(None),
            running: tokio::sync::Mutex::new(()),
            asks: AtomicU64::new(0),
            asked_again: tokio::sync::Notify::new(),
            config,
            traffic: Arc::new(Traffic::default()),
        })
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        query: Option<&[(&str, String)]>,
        body: Option<&B>,
        bearer: Option<&str>,
    ) -> Exchange<T> {
        let body = match body.map(serde_json::to_vec).transpose() {
            Ok(b) => b.map(|bytes| Body { content_type: "application/json", offset: None, bytes }),
            Err(_) => return Exchange::Failed(Failure::Network("request could not be encoded".into())),
        };
        match self.call_raw(method, path, query, body, bearer).await {
            Ok(bytes) => {
                let body = if bytes.is_empty() { b"null".as_slice() } else { &bytes[..] };
                match serde_json::from_slice(body) {
                    Ok(v) => Exchange::Ok(v),
                    // A 200 with a cut-off body is a network failure, not a verdict.
                    Err(_) => Exchange::Failed(Failure::Network("incomplete answer".into())),
                }
            }
            Err(f) => Exchange::Failed(f),
        }
    }

    /// One request; the body of a success as it came.
    async fn call_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        query: Option<&[(&str, String)]>,
        body: Option<Body>,
        bearer: Option<&str>,
    ) -> std::result::Result<Vec<u8>, Failure> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(q) = query {
            req = req.query(q);
        }
        let mut sent = 0;
        if let Some(b) = body {
            sent = b.bytes.len() as u64;
            req = req.header(reqwest::header::CONTENT_TYPE, b.content_type);
            if let Some(offset) = b.offset {
                req = req.header(UPLOAD_OFFSET_HEADER, offset.to_string());
            }
            req = req.body(b.bytes);
        }
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        self.traffic.requests.fetch_add(1, Ordering::Relaxed);
        self.traffic.bytes_sent.fetch_add(sent, Ordering::Relaxed);
        let resp = req.send().await.map_err(|e| network(&e))?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = resp.bytes().await.map_err(|e| network(&e))?.to_vec();
        self.traffic.bytes_received.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if status.is_success() {
            return Ok(bytes);
        }
        let code = serde_json::from_slice::<ErrorBody>(&bytes).ok().map(|b| b.code);
        Err(Failure::Http { status: status.as_u16(), code, retry_after })
    }

    /// First use of an HM card: sets the password with the one-time activation code.
    pub async fn activate(&self, hm_code: &str, activation_code: &str, password: &str) -> Result<()> {
        let body = ActivateRequest {
            hm_code: hm_code.into(),
            activation_code: activation_code.into(),
            password: password.into(),
        };
        match self
            .call::<_, serde_json::Value>(reqwest::Method::POST, "/v1/auth/activate", None, Some(&body), None)
            .await
        {
            Exchange::Ok(_) => Ok(()),
            Exchange::Failed(f) => Err(auth_error(f)),
        }
    }

    /// Signs this device in and remembers the account; the refresh token goes to the KeyStore.
    pub async fn login(&self, hm_code: &str, password: &str) -> Result<Account> {
        let body = LoginRequest {
            hm_code: hm_code.into(),
            password: password.into(),
            device_id: self.store.device_id().into(),
            device_name: Some(format!("techo {}", std::env::consts::OS)),
        };
        let tokens: Tokens = match self.call(reqwest::Method::POST, "/v1/auth/login", None, Some(&body), None).await {
            Exchange::Ok(t) => t,
            Exchange::Failed(f) => return Err(auth_error(f)),
        };
        let account =
            Account { server_url: self.base.clone(), hm_code: techo_code(hm_code), patients: tokens.patients.clone() };
        self.keep_tokens(tokens).await?;
        self.store.set_account(Some(&account))?;
        Ok(account)
    }

    /// Signs out on the server (best effort) and forgets the tokens; unsent changes stay queued.
    pub async fn logout(&self) -> Result<()> {
        let token = self.access.lock().await.clone();
        if let Some(t) = token {
            let _ = self
                .call::<(), serde_json::Value>(reqwest::Method::POST, "/v1/auth/logout", None, None, Some(&t))
                .await;
        }
        *self.access.lock().await = None;
        self.keys.save(REFRESH_TOKEN_KEY, b"")?;
        self.store.set_account(None)
    }

    async fn keep_tokens(&self, tokens: Tokens) -> Result<()> {
        // The new refresh token must be safe before the old one is forgotten: the server has
        // already consumed the old one.
        self.keys.save(REFRESH_TOKEN_KEY, tokens.refresh_token.as_bytes())?;
        *self.access.lock().await = Some(Zeroizing::new(tokens.access_token));
        Ok(())
    }

    /// Exchanges the stored refresh token for new tokens. `Ok(false)` when signed out.
    async fn refresh(&self) -> Result<bool> {
        let Some(stored) = self.keys.load(REFRESH_TOKEN_KEY)? else { return Ok(false) };
        if stored.is_empty() {
            return Ok(false);
        }
        let token = String::from_utf8(stored.to_vec())
            .map_err(|_| KeyStoreError::Refused("stored token is not text".into()))?;
        let body = RefreshRequest { refresh_token: token, device_id: self.store.device_id().into() };
        for attempt in 0..3u32 {
            match self.call::<_, Tokens>(reqwest::Method::POST, "/v1/auth/refresh", None, Some(&body), None).await {
                Exchange::Ok(t) => {
                    if let Some(mut account) = self.store.account()? {
                        account.patients = t.patients.clone();
                        self.store.set_account(Some(&account))?;
                    }
                    self.keep_tokens(t).await?;
                    return Ok(true);
                }
                Exchange::Failed(Failure::Http { status: 401, .. }) => return Ok(false),
                Exchange::Failed(_) => tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt + 1))).await,
            }
        }
        Err(Error::Network { reason: "could not reach the server to renew the sign-in".into() })
    }

    /// Pushes the outbox and pulls every linked profile. Runs on its own task: dropping the
    /// returned future (a cancelled coroutine) lets the current step finish its transaction.
    /// A run asked for while another is under way waits for it, then runs (it may find
    /// nothing left to do).
    /// A run backing off after a failure is woken to try again at once, unless the server asked
    /// for the wait.
    pub async fn sync_now(self: &Arc<Self>, observer: Option<Arc<dyn SyncObserver>>) -> Result<SyncReport> {
        self.asks.fetch_add(1, Ordering::SeqCst);
        self.asked_again.notify_waiters();
        let me = self.clone();
        tokio::spawn(async move {
            let _one_at_a_time = me.running.lock().await;
            let result = me.clone().run(observer.clone()).await;
            if let (Err(e), Some(o)) = (&result, &observer) {
                o.on_failed(e);
            }
            result
        })
        .await
        .map_err(|_| Error::Network { reason: "the sync task stopped unexpectedly".into() })?
    }

    async fn run(self: Arc<Self>, observer: Option<Arc<dyn SyncObserver>>) -> Result<SyncReport> {
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
        let mut engine = SyncEngine::new(self.config.clone(), seed);
        let requests_before = self.traffic.requests.load(Ordering::Relaxed);
        let sent_before = self.traffic.bytes_sent.load(Ordering::Relaxed);
        let received_before = self.traffic.bytes_received.load(Ordering::Relaxed);
        let mut event = Event::Start;
        // Asks up to now are answered by this run; one that comes later cuts a backoff short.
        let mut asks_seen = self.asks.load(Ordering::SeqCst);
        loop {
            let store = self.store.clone();
            let (back, instructions) = tokio::task::spawn_blocking(move || {
                let r = engine.handle(&store, event);
                (engine, r)
            })
            .await
            .map_err(|_| Error::Network { reason: "the sync task stopped unexpectedly".into() })?;
            engine = back;
            let mut next = None;
            for ins in instructions? {
                match ins {
                    Instruction::Progress(p) => {
                        if let Some(o) = &observer {
                            o.on_progress(&p);
                        }
                    }
                    Instruction::Finish(mut report) => {
                        // Token renewals count too: they are requests on the wire.
                        report.requests = self.traffic.requests.load(Ordering::Relaxed) - requests_before;
                        report.bytes_sent = self.traffic.bytes_sent.load(Ordering::Relaxed) - sent_before;
                        report.bytes_received = self.traffic.bytes_received.load(Ordering::Relaxed) - received_before;
                        if let Some(o) = &observer {
                            o.on_finished(&report);
                        }
                        return Ok(report);
                    }
                    Instruction::Sleep { delay, at_least } => {
                        tokio::time::sleep(at_least).await;
                        self.back_off(delay.saturating_sub(at_least), asks_seen).await;
                        asks_seen = self.asks.load(Ordering::SeqCst);
                        next = Some(Event::TimerFired);
                    }
                    Instruction::RefreshCredentials => {
                        next = Some(match self.refresh().await {
                            Ok(ok) => Event::CredentialsRefreshed { ok },
                            // Unreachable is not signed out: the engine backs off and retries.
                            Err(Error::Network { reason }) => Event::CredentialsUnreachable { reason },
                            Err(e) => return Err(e),
                        });
                    }
                    Instruction::Send(req) => next = Some(Event::Response(self.send(req).await?)),
                }
            }
            event = next.ok_or(Error::Corrupt("sync engine stopped without finishing"))?;
        }
    }

    /// Sleeps `rest` of a backoff, or less if a sync is asked for after `asks_seen`.
    async fn back_off(&self, rest: Duration, asks_seen: u64) {
        let asked = self.asked_again.notified();
        tokio::pin!(asked);
        // Listening before looking, so an ask between the two is not missed.
        asked.as_mut().enable();
        if self.asks.load(Ordering::SeqCst) != asks_seen {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(rest) => {}
            () = asked => {}
        }
    }

    async fn bearer(&self) -> Result<Option<String>> {
        if self.access.lock().await.is_none() && !self.refresh().await? {
            return Ok(None);
        }
        Ok(self.access.lock().await.as_ref().map(|t| t.to_string()))
    }

    async fn send(&self, req: Request) -> Result<std::result::Result<Response, Failure>> {
        let token = match self.bearer().await {
            Ok(Some(t)) => t,
            Ok(None) => {
                return Ok(Err(Failure::Http {
                    status: 401,
                    code: Some(ErrorCode::Unauthenticated),
                    retry_after: None,
                }));
            }
            Err(Error::Network { reason }) => return Ok(Err(Failure::Network(reason))),
            Err(e) => return Err(e),
        };
        Ok(match req {
            Request::Push(body) => {
                match self.call(reqwest::Method::POST, "/v1/sync/push", None, Some(&body), Some(&token)).await {
                    Exchange::Ok(r) => Ok(Response::Push(r)),
                    Exchange::Failed(f) => Err(self.forget_on_401(f).await),
                }
            }
            Request::Pull(q) => {
                let mut query = vec![("patient", q.patient.clone())];
                if let Some(c) = &q.cursor {
                    query.push(("cursor", c.clone()));
                }
                if let Some(l) = q.limit {
                    query.push(("limit", l.to_string()));
                }
                if let Some(r) = &q.replica {
                    query.push(("replica", r.clone()));
                }
                match self.call::<(), _>(reqwest::Method::GET, "/v1/sync/pull", Some(&query), None, Some(&token)).await
                {
                    Exchange::Ok(r) => Ok(Response::Pull(r)),
                    Exchange::Failed(f) => Err(self.forget_on_401(f).await),
                }
            }
            Request::UploadStart(body) => {
                match self.call(reqwest::Method::POST, "/v1/uploads", None, Some(&body), Some(&token)).await {
                    Exchange::Ok(r) => Ok(Response::Upload(r)),
                    Exchange::Failed(f) => Err(self.forget_on_401(f).await),
                }
            }
            Request::UploadChunk { upload_id, offset, bytes } => {
                let body = Body { content_type: CHUNK_CONTENT_TYPE, offset: Some(offset), bytes };
                let path = format!("/v1/uploads/{upload_id}");
                match self.call_raw(reqwest::Method::PATCH, &path, None, Some(body), Some(&token)).await {
                    Ok(bytes) => match serde_json::from_slice(&bytes) {
                        Ok(state) => Ok(Response::Upload(state)),
                        Err(_) => Err(Failure::Network("incomplete answer".into())),
                    },
                    Err(f) => Err(self.forget_on_401(f).await),
                }
            }
            Request::UploadStatus { upload_id } => {
                let path = format!("/v1/uploads/{upload_id}");
                match self.call::<(), _>(reqwest::Method::GET, &path, None, None, Some(&token)).await {
                    Exchange::Ok(r) => Ok(Response::Upload(r)),
                    Exchange::Failed(f) => Err(self.forget_on_401(f).await),
                }
            }
        })
    }

    /// Downloads a photo another device added, checks it against the record's reference and
    /// keeps it (encrypted, in the store). Answers from the store when it is here already.
    pub async fn fetch_blob(&self, profile: &Profile, blob: &BlobRef) -> Result<Vec<u8>> {
        if let Some(bytes) = self.store.blob_bytes(profile, &blob.sha256)? {
            return Ok(bytes);
        }
        if !is_sha256_hex(&blob.sha256) {
            return Err(Error::InvalidPayload { what: "photo reference" });
        }
        let path = format!("/v1/blobs/{}/{}", profile.hm_code, blob.sha256);
        let bytes = self.signed_in_get(&path, None, "photo").await?;
        self.store.keep_downloaded_blob(profile, blob, &bytes)?;
        Ok(bytes)
    }

    /// Every version the server kept of one edited document, oldest first (for its history:
    /// versions written on devices this one never heard from). What the history uses of each:
    /// its version, whether it deleted the document, and its payload.
    pub async fn fetch_versions(&self, profile: &Profile, entity: &Entity, id: &str) -> Result<Vec<RecordVersion>> {
        let query = [("patient", profile.hm_code.to_string()), ("entity", entity.to_string()), ("id", id.to_owned())];
        let bytes = self.signed_in_get("/v1/sync/versions", Some(&query), "document").await?;
        let incomplete = || Error::Network { reason: "incomplete answer".into() };
        let mut answer: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| incomplete())?;
        // Read as a JSON value, for the fields the history uses: a derived reader for the whole
        // answer costs the phone library kilobytes.
        let serde_json::Value::Array(versions) = answer["versions"].take() else { return Err(incomplete()) };
        let mut out = Vec::with_capacity(versions.len());
        for mut v in versions {
            out.push(RecordVersion {
                version: v["version"].as_u64().ok_or_else(incomplete)?,
                deleted: v["deleted"].as_bool().unwrap_or(false),
                payload: v["payload"].take(),
                written_at: None,
                account: None,
                source: None,
            });
        }
        Ok(out)
    }

    /// A GET outside a sync run, as the signed-in account: renews the access token once if the
    /// server no longer takes it. A 404 is `NotFound { entity: missing }`.
    async fn signed_in_get(
        &self,
        path: &str,
        query: Option<&[(&str, String)]>,
        missing: &'static str,
    ) -> Result<Vec<u8>> {
        let mut renewed = false;
        loop {
            let Some(token) = self.bearer().await? else {
                return Err(Error::Auth { problem: AuthProblem::Refused, reason: "signed out; sign in again".into() });
            };
            match self.call_raw(reqwest::Method::GET, path, query, None, Some(&token)).await {
                Ok(bytes) => return Ok(bytes),
                Err(Failure::Http { status: 401, .. }) if !renewed => {
                    renewed = true;
                    *self.access.lock().await = None;
                }
                Err(Failure::Http { status: 404, .. }) => return Err(Error::NotFound { entity: missing }),
                Err(Failure::Http { status, .. }) => {
                    return Err(Error::Network { reason: format!("server answered {status}") });
                }
                Err(Failure::Network(reason)) => return Err(Error::Network { reason }),
            }
        }
    }

    async fn forget_on_401(&self, f: Failure) -> Failure {
        if matches!(f, Failure::Http { status: 401, .. }) {
            *self.access.lock().await = None;
        }
        f
    }
}

/// A request body other than JSON: an upload chunk and where it starts.
struct Body {
    content_type: &'static str,
    offset: Option<u64>,
    bytes: Vec<u8>,
}

fn techo_code(hm: &str) -> String {
    crate::domain::HmCode::parse(hm).map_or_else(|_| hm.to_owned(), |c| c.to_string())
}

fn auth_error(f: Failure) -> Error {
    match f {
        Failure::Network(reason) => Error::Network { reason },
        Failure::Http { status, code, retry_after } => {
            let (problem, reason) = match (status, code) {
                (_, Some(ErrorCode::InvalidCredentials)) => {
                    (AuthProblem::WrongCredentials, "HM code or password is not correct".into())
                }
                (_, Some(ErrorCode::InvalidActivationCode)) => (
                    AuthProblem::InvalidActivationCode,
                    "the activation code is not valid, already used, or expired".into(),
                ),
                (_, Some(ErrorCode::WeakPassword)) => {
                    (AuthProblem::WeakPassword, "the password needs at least 8 characters".into())
                }
                (429, _) | (_, Some(ErrorCode::RateLimited)) => {
                    let wait = Wait::of_seconds(retry_after.map_or(60, |d| d.as_secs()));
                    (AuthProblem::TooManyAttempts { wait }, format!("too many attempts; try again in {wait}"))
                }
                (_, Some(c)) => (AuthProblem::Refused, format!("the server refused: {c}")),
                (s, None) => (AuthProblem::Refused, format!("the server answered {s}")),
            };
            Error::Auth { problem, reason }
        }
    }
}

/// Keeps a device in sync without waiting for the next local write: runs a sync now, again
/// after `interval`, sooner (with backoff) after a failed run, and at once when woken (a new
/// local write, the network coming back, the app returning to the foreground).
pub struct SyncScheduler {
    wake: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl SyncScheduler {
    pub fn start(client: Arc<SyncClient>, interval: Duration, observer: Option<Arc<dyn SyncObserver>>) -> Self {
        let wake = Arc::new(tokio::sync::Notify::new());
        let waker = wake.clone();
        let task = tokio::spawn(async move {
            let mut failures: u32 = 0;
            loop {
                let ok = matches!(client.sync_now(observer.clone()).await, Ok(r) if r.outcome == super::SyncOutcome::Complete);
                failures = if ok { 0 } else { failures.saturating_add(1) };
                let retry = client.config.retry.base.saturating_mul(1 << failures.min(10)).min(client.config.retry.max);
                let delay = if ok { interval } else { retry.min(interval) };
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = waker.notified() => {}
                }
            }
        });
        Self { wake, task }
    }

    /// Sync soon: something changed locally, or connectivity returned.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops after the current step; a run in progress finishes its transaction first.
    pub fn stop(self) {
        self.task.abort();
    }
}
