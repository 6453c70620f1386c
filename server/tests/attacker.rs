//! The attacker suite: the probes of issue 10, replayed against the demo server (`--demo`'s
//! residents and readings) on 127.0.0.1 with an ephemeral port, over real HTTP and real parallel
//! connections. Each test is one weakness the probes found, and what must hold instead.

use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use techo_protocol::{PROTOCOL_VERSION, SCHEMA_VERSION};
use techo_server::state::{Limits, SharedState};
use techo_server::storage::scratch::{TestStore, off_runtime};
use techo_server::storage::{AccountStore, Storage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const OWNER: (&str, &str) = ("DEMO0001", "kenko-demo-1");
const OTHER: (&str, &str) = ("DEMO0002", "kenko-demo-2");
const NOT_ACTIVATED: &str = "DEMO0003";

struct Demo {
    url: String,
    addr: SocketAddr,
    state: SharedState,
    storage: Arc<dyn Storage>,
    /// SQLite in `dir`, or PostgreSQL with TECHO_TEST_SERVER_BACKEND=postgres (scripts/test.sh
    /// runs this suite both ways: the sign-in counters and token families are the database's).
    store: Arc<TestStore>,
    dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Demo {
    async fn start(limits: Limits) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(TestStore::open(dir.path()));
        off_runtime(|| techo_server::demo::seed(store.storage.as_ref())).unwrap();
        Self::serve(dir, store, limits).await
    }

    async fn serve(dir: tempfile::TempDir, store: Arc<TestStore>, limits: Limits) -> Self {
        let storage = store.storage.clone();
        let secret = off_runtime(|| techo_server::token_secret(dir.path(), storage.as_ref())).unwrap();
        let state = techo_server::app_state(storage.clone(), secret, limits);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(techo_server::serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        Self { url: format!("http://{addr}"), addr, state, storage, store, dir, stop: Some(stop) }
    }

    /// The same data directory served again (as after a restart).
    async fn restart(mut self, limits: Limits) -> Self {
        let _ = self.stop.take().map(|s| s.send(()));
        Self::serve(self.dir, self.store, limits).await
    }
}

fn client_from(ip: &str) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().local_address(ip.parse::<IpAddr>().unwrap()).build().unwrap()
}

fn client() -> reqwest::Client {
    client_from("127.0.0.1")
}

async fn post(c: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let r = c.post(url).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn login(d: &Demo, c: &reqwest::Client, who: (&str, &str), device: &str) -> (u16, Value) {
    post(c, format!("{}/v1/auth/login", d.url), json!({"hm_code": who.0, "password": who.1, "device_id": device})).await
}

async fn signed_in(d: &Demo, who: (&str, &str), device: &str) -> Value {
    let (status, tokens) = login(d, &client(), who, device).await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

async fn refresh(d: &Demo, token: &Value, device: &str) -> (u16, Value) {
    post(&client(), format!("{}/v1/auth/refresh", d.url), json!({"refresh_token": token, "device_id": device})).await
}

async fn pull(d: &Demo, access: &Value, patient: &str) -> u16 {
    let t = access.as_str().unwrap();
    let r = client().get(format!("{}/v1/sync/pull", d.url)).query(&[("patient", patient)]).bearer_auth(t);
    r.send().await.unwrap().status().as_u16()
}

async fn push(d: &Demo, access: &Value, mutations: Value) -> (u16, Value) {
    let body = json!({"protocol_version": PROTOCOL_VERSION, "schema_version": SCHEMA_VERSION, "mutations": mutations});
    let r = client().post(format!("{}/v1/sync/push", d.url)).bearer_auth(access.as_str().unwrap()).json(&body);
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn reading(id: &str, patient: &str, value: Value) -> Value {
    json!({"id": id, "patient": patient, "measured_at": "2026-11-25T07:10:00+09:00", "value": value,
        "source": "self", "recorded_at": "2026-11-24T22:10:05.123+00:00", "origin_device": "probe"})
}

fn bp() -> Value {
    json!({"kind": "blood_pressure", "systolic": 120, "diastolic": 80, "context": "morning"})
}

fn create(mutation_id: &str, payload: Value) -> Value {
    let id = payload["id"].clone();
    json!({"mutation_id": mutation_id, "entity": "vital", "entity_id": id, "op": "create", "payload": payload})
}

fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

// 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stolen_refresh_token_is_detected_and_a_lost_answer_is_answered_alike() {
    let d = Demo::start(Limits::default()).await;
    let t0 = signed_in(&d, OWNER, "phone").await;
    let (s, a1) = refresh(&d, &t0["refresh_token"], "phone").await;
    assert_eq!(s, 200);
    // The answer was lost; the retry gets the very same tokens, however often, and the owner's
    // tokens keep working.
    for _ in 0..3 {
        let (s, again) = refresh(&d, &t0["refresh_token"], "phone").await;
        assert_eq!(s, 200);
        assert_eq!((&again["refresh_token"], &again["access_token"]), (&a1["refresh_token"], &a1["access_token"]));
    }
    let (s, a2) = refresh(&d, &a1["refresh_token"], "phone").await;
    assert_eq!(s, 200, "the owner is not signed out by the retries");
    assert_eq!(pull(&d, &a2["access_token"], OWNER.0).await, 200);
    // The thief replays the spent token: reuse, the device is signed out, every token revoked.
    let (s, body) = refresh(&d, &t0["refresh_token"], "phone").await;
    assert_eq!((s, body["code"].as_str()), (401, Some("invalid_refresh_token")));
    assert_eq!(pull(&d, &a2["access_token"], OWNER.0).await, 401);
    assert_eq!(refresh(&d, &a2["refresh_token"], "phone").await.0, 401);

    // A new login revokes the device's earlier tokens.
    let l1 = signed_in(&d, OWNER, "tablet").await;
    let l2 = signed_in(&d, OWNER, "tablet").await;
    assert_eq!(refresh(&d, &l1["refresh_token"], "tablet").await.0, 401);
    assert_eq!(pull(&d, &l1["access_token"], OWNER.0).await, 401);
    assert_eq!(pull(&d, &l2["access_token"], OWNER.0).await, 200);
    assert_eq!(refresh(&d, &l2["refresh_token"], "tablet").await.0, 200);
}

// 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logout_is_not_undone_by_logging_in_again() {
    let d = Demo::start(Limits::default()).await;
    let before = signed_in(&d, OWNER, "phone").await;
    let r = client().post(format!("{}/v1/auth/logout", d.url)).bearer_auth(before["access_token"].as_str().unwrap());
    assert_eq!(r.send().await.unwrap().status(), 204);
    let after = signed_in(&d, OWNER, "phone").await;
    assert_eq!(pull(&d, &before["access_token"], OWNER.0).await, 401, "the pre-logout token stays dead");
    assert_eq!(refresh(&d, &before["refresh_token"], "phone").await.0, 401);
    assert_eq!(pull(&d, &after["access_token"], OWNER.0).await, 200);
}

// 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_resident_cannot_take_over_a_device_id_or_its_ledger() {
    let d = Demo::start(Limits::default()).await;
    let owner = signed_in(&d, OWNER, "shared-id").await;
    let (s, first) = push(&d, &owner["access_token"], json!([create("m-1", reading(&uuid(), OWNER.0, bp()))])).await;
    assert_eq!((s, first["results"][0]["status"].as_str()), (200, Some("applied")));

    let taker = signed_in(&d, OTHER, "shared-id").await;
    assert_eq!(pull(&d, &owner["access_token"], OWNER.0).await, 200, "the owner stays signed in");
    assert_eq!(refresh(&d, &owner["refresh_token"], "shared-id").await.0, 200);
    // The same device and mutation id from the other account: its own mutation, not a replay of
    // the owner's result.
    let (s, theirs) = push(&d, &taker["access_token"], json!([create("m-1", reading(&uuid(), OTHER.0, bp()))])).await;
    assert_eq!(s, 200);
    assert_eq!(theirs["results"][0]["status"], "applied", "{theirs}");
    assert_eq!(theirs["results"][0]["commit_seq"], 1, "the taker's own first record");
    assert_eq!(pull(&d, &taker["access_token"], OWNER.0).await, 404);
}

// 4.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_logins_cannot_bypass_the_limit_or_multiply_hashing() {
    let limits = Limits { max_concurrent_hashes: 2, ..Limits::default() };
    let free = limits.login.per_account_and_address.free as usize;
    let d = Demo::start(limits).await;
    let before = d.state.hashes.completed();
    let attempts = (0..40).map(|n| {
        let (c, url) = (client(), format!("{}/v1/auth/login", d.url));
        tokio::spawn(async move {
            let body = json!({"hm_code": OTHER.0, "password": format!("wrong {n}"), "device_id": "x"});
            c.post(url).json(&body).send().await.unwrap().status().as_u16()
        })
    });
    let statuses: Vec<u16> = futures_join(attempts.collect()).await;
    let evaluated = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(evaluated + statuses.iter().filter(|s| **s == 429).count(), 40, "{statuses:?}");
    assert!(evaluated <= free + 1, "{evaluated} attempts were evaluated");
    assert!(d.state.hashes.peak() <= 2, "at most the gate's hashes at once");
    assert_eq!(d.state.hashes.completed() - before, evaluated as u64, "one hash per evaluated attempt");

    // A wrong activation code costs no hashing at all.
    let before = d.state.hashes.completed();
    let body = json!({"hm_code": NOT_ACTIVATED, "activation_code": "AAAA-BBBB-CCCC", "password": "long enough pw"});
    let (s, _) = post(&client_from("127.0.0.9"), format!("{}/v1/auth/activate", d.url), body).await;
    assert_eq!(s, 400);
    assert_eq!(d.state.hashes.completed(), before);
}

