//! A small fault-injecting HTTP/1.1 proxy for sync tests (S3).
//!
//! It listens on 127.0.0.1 (ephemeral port) and forwards to one upstream address, normally a
//! [`crate::harness::TestServer`]. It understands just enough HTTP/1.1 framing (Content-Length,
//! chunked, read-until-close) to act on each request of a keep-alive connection separately, so
//! a fault hits one request and the client's connection pool sees what a real bad network does
//! to it. For every request a seeded RNG picks an optional delay and one action:
//!
//! * forward it and relay the answer (the healthy case);
//! * reset (RST) or close (FIN) the client connection before forwarding: the server never sees
//!   the request;
//! * forward it and close the upstream connection at once without waiting: the server may or may
//!   not apply it, and the client never hears ("abandoned");
//! * forward it, wait for the server's complete answer, and then close the client connection
//!   without relaying it: the server has committed but the client never hears ("dropped
//!   response", the case idempotent push exists for);
//! * forward it and relay the head and only part of the body, then close ("truncated");
//! * answer 503, or 429 with `Retry-After: 1`, itself without forwarding.
//!
//! Each request gets a fresh upstream connection carrying `Connection: close`, so the server
//! never holds half-used keep-alive connections and an upstream problem is never mistaken for an
//! injected fault. Answers are de-chunked and re-framed with Content-Length towards the client;
//! their bodies are relayed byte for byte (a gzip answer stays gzip, so a truncated one ends
//! mid-stream). [`FaultProxy::heal`] turns every fault off; [`FaultProxy::counts`] says how often
//! each was injected, so a test can show its faults really happened; [`FaultProxy::script`]
//! dictates the next requests' fate for tests that need one exact sequence.
//!
//! Only the RNG's decisions are seeded: which request meets which decision depends on how the
//! clients' requests interleave.
//!
//! With several upstreams ([`FaultProxy::round_robin`]) it is the front of a multi-instance
//! server: each request goes to the next upstream in turn. Because every request already gets
//! its own upstream connection, a client's pooled keep-alive connection is never pinned to one
//! instance: consecutive requests on it alternate, as behind a load balancer that balances
//! requests. [`FaultCounts::by_upstream`] shows the alternation.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Larger heads or bodies than these are refused (the connection is closed): the sync protocol
/// never comes near them, and an unbounded buffer in a test helper would hide a runaway peer.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Per-request probabilities. The actions (everything but `delay`) are mutually exclusive and
/// their probabilities should add up to at most 1; the rest of the time the request is forwarded.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Chance that a request waits a uniformly random 0..=`max_delay` before being handled.
    pub delay: f64,
    pub max_delay: Duration,
    /// Close the client connection (RST or FIN, half each) before forwarding.
    pub reset: f64,
    /// Forward, then close both sides at once without waiting for the answer.
    pub abandon: f64,
    /// Forward, wait for the complete answer, then close the client connection without it.
    pub drop_response: f64,
    /// Forward, then relay the head and a random part (possibly none) of the body, then close.
    pub truncate: f64,
    /// Answer 503 without forwarding.
    pub unavailable: f64,
    /// Answer 429 with `Retry-After: 1` without forwarding.
    pub rate_limited: f64,
}

impl FaultConfig {
    /// A transparent proxy.
    pub fn none() -> Self {
        Self {
            delay: 0.0,
            max_delay: Duration::ZERO,
            reset: 0.0,
            abandon: 0.0,
            drop_response: 0.0,
            truncate: 0.0,
            unavailable: 0.0,
            rate_limited: 0.0,
        }
    }

    /// A bad mobile network: about a third of requests fail one way or another. The 429 share is
    /// small because each one costs the client a full second.
    pub fn flaky() -> Self {
        Self {
            delay: 0.3,
            max_delay: Duration::from_millis(80),
            reset: 0.06,
            abandon: 0.04,
            drop_response: 0.08,
            truncate: 0.07,
            unavailable: 0.05,
            rate_limited: 0.025,
        }
    }
}

