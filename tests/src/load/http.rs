//! One request at a time against the server (or several servers: requests go to each in turn,
//! as behind a load balancer), timed into [`Stats`] under the operation's name. No retries here:
//! the device decides what a failure means ([`crate::load::device`]).

use crate::load::stats::{Stats, http_err};
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use techo_protocol::auth::{LoginRequest, RefreshRequest, Tokens};
use techo_protocol::pharmacy::PharmacySubmission;
use techo_protocol::sync::{PullResponse, PushRequest, PushResponse};
use techo_protocol::uploads::{CHUNK_CONTENT_TYPE, UPLOAD_OFFSET_HEADER, UploadStart, UploadState};

/// A request that got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No answer, or a cut-off one.
    Network(String),
    /// The server answered with an error status (and its typed code, when it sent one).
    Http { status: u16, code: Option<String>, retry_after: Option<u64> },
}

impl Failure {
    /// Worth sending again unchanged: the network, an overloaded or restarting server.
    pub fn transient(&self) -> bool {
        match self {
            Self::Network(_) => true,
            Self::Http { status, .. } => *status == 429 || *status >= 500,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Network(_) => None,
            Self::Http { status, .. } => Some(*status),
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Http { code: Some(c), .. } => Some(c),
            _ => None,
        }
    }

    /// How long the server asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http { retry_after: Some(s), .. } => Some(Duration::from_secs(*s)),
            _ => None,
        }
    }

    fn kind(&self) -> String {
        match self {
            Self::Network(k) => k.clone(),
            Self::Http { status, code: Some(c), .. } => format!("HTTP {status} {c}"),
            Self::Http { status, .. } => format!("HTTP {status}"),
        }
    }
}

/// The server URLs a run spreads its requests over.
pub struct Servers {
    urls: Vec<String>,
    next: AtomicUsize,
}

impl Servers {
    pub fn new(urls: Vec<String>) -> Self {
        assert!(!urls.is_empty(), "at least one server");
        Self { urls: urls.into_iter().map(|u| u.trim_end_matches('/').to_owned()).collect(), next: AtomicUsize::new(0) }
    }

    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    fn pick(&self) -> &str {
        &self.urls[self.next.fetch_add(1, Ordering::Relaxed) % self.urls.len()]
    }
}

/// What a request needs besides its path: its body, and the bearer token.
pub struct Client {
    pub http: reqwest::Client,
    pub servers: Servers,
    pub timeout: Duration,
}

/// One request: what it does, where, and as whom.
struct Req<'a> {
    op: &'static str,
    method: reqwest::Method,
    path: &'a str,
    query: &'a [(&'a str, String)],
    body: Body,
    bearer: Option<&'a str>,
}

enum Body {
    None,
    Json(Vec<u8>),
    Chunk(u64, Vec<u8>),
    Jahis(Vec<u8>),
}

