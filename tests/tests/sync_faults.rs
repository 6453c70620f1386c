//! S3: three devices of one resident sync through a fault-injecting proxy
//! ([`techo_tests::fault_proxy`]) that delays requests, resets connections, loses answers after
//! the server committed, truncates bodies and answers 503 / 429 itself. Each device records,
//! corrects and deletes readings (its own and synced ones) and syncs often, sometimes while it
//! keeps writing and sometimes after an app restart (which drops the in-memory access token, so
//! the rotating refresh token is renewed through the faults too). Access tokens are short-lived
//! for the same reason. The network is mostly flaky (about a third of requests fail) with short
//! storms in which nearly nothing gets through, so runs also end Offline and must be picked up
//! by later ones. Then the network heals, every device syncs until nothing moves, and:
//! all devices and the server hold identical data, every reading any device created is on the
//! server exactly once, every delete arrived, no outbox entry is left or wedged, and every fault
//! kind really happened.
//!
//! Environment: `TECHO_S3_SEED=<u64>` replays a seed (the devices' choices and the proxy's
//! fault decisions; how the three devices' requests interleave still depends on timing);
//! `TECHO_S3_OPS=<n>` changes the number of operations per device (default 100).

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use techo_core::domain::{BpContext, Milli, NewVital, Profile, VitalValue};
use techo_core::sync::client::SyncClient;
use techo_core::sync::{EngineConfig, SyncOutcome, SyncReport};
use techo_protocol::sync::Change;
use techo_server::state::Limits;
use techo_server::storage::Storage;
use techo_tests::fault_proxy::{FaultConfig, FaultProxy};
use techo_tests::harness::{Device, TestServer, comparable, fast_retries, rt};
use uuid::Uuid;

const HM: &str = "34001234";
const PW: &str = "correct horse battery";
const DEVICES: usize = 3;
/// Well under the faulty phase's length (20 to 30 s), so devices renew their access tokens after
/// a 401 while the network is bad; more than twice the longest sync runs seen here (up to about
/// 3 s), because the engine renews at most once per run and a run outliving two tokens would
/// end NeedsLogin for a reason that has nothing to do with the faults.
const ACCESS_TTL: Duration = Duration::from_secs(8);
/// A person's pause between two entries (uniform up to this): it spreads the work over enough
/// time for access tokens to expire and for the weather to change a few times.
const MAX_THINK: Duration = Duration::from_millis(250);

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    let raw = std::env::var(name).ok()?;
    Some(raw.trim().parse().unwrap_or_else(|_| panic!("{name} must be a number, got {raw:?}")))
}

/// Nearly every request fails.
fn storm_config() -> FaultConfig {
    FaultConfig {
        delay: 0.5,
        max_delay: Duration::from_millis(200),
        reset: 0.25,
        abandon: 0.1,
        drop_response: 0.2,
        truncate: 0.15,
        unavailable: 0.15,
        rate_limited: 0.05,
    }
}

fn engine_config() -> EngineConfig {
    fast_retries(8)
}

/// What one device did, for the final checks.
#[derive(Default)]
struct Ledger {
    /// Every reading it created, corrections included.
    created: Vec<Uuid>,
    deleted: Vec<Uuid>,
    amended: u32,
    /// Corrections and deletes refused locally because a concurrent pull had just changed the
    /// reading (it was corrected or deleted elsewhere): normal, not a failure.
    refused_locally: u32,
}

/// How its sync runs ended.
#[derive(Default, Debug)]
struct Tally {
    runs: u32,
    complete: u32,
    offline: u32,
    needs_login: u32,
    update_required: u32,
    errors: Vec<String>,
    retries: u64,
    restarts: u32,
    concurrent: u32,
    longest_run: Duration,
}

impl Tally {
    fn note(&mut self, result: techo_core::Result<SyncReport>, took: Duration) {
        self.runs += 1;
        self.longest_run = self.longest_run.max(took);
        match result {
            Ok(r) => {
                self.retries += r.retries;
                match r.outcome {
                    SyncOutcome::Complete => self.complete += 1,
                    SyncOutcome::Offline { .. } => self.offline += 1,
                    SyncOutcome::NeedsLogin => self.needs_login += 1,
                    SyncOutcome::UpdateRequired => self.update_required += 1,
                }
            }
            Err(e) => self.errors.push(e.to_string()),
        }
    }
}