/// How many times each thing happened since the proxy started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Requests read from clients.
    pub requests: u64,
    /// Answers relayed complete.
    pub forwarded: u64,
    pub delayed: u64,
    pub resets: u64,
    pub abandoned: u64,
    pub dropped_responses: u64,
    pub truncated: u64,
    pub unavailable: u64,
    pub rate_limited: u64,
    /// The upstream could not be reached or answered unreadably (not injected: a real problem).
    pub upstream_errors: u64,
    /// Upstream answers that were chunked, or compressed (the client asks for gzip):
    /// informational, the proxy de-chunks the first and passes the second through.
    pub upstream_chunked: u64,
    pub upstream_encoded: u64,
    /// Requests read from clients per path (query left out), to see which endpoints met faults.
    pub by_path: BTreeMap<String, u64>,
    /// Per path, answers the server gave that the client never got whole (dropped or
    /// truncated): the cases where the server acted and the client must not act twice.
    pub lost_answers_by_path: BTreeMap<String, u64>,
    /// Statuses of the upstream's answers, whether or not the client got them.
    pub upstream_statuses: BTreeMap<u16, u64>,
    /// Requests sent to each upstream, in the order they were given.
    pub by_upstream: Vec<u64>,
}

impl FaultCounts {
    /// The injected fault kinds that have not happened yet.
    pub fn missing_faults(&self) -> Vec<&'static str> {
        [
            ("delayed", self.delayed),
            ("resets", self.resets),
            ("abandoned", self.abandoned),
            ("dropped_responses", self.dropped_responses),
            ("truncated", self.truncated),
            ("unavailable", self.unavailable),
            ("rate_limited", self.rate_limited),
        ]
        .into_iter()
        .filter(|(_, n)| *n == 0)
        .map(|(name, _)| name)
        .collect()
    }
}

impl fmt::Display for FaultCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "requests={} forwarded={} delayed={} resets={} abandoned={} dropped_responses={} truncated={} \
             503={} 429={} upstream_errors={} upstream_chunked={} upstream_encoded={}",
            self.requests,
            self.forwarded,
            self.delayed,
            self.resets,
            self.abandoned,
            self.dropped_responses,
            self.truncated,
            self.unavailable,
            self.rate_limited,
            self.upstream_errors,
            self.upstream_chunked,
            self.upstream_encoded
        )?;
        for (path, n) in &self.by_path {
            let lost = self.lost_answers_by_path.get(path).copied().unwrap_or(0);
            write!(f, " {path}={n}(lost answers {lost})")?;
        }
        for (status, n) in &self.upstream_statuses {
            write!(f, " upstream_{status}={n}")?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    forwarded: AtomicU64,
    delayed: AtomicU64,
    resets: AtomicU64,
    abandoned: AtomicU64,
    dropped_responses: AtomicU64,
    truncated: AtomicU64,
    unavailable: AtomicU64,
    rate_limited: AtomicU64,
    upstream_errors: AtomicU64,
    upstream_chunked: AtomicU64,
    upstream_encoded: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// One fault, for [`FaultProxy::script`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// An RST before forwarding.
    Reset,
    Abandon,
    DropResponse,
    /// Half the body.
    Truncate,
    Unavailable,
    RateLimited,
}

struct Dice {
    config: FaultConfig,
    rng: StdRng,
    /// Decisions for the next requests, taken before any dice are rolled.
    script: VecDeque<Action>,
}

struct Shared {
    upstreams: Vec<SocketAddr>,
    /// How many requests went to each of `upstreams`; the next goes to the least recent in turn.
    sent: Vec<AtomicU64>,
    turn: AtomicUsize,
    dice: Mutex<Dice>,
    counters: Counters,
    by_path: Mutex<BTreeMap<String, u64>>,
    lost_by_path: Mutex<BTreeMap<String, u64>>,
    statuses: Mutex<BTreeMap<u16, u64>>,
    in_flight: AtomicUsize,
}