async fn futures_join(handles: Vec<tokio::task::JoinHandle<u16>>) -> Vec<u16> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

// 5.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guessing_from_elsewhere_does_not_lock_the_owner_out() {
    let mut limits = Limits::default();
    limits.login.per_account.free = 8;
    limits.login.per_account.max_delay = Duration::from_secs(2);
    let d = Demo::start(limits).await;
    let attacker = client_from("127.0.0.1");
    let mut refused = 0;
    for n in 0..12 {
        let (s, _) = login(&d, &attacker, (OWNER.0, &format!("guess {n}")), "evil").await;
        refused += usize::from(s == 429);
    }
    assert!(refused > 0, "the guesser is slowed down");
    // The owner, from an address of their own, is not locked out.
    let (s, _) = login(&d, &client_from("127.0.0.2"), OWNER, "phone").await;
    assert_eq!(s, 200);
    // Guessing from many addresses reaches the account's ceiling: it slows, by at most its cap.
    for n in 0..12 {
        let _ = login(&d, &client_from(&format!("127.0.1.{n}")), (OWNER.0, "guess"), "evil").await;
    }
    let owner = client_from("127.0.0.3");
    let started = Instant::now();
    loop {
        let r = owner
            .post(format!("{}/v1/auth/login", d.url))
            .json(&json!({"hm_code": OWNER.0, "password": OWNER.1, "device_id": "phone"}))
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            break;
        }
        assert_eq!(r.status(), 429);
        let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(wait <= 2, "the account-wide delay is capped");
        assert!(started.elapsed() < Duration::from_secs(10), "the owner gets in");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