/// One device's life while the network is bad.
struct Actor<'a> {
    device: &'a mut Device,
    profile: Profile,
    url: String,
    rng: StdRng,
    /// Distinguishes this device's readings (and keeps their times apart from the others').
    next_n: u32,
    ledger: Ledger,
    tally: Tally,
}

impl Actor<'_> {
    fn run(&mut self, ops: u32) {
        let mut until_sync = self.rng.random_range(1..=6);
        for _ in 0..ops {
            std::thread::sleep(MAX_THINK.mul_f64(self.rng.random()));
            self.operate();
            until_sync -= 1;
            if until_sync == 0 {
                self.sync_point();
                until_sync = self.rng.random_range(1..=6);
            }
        }
        self.sync_point();
    }

    fn operate(&mut self) {
        let roll = self.rng.random_range(0..100);
        if roll < 15 && self.amend() || (15..25).contains(&roll) && self.delete() {
            return;
        }
        self.next_n += 1;
        let v = if self.rng.random_bool(0.6) {
            self.device.record_bp(&self.profile, self.next_n)
        } else {
            let kg = format!("{}.{}", self.rng.random_range(55..70), self.rng.random_range(0..10));
            self.device.record_weight(&self.profile, &kg, self.next_n)
        };
        self.ledger.created.push(v.id);
    }

    /// A current reading of this profile, this device's or a synced one.
    fn pick(&mut self) -> Option<Uuid> {
        let view = self.device.current_view(&self.profile);
        if view.is_empty() {
            return None;
        }
        let (id, _) = &view[self.rng.random_range(0..view.len())];
        Some(Uuid::parse_str(id).expect("reading id"))
    }

    fn amend(&mut self) -> bool {
        let Some(id) = self.pick() else { return false };
        let old = self.device.store.get_vital(id).expect("picked reading");
        let r: u32 = self.rng.random_range(0..1000);
        let value = match old.value {
            VitalValue::BloodPressure { .. } => VitalValue::BloodPressure {
                systolic: 110 + r % 60,
                diastolic: 65 + r % 15,
                pulse: Some(60 + r % 30),
                context: BpContext::Evening,
            },
            VitalValue::Weight { .. } => VitalValue::Weight { kg: Milli::from_thousandths(55_000 + i64::from(r) * 15) },
            other => other,
        };
        match self.device.store.amend_vital(id, NewVital::new(value, old.measured_at)) {
            Ok(rec) => {
                self.ledger.created.push(rec.vital.id);
                self.ledger.amended += 1;
            }
            Err(techo_core::Error::Deleted | techo_core::Error::Superseded { .. }) => self.ledger.refused_locally += 1,
            Err(e) => panic!("amend failed: {e}"),
        }
        true
    }

    fn delete(&mut self) -> bool {
        let Some(id) = self.pick() else { return false };
        match self.device.store.delete_vital(id) {
            Ok(_) => self.ledger.deleted.push(id),
            Err(techo_core::Error::Deleted | techo_core::Error::Superseded { .. }) => self.ledger.refused_locally += 1,
            Err(e) => panic!("delete failed: {e}"),
        }
        true
    }

    fn sync_point(&mut self) {
        // Rare enough that restarts (which renew the token) do not keep tokens from expiring.
        if self.rng.random_bool(0.05) {
            // An app restart: same store and key store, but the access token (kept in memory
            // only) is gone, so the first request renews the sign-in through the bad network.
            self.device.client = Arc::new(
                SyncClient::new(self.device.store.clone(), self.device.keys.clone(), &self.url, engine_config())
                    .expect("client"),
            );
            self.tally.restarts += 1;
        }
        let started = Instant::now();
        if self.rng.random_bool(0.3) {
            // The person keeps entering readings while a sync runs.
            self.tally.concurrent += 1;
            let client = self.device.client.clone();
            let run = rt().spawn(async move { client.sync_now(None).await });
            for _ in 0..self.rng.random_range(1..=3) {
                self.operate();
            }
            let result = rt().block_on(run).expect("sync task");
            self.tally.note(result, started.elapsed());
        } else {
            let result = rt().block_on(self.device.client.sync_now(None));
            self.tally.note(result, started.elapsed());
        }
    }
}