impl Shared {
    fn new(upstreams: Vec<SocketAddr>, config: FaultConfig, seed: u64) -> Self {
        Self {
            sent: upstreams.iter().map(|_| AtomicU64::new(0)).collect(),
            upstreams,
            turn: AtomicUsize::new(0),
            dice: Mutex::new(Dice { config, rng: StdRng::seed_from_u64(seed), script: VecDeque::new() }),
            counters: Counters::default(),
            by_path: Mutex::new(BTreeMap::new()),
            lost_by_path: Mutex::new(BTreeMap::new()),
            statuses: Mutex::new(BTreeMap::new()),
            in_flight: AtomicUsize::new(0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    Forward,
    Reset {
        rst: bool,
    },
    Abandon,
    DropResponse,
    /// Relay this fraction of the body.
    Truncate(f64),
    Status503,
    Status429,
}

struct Plan {
    delay: Option<Duration>,
    action: Action,
}

impl Shared {
    /// Where the next request goes: the upstreams in turn.
    fn upstream(&self) -> SocketAddr {
        let i = self.turn.fetch_add(1, Ordering::Relaxed) % self.upstreams.len();
        bump(&self.sent[i]);
        self.upstreams[i]
    }

    fn plan(&self) -> Plan {
        let mut dice = self.dice.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(action) = dice.script.pop_front() {
            return Plan { delay: None, action };
        }
        let Dice { config, rng, .. } = &mut *dice;
        // Always draw the same values, so one request's decision does not shift the next one's.
        let delay_roll: f64 = rng.random();
        let delay_ms = rng.random_range(0..=config.max_delay.as_millis().min(u128::from(u64::MAX)) as u64);
        let roll: f64 = rng.random();
        let fraction: f64 = rng.random();
        let rst: bool = rng.random();
        let delay = (delay_roll < config.delay).then(|| Duration::from_millis(delay_ms));
        let choices = [
            (config.reset, Action::Reset { rst }),
            (config.abandon, Action::Abandon),
            (config.drop_response, Action::DropResponse),
            (config.truncate, Action::Truncate(fraction)),
            (config.unavailable, Action::Status503),
            (config.rate_limited, Action::Status429),
        ];
        let mut threshold = 0.0;
        let mut action = Action::Forward;
        for (p, a) in choices {
            threshold += p.max(0.0);
            if roll < threshold {
                action = a;
                break;
            }
        }
        Plan { delay, action }
    }
}

/// Counts a request as in flight until dropped, however its handling ends.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Self(n)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct FaultProxy {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:<port>`, to give to clients instead of the server's URL.
    pub url: String,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a transparent proxy to `upstream` on the current tokio runtime; faults are off
    /// until [`FaultProxy::set_faults`].
    pub async fn start(upstream: SocketAddr, seed: u64) -> io::Result<Self> {
        Self::round_robin("127.0.0.1:0", vec![upstream], seed).await
    }

    /// Starts a transparent front on `bind` that sends each request to the next of `upstreams`
    /// in turn (see the module doc); faults are off until [`FaultProxy::set_faults`].
    pub async fn round_robin(bind: &str, upstreams: Vec<SocketAddr>, seed: u64) -> io::Result<Self> {
        assert!(!upstreams.is_empty(), "a proxy needs an upstream");
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(upstreams, FaultConfig::none(), seed));
        let accept = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(Self { addr, url: format!("http://{addr}"), shared, accept })
    }

    pub fn set_faults(&self, config: FaultConfig) {
        self.shared.dice.lock().unwrap_or_else(PoisonError::into_inner).config = config;
    }

    /// Turns every fault off (scripted ones too); requests already being handled finish as
    /// planned.
    pub fn heal(&self) {
        let mut dice = self.shared.dice.lock().unwrap_or_else(PoisonError::into_inner);
        dice.config = FaultConfig::none();
        dice.script.clear();
    }

    /// Decides what happens to the next requests, in arrival order (`None`: forward untouched),
    /// for tests that need one exact sequence; after them the configured odds apply again.
    pub fn script(&self, faults: impl IntoIterator<Item = Option<Fault>>) {
        let mut dice = self.shared.dice.lock().unwrap_or_else(PoisonError::into_inner);
        dice.script.extend(faults.into_iter().map(|f| match f {
            None => Action::Forward,
            Some(Fault::Reset) => Action::Reset { rst: true },
            Some(Fault::Abandon) => Action::Abandon,
            Some(Fault::DropResponse) => Action::DropResponse,
            Some(Fault::Truncate) => Action::Truncate(0.5),
            Some(Fault::Unavailable) => Action::Status503,
            Some(Fault::RateLimited) => Action::Status429,
        }));
    }

    /// Requests read from a client whose handling has not finished.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// Waits until no request is being handled, or `timeout` passes; `true` when quiet.
    pub async fn quiesce(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.in_flight() > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    pub fn counts(&self) -> FaultCounts {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        FaultCounts {
            requests: get(&c.requests),
            forwarded: get(&c.forwarded),
            delayed: get(&c.delayed),
            resets: get(&c.resets),
            abandoned: get(&c.abandoned),
            dropped_responses: get(&c.dropped_responses),
            truncated: get(&c.truncated),
            unavailable: get(&c.unavailable),
            rate_limited: get(&c.rate_limited),
            upstream_errors: get(&c.upstream_errors),
            upstream_chunked: get(&c.upstream_chunked),
            upstream_encoded: get(&c.upstream_encoded),
            by_path: self.shared.by_path.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            lost_answers_by_path: self.shared.lost_by_path.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            upstream_statuses: self.shared.statuses.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            by_upstream: self.shared.sent.iter().map(get).collect(),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // The accept task owns the connection tasks: aborting it drops (and so aborts) them too.
        self.accept.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Small requests and answers: waiting to coalesce them only adds latency.
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve_client(stream, shared.clone()));
                }
                // Running out of descriptors or similar: let it pass rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            // Reap finished connections so the set does not grow for the whole test.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Handles one client connection, request by request, until either side closes it or a fault
/// closes it.
async fn serve_client(stream: TcpStream, shared: Arc<Shared>) {
    let mut client = Framed::new(stream);
    loop {
        let head = match client.read_head().await {
            Ok(Some(h)) => h,
            // A clean close between requests, or garbage: either way this connection is done.
            Ok(None) | Err(_) => return,
        };
        let _busy = InFlight::new(&shared.in_flight);
        bump(&shared.counters.requests);
        let path = head.target().split('?').next().unwrap_or("").to_owned();
        *shared.by_path.lock().unwrap_or_else(PoisonError::into_inner).entry(path.clone()).or_default() += 1;
        let Ok(framing) = request_framing(&head) else { return };
        let Ok(body) = client.read_body(framing).await else { return };
        let request = Message { head, body };
        let plan = shared.plan();
        if let Some(d) = plan.delay {
            bump(&shared.counters.delayed);
            tokio::time::sleep(d).await;
        }
        let client_wants_close = request.head.has_token("connection", "close");
        match plan.action {
            Action::Reset { rst } => {
                bump(&shared.counters.resets);
                if rst {
                    // An abortive close: the client sees ECONNRESET rather than an orderly EOF.
                    let _ = client.stream.set_zero_linger();
                } else {
                    let _ = client.stream.shutdown().await;
                }
                return;
            }
            Action::Status503 => {
                bump(&shared.counters.unavailable);
                let body = br#"{"code":"unavailable","message":"injected by the fault proxy"}"#;
                if reply(&mut client, "503 Service Unavailable", &[], body, client_wants_close).await.is_err() {
                    return;
                }
            }
            Action::Status429 => {
                bump(&shared.counters.rate_limited);
                let body = br#"{"code":"rate_limited","message":"injected by the fault proxy"}"#;
                if reply(&mut client, "429 Too Many Requests", &[("Retry-After", "1")], body, client_wants_close)
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Action::Abandon => {
                if send_upstream(shared.upstream(), &request).await.is_err() {
                    bump(&shared.counters.upstream_errors);
                } else {
                    bump(&shared.counters.abandoned);
                }
                // Dropping both streams here closes them while the server may still be working.
                return;
            }
            Action::Forward | Action::DropResponse | Action::Truncate(_) => {
                let (status, response) = match exchange(shared.upstream(), &request, &shared.counters).await {
                    Ok(r) => r,
                    Err(_) => {
                        bump(&shared.counters.upstream_errors);
                        return;
                    }
                };
                *shared.statuses.lock().unwrap_or_else(PoisonError::into_inner).entry(status).or_default() += 1;
                let mut action = plan.action;
                if matches!(action, Action::Truncate(_)) && response.body.is_empty() {
                    // Nothing to cut: losing the whole answer is the closest fault.
                    action = Action::DropResponse;
                }
                if matches!(action, Action::DropResponse | Action::Truncate(_)) {
                    *shared.lost_by_path.lock().unwrap_or_else(PoisonError::into_inner).entry(path).or_default() += 1;
                }
                match action {
                    Action::DropResponse => {
                        bump(&shared.counters.dropped_responses);
                        return;
                    }
                    Action::Truncate(fraction) => {
                        bump(&shared.counters.truncated);
                        // Strictly less than the whole body, so the client always notices.
                        let keep = ((response.body.len() as f64 * fraction) as usize).min(response.body.len() - 1);
                        let bytes = encode_response(&response, false);
                        let cut = bytes.len() - response.body.len() + keep;
                        let _ = client.stream.write_all(&bytes[..cut]).await;
                        let _ = client.stream.flush().await;
                        return;
                    }
                    _ => {
                        let bytes = encode_response(&response, client_wants_close);
                        if client.stream.write_all(&bytes).await.is_err() {
                            return;
                        }
                        bump(&shared.counters.forwarded);
                    }
                }
            }
        }
        if client_wants_close {
            let _ = client.stream.shutdown().await;
            return;
        }
    }
}

/// Answers a request from the proxy itself; the connection stays usable.
async fn reply(
    client: &mut Framed<TcpStream>,
    status: &str,
    extra: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in extra {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if close {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    client.stream.write_all(&bytes).await
}

async fn connect_upstream(upstream: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(upstream).await?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Sends `request` on a new upstream connection and returns that connection.
async fn send_upstream(upstream: SocketAddr, request: &Message) -> io::Result<TcpStream> {
    let mut stream = connect_upstream(upstream).await?;
    stream.write_all(&encode_request(request)).await?;
    stream.flush().await?;
    Ok(stream)
}

/// One request and its complete answer (and the answer's status) over a new upstream connection.
async fn exchange(upstream: SocketAddr, request: &Message, counters: &Counters) -> io::Result<(u16, Message)> {
    let mut server = Framed::new(send_upstream(upstream, request).await?);
    let head_request = request.head.method().eq_ignore_ascii_case("HEAD");
    loop {
        let head = server
            .read_head()
            .await?
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "upstream closed without answering"))?;
        let status = head.status()?;
        if (100..200).contains(&status) {
            // An interim answer (100 Continue): the real one follows.
            continue;
        }
        if head.has_token("transfer-encoding", "chunked") {
            bump(&counters.upstream_chunked);
        }
        if head.header("content-encoding").is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity")) {
            bump(&counters.upstream_encoded);
        }
        let body = server.read_body(response_framing(&head, status, head_request)?).await?;
        return Ok((status, Message { head, body }));
    }
}

/// A start line and headers, as received.
struct Head {
    start: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Whether a comma-separated header (Connection, Transfer-Encoding) lists `token`.
    fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    fn method(&self) -> &str {
        self.start.split(' ').next().unwrap_or("")
    }

    fn target(&self) -> &str {
        self.start.split(' ').nth(1).unwrap_or("")
    }

    fn status(&self) -> io::Result<u16> {
        self.start.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| invalid("bad status line"))
    }

    fn content_length(&self) -> io::Result<Option<usize>> {
        self.header("content-length").map(|v| v.trim().parse().map_err(|_| invalid("bad Content-Length"))).transpose()
    }

    /// The headers that describe the message itself, without those about this hop's connection
    /// and framing (which the proxy sets for each hop).
    fn end_to_end(&self) -> impl Iterator<Item = &(String, String)> {
        const HOP: [&str; 8] = [
            "connection",
            "keep-alive",
            "proxy-connection",
            "te",
            "trailer",
            "transfer-encoding",
            "upgrade",
            "content-length",
        ];
        self.headers.iter().filter(|(n, _)| !HOP.iter().any(|h| n.eq_ignore_ascii_case(h)))
    }
}

struct Message {
    head: Head,
    body: Vec<u8>,
}

enum Framing {
    Empty,
    Length(usize),
    Chunked,
    UntilClose,
}

fn request_framing(head: &Head) -> io::Result<Framing> {
    if head.has_token("transfer-encoding", "chunked") {
        return Ok(Framing::Chunked);
    }
    Ok(head.content_length()?.map_or(Framing::Empty, Framing::Length))
}

fn response_framing(head: &Head, status: u16, head_request: bool) -> io::Result<Framing> {
    if head_request || status == 204 || status == 304 {
        return Ok(Framing::Empty);
    }
    if head.has_token("transfer-encoding", "chunked") {
        return Ok(Framing::Chunked);
    }
    Ok(head.content_length()?.map_or(Framing::UntilClose, Framing::Length))
}

fn encode_request(m: &Message) -> Vec<u8> {
    let mut out = format!("{}\r\n", m.head.start);
    for (name, value) in m.head.end_to_end() {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    // Always framed by length (a GET with an empty body too: harmless and unambiguous).
    out.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", m.body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&m.body);
    bytes
}

fn encode_response(m: &Message, close: bool) -> Vec<u8> {
    let mut out = format!("{}\r\n", m.head.start);
    for (name, value) in m.head.end_to_end() {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n", m.body.len()));
    if close {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&m.body);
    bytes
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A stream and the bytes read from it but not yet consumed (the start of the next message on
/// a keep-alive connection can arrive with the end of the current one).
struct Framed<S> {
    stream: S,
    buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Framed<S> {
    fn new(stream: S) -> Self {
        Self { stream, buf: Vec::new() }
    }

    /// Reads more bytes into the buffer; `false` at end of stream.
    async fn fill(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// The next message's head; `None` when the peer closed cleanly before sending one.
    async fn read_head(&mut self) -> io::Result<Option<Head>> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let raw: Vec<u8> = self.buf.drain(..end + 4).collect();
                return parse_head(&raw[..end]).map(Some);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(invalid("head too large"));
            }
            if !self.fill().await? {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed inside a head"))
                };
            }
        }
    }

    async fn take(&mut self, n: usize) -> io::Result<Vec<u8>> {
        if n > MAX_BODY {
            return Err(invalid("body too large"));
        }
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed inside a body"));
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    async fn read_line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..end + 2).take(end).collect();
                return Ok(line);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(invalid("line too long"));
            }
            if !self.fill().await? {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed inside a line"));
            }
        }
    }

    async fn read_body(&mut self, framing: Framing) -> io::Result<Vec<u8>> {
        match framing {
            Framing::Empty => Ok(Vec::new()),
            Framing::Length(n) => self.take(n).await,
            Framing::Chunked => {
                let mut body = Vec::new();
                loop {
                    let line = self.read_line().await?;
                    let text = std::str::from_utf8(&line).map_err(|_| invalid("bad chunk size"))?;
                    let size_hex = text.split(';').next().unwrap_or("").trim();
                    let size = usize::from_str_radix(size_hex, 16).map_err(|_| invalid("bad chunk size"))?;
                    if size == 0 {
                        // Trailers (ignored) up to the empty line that ends the message.
                        while !self.read_line().await?.is_empty() {}
                        return Ok(body);
                    }
                    if body.len() + size > MAX_BODY {
                        return Err(invalid("body too large"));
                    }
                    body.extend(self.take(size).await?);
                    if !self.read_line().await?.is_empty() {
                        return Err(invalid("chunk not followed by CRLF"));
                    }
                }
            }
            Framing::UntilClose => {
                while self.fill().await? {
                    if self.buf.len() > MAX_BODY {
                        return Err(invalid("body too large"));
                    }
                }
                Ok(std::mem::take(&mut self.buf))
            }
        }
    }
}

fn parse_head(raw: &[u8]) -> io::Result<Head> {
    let text = std::str::from_utf8(raw).map_err(|_| invalid("head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let start = lines.next().unwrap_or("").to_owned();
    if start.split(' ').count() < 2 {
        return Err(invalid("bad start line"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':').ok_or_else(|| invalid("bad header line"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    Ok(Head { start, headers })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn framed(bytes: &[u8]) -> Framed<tokio::io::DuplexStream> {
        let (mut a, b) = tokio::io::duplex(1 << 20);
        a.write_all(bytes).await.expect("write");
        drop(a);
        Framed::new(b)
    }

    #[tokio::test]
    async fn reads_keep_alive_requests_and_chunked_answers() {
        let mut f =
            framed(b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
                .await;
        let h = f.read_head().await.expect("read").expect("head");
        assert_eq!(h.method(), "POST");
        assert_eq!(f.read_body(request_framing(&h).expect("framing")).await.expect("body"), b"abc");
        let h = f.read_head().await.expect("read").expect("head");
        assert_eq!(h.method(), "GET");
        assert!(f.read_body(request_framing(&h).expect("framing")).await.expect("body").is_empty());
        assert!(f.read_head().await.expect("read").is_none());

        let mut f = framed(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n",
        )
        .await;
        let h = f.read_head().await.expect("read").expect("head");
        let body = f
            .read_body(response_framing(&h, h.status().expect("status"), false).expect("framing"))
            .await
            .expect("body");
        assert_eq!(body, b"abcde");
        let out = String::from_utf8(encode_response(&Message { head: h, body }, false)).expect("utf8");
        assert!(out.contains("Content-Length: 5\r\n") && !out.to_ascii_lowercase().contains("chunked"), "{out}");
    }

    /// A stand-in server: answers every request with a chunked "hello", then closes.
    async fn hello_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut f = Framed::new(stream);
                    let Ok(Some(h)) = f.read_head().await else { return };
                    let Ok(framing) = request_framing(&h) else { return };
                    if f.read_body(framing).await.is_err() {
                        return;
                    }
                    let answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
                    let _ = f.stream.write_all(answer).await;
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn each_scripted_fault_reaches_the_client_as_it_should() {
        let proxy = FaultProxy::start(hello_server().await, 1).await.expect("proxy");
        proxy.script([
            None,
            Some(Fault::Reset),
            Some(Fault::Abandon),
            Some(Fault::DropResponse),
            Some(Fault::Truncate),
            Some(Fault::Unavailable),
            Some(Fault::RateLimited),
        ]);
        let http = crate::harness::http();
        let url = format!("{}/x", proxy.url);
        let body = |r: reqwest::Response| async move { r.bytes().await.map(|b| b.to_vec()) };
        let ok = http.post(&url).body("ping").send().await.expect("forwarded");
        assert_eq!(body(ok).await.expect("whole body"), b"hello");
        for fault in ["reset", "abandon", "drop"] {
            assert!(http.post(&url).body("ping").send().await.is_err(), "{fault}");
        }
        let cut = http.get(&url).send().await.expect("head arrives");
        assert!(body(cut).await.is_err(), "a truncated body must not read as complete");
        assert_eq!(http.get(&url).send().await.expect("503").status(), 503);
        let limited = http.get(&url).send().await.expect("429");
        assert_eq!((limited.status().as_u16(), limited.headers()["retry-after"].to_str().ok()), (429, Some("1")));
        // The script is used up: forwarding again, over whatever connection the pool kept.
        let ok = http.get(&url).send().await.expect("forwarded");
        assert_eq!(body(ok).await.expect("whole body"), b"hello");
        let c = proxy.counts();
        assert!(c.missing_faults() == ["delayed"], "{c}");
        assert_eq!((c.requests, c.forwarded, c.upstream_chunked, c.upstream_errors), (8, 2, 4, 0), "{c}");
    }

    #[test]
    fn plans_follow_the_configured_shares() {
        let shared = Shared::new(vec!["127.0.0.1:9".parse().expect("addr")], FaultConfig::flaky(), 7);
        let n = 20_000;
        let forwarded = (0..n).filter(|_| shared.plan().action == Action::Forward).count();
        let c = FaultConfig::flaky();
        let expected = 1.0 - (c.reset + c.abandon + c.drop_response + c.truncate + c.unavailable + c.rate_limited);
        assert!(((forwarded as f64 / n as f64) - expected).abs() < 0.02, "{forwarded} of {n}");
        shared.dice.lock().expect("lock").config = FaultConfig::none();
        assert!((0..1000).all(|_| {
            let p = shared.plan();
            p.action == Action::Forward && p.delay.is_none()
        }));
    }
}
