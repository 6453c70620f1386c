//! A real sync server on 127.0.0.1 with an ephemeral port, and devices (core stores in temp
//! dirs with the real HTTP sync client) to point at it.

use crate::fault_proxy::FaultProxy;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use techo_core::domain::{BpContext, Milli, NewVital, Profile, Relationship, VitalValue};
use techo_core::keys::MemoryKeyStore;
use techo_core::store::Store;
use techo_core::sync::client::SyncClient;
use techo_core::sync::{EngineConfig, RetryPolicy, SyncReport};
use techo_server::state::Limits;
use techo_server::storage::Storage;
use techo_server::storage::scratch::{ScratchDatabase, test_cluster_url};

/// The store test servers run on: SQLite, or with `TECHO_TEST_SERVER_BACKEND=postgres` a
/// database of their own on the test cluster, or with `postgres2` two server instances over that
/// database behind a round-robin front (`scripts/test.sh` runs the end-to-end suites all three
/// ways).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    /// Two instances (same database, same signing key, same limits) behind
    /// [`FaultProxy::round_robin`], which sends each request to the other instance than the last.
    TwoPostgres,
}

impl Backend {
    pub fn chosen() -> Self {
        match std::env::var("TECHO_TEST_SERVER_BACKEND").as_deref() {
            Ok("postgres") => Self::Postgres,
            Ok("postgres2") => Self::TwoPostgres,
            Ok("" | "sqlite") | Err(_) => Self::Sqlite,
            Ok(other) => panic!("TECHO_TEST_SERVER_BACKEND is sqlite, postgres or postgres2, not {other}"),
        }
    }

    /// As `TECHO_TEST_SERVER_BACKEND` names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::TwoPostgres => "postgres2",
        }
    }

    /// Server instances a [`TestServer`] runs on this backend.
    pub fn instances(self) -> usize {
        if self == Self::TwoPostgres { 2 } else { 1 }
    }
}

/// A plain HTTP client for poking the server directly.
pub fn http() -> reqwest::Client {
    techo_core::sync::client::install_crypto_provider();
    reqwest::Client::new()
}

/// One multi-threaded runtime for every async call in the test process.
pub fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime")
    })
}

/// A running sync server: one instance, or two behind a round-robin front ([`Backend`]).
/// `url` and `addr` are where clients go (the front when there is one); `storage` is the first
/// instance's (the same database as every other's).
pub struct TestServer {
    pub url: String,
    pub addr: std::net::SocketAddr,
    pub storage: Arc<dyn Storage>,
    /// Each instance's own URL, bypassing the front (for tests that pick the instance).
    pub instance_urls: Vec<String>,
    /// The round-robin front when there are several instances.
    pub front: Option<FaultProxy>,
    /// The server's own database when the suite runs against PostgreSQL (see [`Backend`]).
    _database: Option<ScratchDatabase>,
    instances: Vec<Instance>,
    /// The first instance's data directory (its token key file).
    pub dir: tempfile::TempDir,
}

struct Instance {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Instance {
    fn start(addr: &str, state: techo_server::state::SharedState) -> (Self, std::net::SocketAddr) {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let listener = rt().block_on(tokio::net::TcpListener::bind(addr)).expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let task = rt().spawn(async move {
            let _ = techo_server::serve(listener, state, async move {
                let _ = rx.await;
            })
            .await;
        });
        (Self { shutdown: Some(tx), task: Some(task) }, addr)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = rt().block_on(t);
        }
    }
}

impl TestServer {
    pub fn start() -> Self {
        Self::start_with(Limits::default())
    }

    pub fn start_with(limits: Limits) -> Self {
        Self::start_at("127.0.0.1:0", limits)
    }

    /// On a chosen loopback address (to bring a server up where devices already point).
    pub fn start_at(addr: &str, limits: Limits) -> Self {
        Self::start_on(Backend::chosen(), addr, limits)
    }