/// Every change the server holds for the resident, read through the storage API.
fn server_changes(storage: &dyn Storage) -> Vec<Change> {
    let resident = storage.resident_by_hm_code(HM).expect("query").expect("resident").id;
    let mut after = 0;
    let mut out = Vec::new();
    loop {
        let page = storage.pull(resident, after, 1000, None).expect("pull");
        out.extend(page.changes);
        after = page.last_seq;
        if !page.has_more {
            return out;
        }
    }
}

/// A server record in the form devices are compared in.
fn server_comparable(c: &Change) -> String {
    let rec: techo_protocol::records::vital::VitalRecord =
        serde_json::from_value(c.payload.clone()).expect("a reading record");
    let w = techo_domain::vitals_wire::decode_vital(&rec).expect("decodes");
    comparable(&techo_core::domain::Vital {
        id: w.id,
        profile_id: Uuid::nil(),
        value: w.reading.value,
        measured_at: w.reading.measured_at,
        source: w.reading.source,
        device_name: w.reading.device_name,
        note: w.reading.note,
        amends: w.amends,
        superseded_by: None,
        deleted_at: None,
        recorded_at: w.recorded_at,
        entered_by: w.entered_by,
        origin_device: w.origin_device,
        server_version: None,
    })
}

#[test]
fn three_devices_converge_through_a_faulty_network() {
    let seed: u64 = env_number("TECHO_S3_SEED").unwrap_or_else(rand::random);
    let ops: u32 = env_number("TECHO_S3_OPS").unwrap_or(100);
    println!("S3 seed {seed} (replay: TECHO_S3_SEED={seed}), {ops} operations per device");
    let started = Instant::now();

    let server = TestServer::start_with(Limits { access_ttl: ACCESS_TTL, ..Limits::default() });
    server.add_resident(HM, PW);
    let proxy = rt().block_on(FaultProxy::start(server.addr, seed)).expect("proxy");
    let mut devices: Vec<Device> = (0..DEVICES).map(|_| Device::with_config(&proxy.url, engine_config())).collect();
    // Signing in is not what this test is about: do it while the network is still good.
    let profiles: Vec<Profile> = devices.iter().map(|d| d.login(HM, PW)).collect();

    proxy.set_faults(FaultConfig::flaky());
    let results: Vec<(Ledger, Tally)> = std::thread::scope(|s| {
        let handles: Vec<_> = devices
            .iter_mut()
            .zip(&profiles)
            .enumerate()
            .map(|(i, (device, profile))| {
                let mut actor = Actor {
                    device,
                    profile: profile.clone(),
                    url: proxy.url.clone(),
                    rng: StdRng::seed_from_u64(seed ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1))),
                    next_n: i as u32 * 1000,
                    ledger: Ledger::default(),
                    tally: Tally::default(),
                };
                s.spawn(move || {
                    actor.run(ops);
                    (actor.ledger, actor.tally)
                })
            })
            .collect();
        // The weather: mostly a flaky network, with storms in which nearly nothing gets through,
        // so runs also end Offline and renewals also fail, and later runs must pick up from there.
        let mut weather = StdRng::seed_from_u64(seed.rotate_left(17));
        let mut storms = 0;
        while !handles.iter().all(|h| h.is_finished()) {
            let storm = weather.random_bool(0.25);
            storms += u32::from(storm);
            proxy.set_faults(if storm { storm_config() } else { FaultConfig::flaky() });
            let spell = Duration::from_millis(weather.random_range(if storm { 300..1500 } else { 500..2500 }));
            let until = Instant::now() + spell;
            while Instant::now() < until && !handles.iter().all(|h| h.is_finished()) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        println!("{storms} storms");
        handles.into_iter().map(|h| h.join().expect("device thread")).collect()
    });
    let faulty_phase = started.elapsed();
    for (i, (ledger, tally)) in results.iter().enumerate() {
        println!(
            "device {i}: created {} (amendments {}), deleted {}, refused locally {}; {tally:?}",
            ledger.created.len(),
            ledger.amended,
            ledger.deleted.len(),
            ledger.refused_locally
        );
    }

    // Heal, let what is still on its way land, then sync until a whole round moves nothing.
    proxy.heal();
    assert!(rt().block_on(proxy.quiesce(Duration::from_secs(10))), "proxy still busy after healing");
    let mut converged = false;
    for round in 1..=10 {
        let reports: Vec<SyncReport> = devices.iter().map(|d| d.sync()).collect();
        for r in &reports {
            assert_eq!(r.outcome, SyncOutcome::Complete, "round {round} after healing: {r:?}");
            assert_eq!(r.wedged, 0, "round {round}: {r:?}");
        }
        if reports.iter().all(|r| r.pending == 0 && r.pushed == 0 && r.pulled == 0) {
            println!("quiet after {round} rounds");
            converged = true;
            break;
        }
    }
    assert!(converged, "still moving data after 10 rounds on a healed network");
    let counts = proxy.counts();
    println!("faults: {counts}");

    // The server: exactly the readings the devices created, once each, and exactly their deletes.
    let created: Vec<Uuid> = results.iter().flat_map(|(l, _)| l.created.iter().copied()).collect();
    let created_set: HashSet<Uuid> = created.iter().copied().collect();
    assert_eq!(created_set.len(), created.len(), "a device reused an id");
    let deleted: HashSet<Uuid> = results.iter().flat_map(|(l, _)| l.deleted.iter().copied()).collect();
    let changes = server_changes(server.storage.as_ref());
    let mut on_server: HashMap<Uuid, &Change> = HashMap::new();
    for c in &changes {
        assert_eq!(c.entity, techo_protocol::Entity::Vital);
        let id = Uuid::parse_str(&c.id).expect("record id");
        assert!(on_server.insert(id, c).is_none(), "record {id} listed twice");
    }
    let server_ids: HashSet<Uuid> = on_server.keys().copied().collect();
    let lost: Vec<_> = created_set.difference(&server_ids).collect();
    let extra: Vec<_> = server_ids.difference(&created_set).collect();
    assert!(lost.is_empty(), "lost (seed {seed}): {lost:?}");
    assert!(extra.is_empty(), "on the server but never created (seed {seed}): {extra:?}");
    assert_eq!(changes.len(), created_set.len());
    let deleted_on_server: HashSet<Uuid> = on_server.iter().filter(|(_, c)| c.deleted).map(|(id, _)| *id).collect();
    assert_eq!(deleted_on_server, deleted, "deletes on the server differ from deletes made (seed {seed})");

    // Every device: the same current view as the server and the others, every record with the
    // same content and deletion state, nothing left to send.
    let expected = techo_tests::harness::server_view(server.storage.as_ref(), HM);
    assert!(!expected.is_empty());
    let held = techo_tests::harness::held_on_server(server.storage.as_ref(), HM);
    for (i, (d, p)) in devices.iter().zip(&profiles).enumerate() {
        assert_eq!(d.current_view(p), expected, "device {i} differs from the server (seed {seed})");
        assert!(techo_tests::harness::held_on_device(&d.store, p) == held, "device {i}: records differ (seed {seed})");
        assert_eq!(d.store.outbox_len().expect("outbox"), 0, "device {i}");
        assert!(d.store.wedged_entries().expect("wedged").is_empty(), "device {i}");
        for (id, c) in &on_server {
            let v = d.store.get_vital(*id).unwrap_or_else(|e| panic!("device {i} lacks {id}: {e}"));
            assert_eq!(v.deleted_at.is_some(), c.deleted, "device {i}, deletion of {id}");
            assert_eq!(comparable(&v), server_comparable(c), "device {i}, content of {id}");
        }
    }

    // Sync outcomes while faulty (checked after the data, so a failure here says the data was
    // still right): Offline is fine; an error or a sign-out is not.
    for (i, (_, tally)) in results.iter().enumerate() {
        assert!(tally.errors.is_empty(), "device {i}: sync returned errors (seed {seed}): {:?}", tally.errors);
        assert_eq!(tally.needs_login, 0, "device {i}: signed out by the faults (seed {seed}): {tally:?}");
        assert_eq!(tally.update_required, 0, "device {i}: {tally:?}");
    }

    let missing = counts.missing_faults();
    assert!(missing.is_empty(), "fault kinds never injected (seed {seed}): {missing:?}; {counts}");
    assert_eq!(counts.upstream_errors, 0, "the server itself failed: {counts}");
    assert!(
        counts.upstream_statuses.get(&401).is_some_and(|n| *n > 0),
        "no access token expired while faulty, so renewal after a 401 went untested: {counts}"
    );
    assert!(counts.upstream_statuses.keys().all(|s| *s < 500), "the server itself answered 5xx: {counts}");
    println!(
        "{} readings, {} deleted, server view {}; faulty phase {:.1?}, total {:.1?}",
        created.len(),
        deleted.len(),
        expected.len(),
        faulty_phase,
        started.elapsed()
    );
}