// 6.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_failed_login_costs_the_same_work() {
    let d = Demo::start(Limits::default()).await;
    for (n, hm) in ["DEMO9999", NOT_ACTIVATED, OWNER.0].into_iter().enumerate() {
        let before = d.state.hashes.completed();
        let (s, body) = login(&d, &client_from(&format!("127.0.2.{n}")), (hm, "not the password"), "x").await;
        assert_eq!((s, body["code"].as_str()), (401, Some("invalid_credentials")), "{hm}");
        assert_eq!(d.state.hashes.completed() - before, 1, "one password hash for {hm}");
    }
}

// 7.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_signing_key_lives_outside_the_database_and_rotates() {
    let d = Demo::start(Limits::default()).await;
    let key_file = d.dir.path().join(techo_server::auth::secret::KEY_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&key_file), 0o600);
        if d.store.database.is_none() {
            assert_eq!(mode(&d.dir.path().join("server.db")), 0o600);
        }
    }
    if d.store.database.is_none() {
        let key = std::fs::read_to_string(&key_file).unwrap();
        let db = std::fs::read(d.dir.path().join("server.db")).unwrap();
        assert!(!db.windows(key.len()).any(|w| w == key.as_bytes()), "the key is not in the database");
    }
    assert_eq!(off_runtime(|| d.storage.legacy_token_secret()).unwrap(), None);

    let t = signed_in(&d, OWNER, "phone").await;
    techo_server::auth::secret::rotate_token_secret(d.dir.path()).unwrap();
    let d = d.restart(Limits::default()).await;
    assert_eq!(pull(&d, &t["access_token"], OWNER.0).await, 401, "access tokens of the old key stop working");
    let (s, renewed) = refresh(&d, &t["refresh_token"], "phone").await;
    assert_eq!(s, 200, "refresh tokens keep working");
    assert_eq!(pull(&d, &renewed["access_token"], OWNER.0).await, 200);
}