    /// On `backend` whatever the environment chose (tests of several instances).
    pub fn start_on(backend: Backend, addr: &str, limits: Limits) -> Self {
        let dir = tempfile::tempdir().expect("server dir");
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres | Backend::TwoPostgres => Some(ScratchDatabase::create(
                &test_cluster_url().expect("TECHO_TEST_SERVER_BACKEND=postgres needs TECHO_TEST_POSTGRES_URL"),
            )),
        };
        let url = database.as_ref().map(ScratchDatabase::url);
        let storage = techo_server::open_database(dir.path(), url.as_deref()).expect("server storage");
        let secret = techo_server::token_secret(dir.path(), storage.as_ref()).expect("token secret");
        if backend.instances() == 1 {
            let (instance, addr) = Instance::start(addr, techo_server::app_state(storage.clone(), secret, limits));
            return Self {
                url: format!("http://{addr}"),
                addr,
                storage,
                instance_urls: vec![format!("http://{addr}")],
                front: None,
                _database: database,
                instances: vec![instance],
                dir,
            };
        }
        let mut instances = Vec::new();
        let mut addrs = Vec::new();
        for n in 0..backend.instances() {
            // Each instance opens the database itself (its own pool and turn holders), in a data
            // directory of its own; the key is the one every instance is configured with.
            let own = if n == 0 {
                storage.clone()
            } else {
                techo_server::open_database(&dir.path().join(format!("instance-{n}")), url.as_deref())
                    .expect("server storage")
            };
            let state = techo_server::app_state(own, secret.clone(), limits.clone());
            let (instance, at) = Instance::start("127.0.0.1:0", state);
            instances.push(instance);
            addrs.push(at);
        }
        let front = rt().block_on(async {
            // A front on a chosen address may follow one whose accept loop is still being torn down.
            let mut tries = 0;
            loop {
                match FaultProxy::round_robin(addr, addrs.clone(), 0).await {
                    Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && tries < 100 => {
                        tries += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    }
                    other => return other,
                }
            }
        });
        let front = front.expect("round-robin front");
        Self {
            url: front.url.clone(),
            addr: front.addr,
            storage,
            instance_urls: addrs.iter().map(|a| format!("http://{a}")).collect(),
            front: Some(front),
            _database: database,
            instances,
            dir,
        }
    }

    /// Registers and activates a resident with a password, as card issuance plus first login do.
    pub fn add_resident(&self, hm_code: &str, password: &str) {
        add_resident_to(self.storage.as_ref(), hm_code, password);
    }
}

pub fn add_resident_to(storage: &dyn Storage, hm_code: &str, password: &str) {
    let issued = techo_server::add_resident(
        storage,
        hm_code,
        "Test Resident",
        "1950-01-01",
        std::time::Duration::from_secs(3600),
    )
    .expect("add resident");
    let hash = techo_server::storage::sha256_hex(
        techo_server::auth::normalise_activation_code(&issued.activation_code).as_bytes(),
    );
    let phc = techo_server::auth::hash_password(password).expect("hash");
    storage.activate(hm_code, &hash, &phc, chrono::Utc::now().timestamp_millis()).expect("activate");
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // The front first, so no request reaches an instance that is stopping.
        drop(self.front.take());
        self.instances.clear();
    }
}

/// Engine settings for tests: quick retries so fault tests finish fast.
pub fn fast_retries(max_attempts: u32) -> EngineConfig {
    EngineConfig {
        retry: RetryPolicy {
            base: std::time::Duration::from_millis(20),
            max: std::time::Duration::from_millis(300),
            max_attempts,
        },
        ..EngineConfig::default()
    }
}