/// The access token expired; the request that learns so (a 401) gets through, but then the
/// network fails for good, the renewal included. That is a network failure like any other: the
/// run must end Offline with everything kept, not fail, and the next run on a good network must
/// finish.
///
/// Found by the S3 test above (seeds 5461422848424511339, 14878694467096073705): a renewal that
/// could not reach the server used to end `sync_now` with an error instead of an Offline report.
#[test]
fn renewal_lost_after_a_401_ends_the_run_offline() {
    let server = TestServer::start_with(Limits { access_ttl: Duration::from_secs(1), ..Limits::default() });
    server.add_resident(HM, PW);
    let proxy = rt().block_on(FaultProxy::start(server.addr, 1)).expect("proxy");
    let d = Device::with_config(&proxy.url, fast_retries(3));
    let p = d.login(HM, PW);
    d.record_bp(&p, 1);
    // Expiry is checked in whole seconds.
    std::thread::sleep(Duration::from_millis(2100));
    // The push meets its 401; from then on every request is reset.
    proxy.set_faults(FaultConfig { reset: 1.0, ..FaultConfig::none() });
    proxy.script([None]);
    let r = rt().block_on(d.client.sync_now(None));
    assert!(matches!(&r, Ok(SyncReport { outcome: SyncOutcome::Offline { .. }, .. })), "{r:?}");
    assert_eq!(proxy.counts().upstream_statuses.get(&401), Some(&1));
    assert!(proxy.counts().by_path.get("/v1/auth/refresh").is_some_and(|n| *n >= 3));
    assert_eq!(d.store.outbox_len().expect("outbox"), 1);
    proxy.heal();
    let r = d.sync();
    assert_eq!((r.outcome, r.pushed), (SyncOutcome::Complete, 1));
}