impl Client {
    async fn call(&self, stats: &mut Stats, r: Req<'_>) -> Result<Vec<u8>, Failure> {
        let Req { op, method, path, query, body, bearer } = r;
        let mut req = self.http.request(method, format!("{}{path}", self.servers.pick())).timeout(self.timeout);
        if !query.is_empty() {
            req = req.query(query);
        }
        req = match body {
            Body::None => req,
            Body::Json(b) => req.header(CONTENT_TYPE, "application/json").body(b),
            Body::Chunk(offset, b) => {
                req.header(CONTENT_TYPE, CHUNK_CONTENT_TYPE).header(UPLOAD_OFFSET_HEADER, offset.to_string()).body(b)
            }
            Body::Jahis(b) => req.header(CONTENT_TYPE, "application/octet-stream").body(b),
        };
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        let t = Instant::now();
        let result = async {
            let resp = req.send().await.map_err(|e| Failure::Network(http_err(&e)))?;
            let status = resp.status();
            let retry_after =
                resp.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
            let bytes = resp.bytes().await.map_err(|e| Failure::Network(http_err(&e)))?;
            if status.is_success() {
                return Ok(bytes.to_vec());
            }
            let code = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v["code"].as_str().map(str::to_owned));
            Err(Failure::Http { status: status.as_u16(), code, retry_after })
        }
        .await;
        match &result {
            Ok(_) => stats.ok(op, t.elapsed().as_micros() as u64),
            Err(f) => stats.failed(op, f.kind()),
        }
        result
    }

    async fn json<T: serde::de::DeserializeOwned>(&self, stats: &mut Stats, r: Req<'_>) -> Result<T, Failure> {
        let bytes = self.call(stats, r).await?;
        // A success with a cut-off body is a network failure, as the phone reads it.
        serde_json::from_slice(&bytes).map_err(|_| Failure::Network("incomplete answer".into()))
    }

    pub async fn login(&self, stats: &mut Stats, hm: &str, password: &str, device_id: &str) -> Result<Tokens, Failure> {
        let body = LoginRequest {
            hm_code: hm.into(),
            password: password.into(),
            device_id: device_id.into(),
            device_name: Some("load generator".into()),
        };
        let body = Body::Json(serde_json::to_vec(&body).unwrap_or_default());
        self.json(
            stats,
            Req { op: "login", method: reqwest::Method::POST, path: "/v1/auth/login", query: &[], body, bearer: None },
        )
        .await
    }

    pub async fn refresh(&self, stats: &mut Stats, refresh_token: &str, device_id: &str) -> Result<Tokens, Failure> {
        let body = RefreshRequest { refresh_token: refresh_token.into(), device_id: device_id.into() };
        let body = Body::Json(serde_json::to_vec(&body).unwrap_or_default());
        self.json(
            stats,
            Req {
                op: "refresh",
                method: reqwest::Method::POST,
                path: "/v1/auth/refresh",
                query: &[],
                body,
                bearer: None,
            },
        )
        .await
    }

    pub async fn push(&self, stats: &mut Stats, token: &str, req: &PushRequest) -> Result<PushResponse, Failure> {
        let body = Body::Json(serde_json::to_vec(req).unwrap_or_default());
        self.json(
            stats,
            Req {
                op: "push",
                method: reqwest::Method::POST,
                path: "/v1/sync/push",
                query: &[],
                body,
                bearer: Some(token),
            },
        )
        .await
    }

    pub async fn pull(
        &self,
        stats: &mut Stats,
        token: &str,
        patient: &str,
        cursor: Option<&str>,
        limit: u32,
        replica: Option<&str>,
    ) -> Result<PullResponse, Failure> {
        let mut query = vec![("patient", patient.to_owned()), ("limit", limit.to_string())];
        if let Some(c) = cursor {
            query.push(("cursor", c.to_owned()));
        }
        if let Some(r) = replica {
            query.push(("replica", r.to_owned()));
        }
        self.json(
            stats,
            Req {
                op: "pull",
                method: reqwest::Method::GET,
                path: "/v1/sync/pull",
                query: &query,
                body: Body::None,
                bearer: Some(token),
            },
        )
        .await
    }

    pub async fn upload_start(
        &self,
        stats: &mut Stats,
        token: &str,
        start: &UploadStart,
    ) -> Result<UploadState, Failure> {
        let body = Body::Json(serde_json::to_vec(start).unwrap_or_default());
        self.json(
            stats,
            Req {
                op: "upload start",
                method: reqwest::Method::POST,
                path: "/v1/uploads",
                query: &[],
                body,
                bearer: Some(token),
            },
        )
        .await
    }

    pub async fn upload_chunk(
        &self,
        stats: &mut Stats,
        token: &str,
        upload_id: &str,
        offset: u64,
        bytes: Vec<u8>,
    ) -> Result<UploadState, Failure> {
        let path = format!("/v1/uploads/{upload_id}");
        self.json(
            stats,
            Req {
                op: "upload chunk",
                method: reqwest::Method::PATCH,
                path: &path,
                query: &[],
                body: Body::Chunk(offset, bytes),
                bearer: Some(token),
            },
        )
        .await
    }

    pub async fn upload_status(&self, stats: &mut Stats, token: &str, upload_id: &str) -> Result<UploadState, Failure> {
        let path = format!("/v1/uploads/{upload_id}");
        self.json(
            stats,
            Req {
                op: "upload status",
                method: reqwest::Method::GET,
                path: &path,
                query: &[],
                body: Body::None,
                bearer: Some(token),
            },
        )
        .await
    }

    pub async fn pharmacy_submit(
        &self,
        stats: &mut Stats,
        credential: &str,
        patient: &str,
        jahis: Vec<u8>,
    ) -> Result<PharmacySubmission, Failure> {
        let query = [("patient", patient.to_owned())];
        self.json(
            stats,
            Req {
                op: "pharmacy submit",
                method: reqwest::Method::POST,
                path: "/v1/pharmacy/medications",
                query: &query,
                body: Body::Jahis(jahis),
                bearer: Some(credential),
            },
        )
        .await
    }
}