/// A database from before, with the key inside, has it moved out once; its tokens stay valid.
#[test]
fn a_key_kept_in_an_older_database_is_moved_out_once() {
    let dir = tempfile::tempdir().unwrap();
    let storage = techo_server::open_storage(dir.path()).unwrap();
    let old = "0707070707070707070707070707070707070707070707070707070707070707";
    rusqlite::Connection::open(dir.path().join("server.db"))
        .unwrap()
        .execute("INSERT INTO \"server_meta\" (\"key\", \"value\") VALUES ('token_secret', ?1)", [old])
        .unwrap();
    assert_eq!(techo_server::token_secret(dir.path(), storage.as_ref()).unwrap(), vec![7; 32]);
    assert_eq!(storage.legacy_token_secret().unwrap(), None, "gone from the database");
    let file = std::fs::read_to_string(dir.path().join(techo_server::auth::secret::KEY_FILE)).unwrap();
    assert_eq!(file.trim(), old);
    assert_eq!(techo_server::token_secret(dir.path(), storage.as_ref()).unwrap(), vec![7; 32], "and stays the key");
}

// 8.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_and_idle_connections_time_out_and_connections_are_capped() {
    let limits = Limits { header_read_timeout: Duration::from_secs(1), max_connections: 2, ..Limits::default() };
    let d = Demo::start(limits).await;
    // Headers one byte at a time: closed at the header timeout.
    let mut slow = tokio::net::TcpStream::connect(d.addr).await.unwrap();
    let started = Instant::now();
    let mut closed = false;
    for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\n".iter().cycle().take(200) {
        if slow.write_all(&[*b]).await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 256];
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(200), slow.read(&mut buf)).await {
            // An answer (408) or the close.
            let _ = n;
            closed = true;
            break;
        }
    }
    assert!(closed && started.elapsed() < Duration::from_secs(3), "slow headers are cut off");

    // An idle kept-alive connection is closed too.
    let mut idle = tokio::net::TcpStream::connect(d.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    let end = tokio::time::timeout(Duration::from_secs(5), idle.read(&mut buf)).await;
    assert!(matches!(end, Ok(Ok(0)) | Ok(Err(_))), "the idle connection is closed");
    assert!(started.elapsed() < Duration::from_secs(3));

    // Two silent connections fill the cap: a third waits until the timeout frees a slot.
    let _a = tokio::net::TcpStream::connect(d.addr).await.unwrap();
    let _b = tokio::net::TcpStream::connect(d.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let c = reqwest::Client::builder().timeout(Duration::from_millis(400)).build().unwrap();
    assert!(c.get(format!("{}/healthz", d.url)).send().await.is_err(), "no slot while the cap is reached");
    let c = reqwest::Client::builder().timeout(Duration::from_secs(4)).build().unwrap();
    assert_eq!(c.get(format!("{}/healthz", d.url)).send().await.unwrap().status(), 200);
}

// 9.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unbounded_inputs_are_refused_and_devices_are_capped() {
    let d = Demo::start(Limits { max_devices: 3, ..Limits::default() }).await;
    let t = signed_in(&d, OWNER, "phone").await;
    let big = "x".repeat(900 * 1024);
    let mut origin = reading(&uuid(), OWNER.0, bp());
    origin["origin_device"] = json!(big);
    let mut entered = reading(&uuid(), OWNER.0, bp());
    entered["entered_by"] = json!(big);
    let mut extra = reading(&uuid(), OWNER.0, bp());
    extra["some_future_field"] = json!(big);
    let tomb_id = uuid();
    let tombstone = json!({"mutation_id": "m-del", "entity": "vital", "entity_id": tomb_id, "op": "delete",
        "payload": {"id": tomb_id, "patient": OWNER.0, "deleted_at": "2026-11-25T08:00:00.000+00:00", "junk": big}});
    for (n, m) in
        [create("m-o", origin), create("m-e", entered), create("m-x", extra), tombstone].into_iter().enumerate()
    {
        let (s, r) = push(&d, &t["access_token"], json!([m])).await;
        assert_eq!(s, 200, "{n}");
        assert_eq!(
            (r["results"][0]["status"].as_str(), r["results"][0]["error"].as_str()),
            (Some("rejected"), Some("invalid_payload")),
            "{n}"
        );
    }
    let (s, _) = post(
        &client(),
        format!("{}/v1/auth/login", d.url),
        json!({"hm_code": OWNER.0, "password": OWNER.1, "device_id": "p2", "device_name": big}),
    )
    .await;
    assert_eq!(s, 400, "device_name is bounded");
    for n in 0..5 {
        signed_in(&d, OWNER, &format!("device-{n}")).await;
    }
    let resident = off_runtime(|| d.storage.resident_by_hm_code(OWNER.0)).unwrap().unwrap().id;
    assert_eq!(off_runtime(|| d.storage.devices_of(resident)).unwrap().len(), 3);
}