/// Tells the test when a run starts backing off after a failure.
struct BacksOff(std::sync::Mutex<std::sync::mpsc::Sender<()>>);

impl techo_core::sync::client::SyncObserver for BacksOff {
    fn on_progress(&self, progress: &techo_core::sync::SyncProgress) {
        if progress.phase == techo_core::sync::SyncPhase::WaitingToRetry {
            let _ = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).send(());
        }
    }
}

/// A person who asks for a sync again while a run backs off after a network failure (the
/// button on the sync line) does not wait the backoff out: the run tries again at once. (A wait
/// the server asked for is kept whole: the engine marks it, see the engine tests.)
#[test]
fn asking_again_cuts_a_runs_backoff_short() {
    let server = TestServer::start();
    server.add_resident(HM, PW);
    let proxy = rt().block_on(FaultProxy::start(server.addr, 1)).expect("proxy");
    // A backoff of at least five minutes, far longer than the test may take.
    let slow = EngineConfig {
        retry: techo_core::sync::RetryPolicy {
            base: Duration::from_secs(600),
            max: Duration::from_secs(600),
            max_attempts: 3,
        },
        ..EngineConfig::default()
    };
    let d = Device::with_config(&proxy.url, slow);
    let p = d.login(HM, PW);
    d.record_bp(&p, 1);
    proxy.set_faults(FaultConfig { reset: 1.0, ..FaultConfig::none() });
    let (backs_off, backing_off) = std::sync::mpsc::channel();
    let observer = Arc::new(BacksOff(std::sync::Mutex::new(backs_off)));
    let client = d.client.clone();
    let first = rt().spawn(async move { client.sync_now(Some(observer)).await });
    backing_off.recv_timeout(Duration::from_secs(30)).expect("the run backs off");
    // The progress comes just before the wait begins: an ask that comes first still counts.
    proxy.heal();
    let again = rt().block_on(async { tokio::time::timeout(Duration::from_secs(60), d.client.sync_now(None)).await });
    let again = again.expect("the second ask did not wait out the first run's backoff").expect("second run");
    let first = rt().block_on(first).expect("first run").expect("first run's report");
    assert_eq!((first.outcome, first.pushed, first.retries), (SyncOutcome::Complete, 1, 1));
    assert_eq!(again.outcome, SyncOutcome::Complete);
    assert_eq!(d.store.outbox_len().expect("outbox"), 0);
}