/// A phone: an encrypted store in its own directory and a sync client.
pub struct Device {
    pub store: Arc<Store>,
    pub keys: Arc<MemoryKeyStore>,
    pub client: Arc<SyncClient>,
    pub dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl Device {
    pub fn new(server_url: &str) -> Self {
        Self::with_config(server_url, fast_retries(6))
    }

    pub fn with_config(server_url: &str, config: EngineConfig) -> Self {
        let tmp = tempfile::tempdir().expect("device dir");
        let dir = tmp.path().to_path_buf();
        let mut d = Self::open(&dir, Arc::new(MemoryKeyStore::new()), server_url, config);
        d._tmp = Some(tmp);
        d
    }

    /// Opens (or reopens after a crash) the device whose files are in `dir`.
    pub fn open(dir: &Path, keys: Arc<MemoryKeyStore>, server_url: &str, config: EngineConfig) -> Self {
        let store = Arc::new(Store::open(dir.join("techo.db"), keys.as_ref()).expect("open device store"));
        let client = Arc::new(SyncClient::new(store.clone(), keys.clone(), server_url, config).expect("client"));
        Self { store, keys, client, dir: dir.to_path_buf(), _tmp: None }
    }

    pub fn login(&self, hm_code: &str, password: &str) -> Profile {
        rt().block_on(self.client.login(hm_code, password)).expect("login");
        match self.store.profile_by_hm_code(hm_code) {
            Ok(p) => p,
            Err(_) => self.store.add_profile(hm_code, "Test", Relationship::Myself).expect("profile"),
        }
    }

    pub fn sync(&self) -> SyncReport {
        rt().block_on(self.client.sync_now(None)).expect("sync ran")
    }

    /// A valid blood-pressure reading at a fixed past time, distinguished by `n`.
    pub fn record_bp(&self, profile: &Profile, n: u32) -> techo_core::domain::Vital {
        let at = chrono::DateTime::parse_from_rfc3339("2026-10-01T07:00:00+09:00").expect("time")
            + chrono::Duration::minutes(i64::from(n));
        let v = NewVital::new(
            VitalValue::BloodPressure {
                systolic: 100 + n % 80,
                diastolic: 60 + n % 20,
                pulse: Some(70),
                context: BpContext::Morning,
            },
            at,
        );
        self.store.record_vital(profile.id, v).expect("record").vital
    }

    pub fn record_weight(&self, profile: &Profile, kg: &str, n: u32) -> techo_core::domain::Vital {
        let at = chrono::DateTime::parse_from_rfc3339("2026-10-01T08:00:00+09:00").expect("time")
            + chrono::Duration::minutes(i64::from(n));
        let v = NewVital::new(VitalValue::Weight { kg: Milli::parse(kg).expect("kg") }, at);
        self.store.record_vital(profile.id, v).expect("record").vital
    }

    /// The current view, as comparable (id, canonical JSON) pairs.
    pub fn current_view(&self, profile: &Profile) -> Vec<(String, String)> {
        view_of(&self.store, profile)
    }
}

/// A store's current view of a profile, as comparable (id, canonical JSON) pairs.
pub fn view_of(store: &Store, profile: &Profile) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut q = techo_core::store::VitalQuery { limit: 500, ..Default::default() };
    loop {
        let page = store.list_vitals(profile.id, &q).expect("list");
        for v in &page.items {
            out.push((v.id.to_string(), comparable(v)));
        }
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    out.sort();
    out
}

/// Ids of every record the server holds for a patient, tombstones included.
pub fn all_server_ids(storage: &dyn Storage, hm_code: &str) -> std::collections::HashSet<String> {
    let resident = storage.resident_by_hm_code(hm_code).expect("query").expect("resident").id;
    let mut after = 0;
    let mut ids = std::collections::HashSet::new();
    loop {
        let page = storage.pull(resident, after, 1000, None).expect("pull");
        for c in page.changes {
            assert!(ids.insert(c.id), "a record appears twice in one full pull");
        }
        after = page.last_seq;
        if !page.has_more {
            break;
        }
    }
    ids
}

/// What every device of a patient and the server must agree on once synced, for every family:
/// each record by (entity, id), whether it is deleted, and — while it is not — its wire content.
/// Built from the family registry on the device and from a full pull on the server, so a new
/// family is compared without naming it here.
pub type Held = std::collections::BTreeMap<(String, String), Option<serde_json::Value>>;

pub fn held_on_device(store: &Store, profile: &Profile) -> Held {
    store
        .held_records(profile)
        .expect("held records")
        .into_iter()
        .map(|r| ((r.entity.to_string(), r.id), (!r.deleted).then_some(r.payload)))
        .collect()
}

pub fn held_on_server(storage: &dyn Storage, hm_code: &str) -> Held {
    let resident = storage.resident_by_hm_code(hm_code).expect("query").expect("resident").id;
    let mut after = 0;
    let mut out = Held::new();
    loop {
        let page = storage.pull(resident, after, 1000, None).expect("pull");
        for c in page.changes {
            // A deletion of something no device ever sent leaves only a tombstone: nothing to hold.
            let bare_tombstone =
                c.deleted && serde_json::from_value::<techo_protocol::records::Tombstone>(c.payload.clone()).is_ok();
            if !bare_tombstone {
                out.insert((c.entity.to_string(), c.id), (!c.deleted).then_some(c.payload));
            }
        }
        after = page.last_seq;
        if !page.has_more {
            break;
        }
    }
    out
}

/// The parts of a reading every device must agree on.
pub fn comparable(v: &techo_core::domain::Vital) -> String {
    serde_json::json!({
        "value": v.value, "measured_at": v.measured_at.to_rfc3339(), "source": v.source, "note": v.note,
        "amends": v.amends, "origin_device": v.origin_device,
    })
    .to_string()
}

/// Current (not deleted) server records of a patient, as (id, canonical JSON) comparable with
/// [`Device::current_view`], after applying corrections.
pub fn server_view(storage: &dyn Storage, hm_code: &str) -> Vec<(String, String)> {
    let resident = storage.resident_by_hm_code(hm_code).expect("query").expect("resident").id;
    let mut after = 0;
    let mut records = Vec::new();
    loop {
        let page = storage.pull(resident, after, 1000, None).expect("pull");
        for c in &page.changes {
            // A tombstone for a record the server never saw carries no reading.
            let Ok(rec) = serde_json::from_value::<techo_protocol::records::vital::VitalRecord>(c.payload.clone())
            else {
                continue;
            };
            let w = techo_domain::vitals_wire::decode_vital(&rec).expect("decodes");
            records.push((w, c.deleted));
        }
        after = page.last_seq;
        if !page.has_more {
            break;
        }
    }
    // A correction hides what it corrects even when the correction itself was deleted later.
    let superseded: std::collections::HashSet<_> = records.iter().filter_map(|(w, _)| w.amends).collect();
    let mut out: Vec<_> = records
        .into_iter()
        .filter(|(w, deleted)| !deleted && !superseded.contains(&w.id))
        .map(|(w, _)| {
            let v = w.into_vital(uuid::Uuid::nil());
            (v.id.to_string(), comparable(&v))
        })
        .collect();
    out.sort();
    out
}