// 10.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_absurd_glucose_is_refused_not_a_server_error() {
    let d = Demo::start(Limits::default()).await;
    let t = signed_in(&d, OWNER, "phone").await;
    let glucose = json!({"kind": "glucose", "mg_dl": "17999999999999982", "entered_value": "999999999999999",
        "entered_unit": "mmol/L", "timing": "fasting"});
    let (s, r) = push(&d, &t["access_token"], json!([create("m-g", reading(&uuid(), OWNER.0, glucose))])).await;
    assert_eq!(s, 200);
    assert_eq!(r["results"][0]["error"], "invalid_payload", "{r}");
}

// 11.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn errors_name_the_field_never_the_value() {
    let d = Demo::start(Limits::default()).await;
    let t = signed_in(&d, OWNER, "phone").await;
    let probes = [
        ("/v1/auth/login", json!({"hm_code": 34009876, "password": "x", "device_id": "d"}), "34009876"),
        (
            "/v1/auth/login",
            json!({"hm_code": "SECRET-HM-<9876543210>", "password": "x", "device_id": "d"}),
            "9876543210",
        ),
        ("/v1/auth/refresh", json!({"refresh_token": ["leaky-token-text"], "device_id": "d"}), "leaky"),
    ];
    for (path, body, secret) in probes {
        let (s, r) = post(&client_from("127.0.3.1"), format!("{}{path}", d.url), body).await;
        assert_eq!(s, 400, "{r}");
        assert!(!r.to_string().contains(secret), "{r}");
    }
    let bad_op =
        json!([{"mutation_id": "m", "entity": "vital", "entity_id": "e", "op": "DROP TABLE xyzzy", "payload": {}}]);
    let (s, r) = push(&d, &t["access_token"], bad_op).await;
    assert_eq!(s, 400);
    let message = r["message"].as_str().unwrap();
    assert!(!message.contains("xyzzy") && message.contains("op"), "{message}");
    let r = client()
        .get(format!("{}/v1/sync/pull", d.url))
        .query(&[("patient", OWNER.0), ("limit", "leaky-limit")])
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(!r.text().await.unwrap().contains("leaky"));
}
