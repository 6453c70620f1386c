//! S8: deterministic simulation of the sans-I/O sync engine.
//!
//! Two devices and the real server logic (its storage and push/pull service, without HTTP)
//! run in one thread. A seeded RNG decides every step: local writes, engine steps, and what the
//! "network" does to each request — drop it, lose the answer after the server applied it,
//! deliver it twice, replay it much later, answer 503 — and when a device crashes (its engine
//! state is lost and its store reopened from disk). After the faults stop, every device syncs
//! to completion and the invariants are checked. A failing seed replays the same decisions.

use crate::harness::server_view;
use std::path::Path;
use std::sync::Arc;
use techo_core::domain::{BpContext, NewVital, Profile, Relationship, VitalValue};
use techo_core::keys::MemoryKeyStore;
use techo_core::store::{Account, Store};
use techo_core::sync::{
    EngineConfig, Event, Failure, Instruction, Request, Response, RetryPolicy, SyncEngine, SyncOutcome,
};
use techo_server::state::Limits;
use techo_server::storage::{AccountStore, BlobStore, ResidentId, SqliteStorage};
use techo_server::{blob_service, sync_service};

const HM: &str = "34001234";

/// Small deterministic RNG (SplitMix64): the simulation must not depend on anything else.
pub struct SimRng(u64);

impl SimRng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct FaultCounts {
    pub dropped_requests: u64,
    pub lost_responses: u64,
    pub duplicated: u64,
    pub late_replays: u64,
    pub server_errors: u64,
    pub crashes: u64,
    pub writes: u64,
    pub sync_steps: u64,
}

struct SimDevice {
    name: &'static str,
    dir: std::path::PathBuf,
    keys: Arc<MemoryKeyStore>,
    store: Store,
    profile: Profile,
    engine: Option<SyncEngine>,
    next_event: Option<Event>,
    /// Push requests seen on the wire, for late replays.
    sent: Vec<techo_protocol::sync::PushRequest>,
}

impl SimDevice {
    fn open(name: &'static str, dir: &Path) -> Self {
        let keys = Arc::new(MemoryKeyStore::new());
        let store = Store::open(dir.join("techo.db"), keys.as_ref()).expect("device store");
        let profile = store.add_profile(HM, name, Relationship::Myself).expect("profile");
        store
            .set_account(Some(&Account { server_url: "sim://".into(), hm_code: HM.into(), patients: vec![HM.into()] }))
            .expect("account");
        Self { name, dir: dir.to_path_buf(), keys, store, profile, engine: None, next_event: None, sent: vec![] }
    }

    /// Process death: in-memory sync state is gone; the files stay.
    fn crash(&mut self) {
        self.engine = None;
        self.next_event = None;
        // Dropping closes the connections; everything committed is on disk.
        self.store = Store::open(self.dir.join("techo.db"), self.keys.as_ref()).expect("reopen after crash");
    }
}

pub struct Simulation {
    rng: SimRng,
    server: SqliteStorage,
    /// Photos the devices add as pages.
    photos: std::path::PathBuf,
    uploads: blob_service::UploadLocks,
    resident: ResidentId,
    limits: Limits,
    devices: Vec<SimDevice>,
    clock_minutes: i64,
    created: Vec<uuid::Uuid>,
    pub faults: FaultCounts,
    faults_on: bool,
    seed: u64,
}

fn engine_config() -> EngineConfig {
    EngineConfig {
        push_batch: 4,
        pull_limit: 5,
        retry: RetryPolicy {
            base: std::time::Duration::from_millis(1),
            max: std::time::Duration::from_millis(8),
            max_attempts: 4,
        },
        max_rounds: 3,
        // Small chunks, so a photo's upload meets the injected faults between chunks.
        upload_chunk: 16 * 1024,
    }
}

impl Simulation {
    pub fn new(seed: u64, dir: &Path) -> Self {
        let server = SqliteStorage::open(&dir.join("server.db")).expect("server storage");
        let resident = server.add_resident(HM, "Sim", "1950-01-01", 0).expect("resident");
        let devices = ["A", "B"]
            .iter()
            .map(|n| {
                let d = dir.join(n);
                std::fs::create_dir_all(&d).expect("device dir");
                SimDevice::open(n, &d)
            })
            .collect();
        Self {
            rng: SimRng::new(seed),
            server,
            uploads: blob_service::UploadLocks::new(),
            photos: {
                let p = dir.join("photos");
                std::fs::create_dir_all(&p).expect("photo dir");
                p
            },
            resident,
            limits: Limits { max_batch: 500, default_page: 5, max_page: 50, ..Limits::default() },
            devices,
            clock_minutes: 0,
            created: vec![],
            faults: FaultCounts::default(),
            faults_on: true,
            seed,
        }
    }

    fn fail(&self, what: &str) -> ! {
        panic!("S8 seed {} failed: {what} (replay with TECHO_S8_SEED={})", self.seed, self.seed)
    }

    /// Runs `steps` random steps, then heals and checks convergence.
    pub fn run(&mut self, steps: u32) {
        for _ in 0..steps {
            match self.rng.below(100) {
                0..=29 => self.local_write(),
                30..=89 => {
                    let d = self.rng.below(self.devices.len() as u64) as usize;
                    self.sync_step(d);
                }
                90..=94 => {
                    let d = self.rng.below(self.devices.len() as u64) as usize;
                    self.devices[d].crash();
                    self.faults.crashes += 1;
                }
                _ => self.late_replay(),
            }
        }
        self.heal_and_check();
    }

    /// One in ten writes saves the 命の宝箱 instead (a field, sometimes a photo page): an edited
    /// document, saved on both phones, whose pages upload in chunks before it.
    fn sheet_write(&mut self, d: usize) {
        let n = self.rng.below(1000);
        let dev = &self.devices[d];
        let result = if n.is_multiple_of(3) {
            let path = self.photos.join(format!("p{n}.jpg"));
            if !path.exists() {
                std::fs::write(&path, grainy_jpeg(n as u32)).expect("photo");
            }
            dev.store.add_emergency_page(&dev.profile, &path, &techo_core::photo::PhotoSettings::default())
        } else {
            let key = if n.is_multiple_of(2) { "notes.other" } else { "care.doctor" };
            dev.store.save_emergency_fields(&dev.profile, &[(key.to_owned(), format!("{} {n}", dev.name))])
        };
        if let Err(e) = result {
            self.fail(&format!("sheet save on {} failed: {e}", dev.name));
        }
        let id = techo_domain::emergency_sheet::sheet_id(&dev.profile.hm_code);
        if !self.created.contains(&id) {
            self.created.push(id);
        }
        self.faults.writes += 1;
    }

    fn local_write(&mut self) {
        let d = self.rng.below(self.devices.len() as u64) as usize;
        if self.rng.below(10) == 0 {
            return self.sheet_write(d);
        }
        self.clock_minutes += 1;
        let at = chrono::DateTime::parse_from_rfc3339("2026-06-01T07:00:00+09:00").expect("time")
            + chrono::Duration::minutes(self.clock_minutes);
        let sys = 100 + self.rng.below(80) as u32;
        let reading = NewVital::new(
            VitalValue::BloodPressure { systolic: sys, diastolic: 60, pulse: None, context: BpContext::Morning },
            at,
        );
        let dev = &self.devices[d];
        let current =
            dev.store.list_vitals(dev.profile.id, &techo_core::store::VitalQuery { limit: 500, ..Default::default() });
        let current = current.unwrap_or_else(|e| self.fail(&format!("list failed: {e}"))).items;
        let choice = self.rng.below(10);
        let result = if choice < 6 || current.is_empty() {
            dev.store.record_vital(dev.profile.id, reading).map(|r| Some(r.vital.id))
        } else {
            let target = current[self.rng.below(current.len() as u64) as usize].id;
            if choice < 8 {
                dev.store.amend_vital(target, reading).map(|r| Some(r.vital.id))
            } else {
                dev.store.delete_vital(target).map(|_| None)
            }
        };
        match result {
            Ok(Some(id)) => self.created.push(id),
            Ok(None) => {}
            Err(e) => self.fail(&format!("local write on {} failed: {e}", dev.name)),
        }
        self.faults.writes += 1;
    }

    fn deliver(&mut self, d: usize, req: &Request) -> Result<Response, Failure> {
        let device_id = self.devices[d].store.device_id().to_owned();
        let to_failure = |e: techo_server::error::ApiError| Failure::Http {
            status: e.status.as_u16(),
            code: Some(e.code),
            retry_after: e.retry_after_secs.map(std::time::Duration::from_secs),
        };
        match req {
            Request::Push(p) => {
                self.devices[d].sent.push(p.clone());
                let answer = sync_service::push(&self.server, &self.limits, self.resident, &device_id, p.clone())
                    .map(Response::Push)
                    .map_err(to_failure);
                self.check_photos_stored_before_records();
                answer
            }
            Request::Pull(q) => sync_service::pull(&self.server, &self.limits, self.resident, &device_id, q)
                .map(Response::Pull)
                .map_err(to_failure),
            Request::UploadStart(start) => {
                blob_service::start(&self.server, &self.uploads, &self.limits, self.resident, start)
                    .map(Response::Upload)
                    .map_err(to_failure)
            }
            Request::UploadChunk { upload_id, offset, bytes } => {
                blob_service::write_chunk(&self.server, &self.uploads, self.resident, upload_id, *offset, bytes)
                    .map(Response::Upload)
                    .map_err(to_failure)
            }
            Request::UploadStatus { upload_id } => {
                blob_service::status(&self.server, &self.uploads, self.resident, upload_id)
                    .map(Response::Upload)
                    .map_err(to_failure)
            }
        }
    }

    /// What the network does with one request.
    fn network(&mut self, d: usize, req: Request) -> Result<Response, Failure> {
        if !self.faults_on {
            return self.deliver(d, &req);
        }
        match self.rng.below(100) {
            0..=9 => {
                self.faults.dropped_requests += 1;
                Err(Failure::Network("request dropped".into()))
            }
            10..=19 => {
                self.faults.lost_responses += 1;
                let _ = self.deliver(d, &req);
                Err(Failure::Network("response lost".into()))
            }
            20..=29 => {
                self.faults.duplicated += 1;
                let _ = self.deliver(d, &req);
                self.deliver(d, &req)
            }
            30..=34 => {
                self.faults.server_errors += 1;
                Err(Failure::Http { status: 503, code: None, retry_after: None })
            }
            _ => self.deliver(d, &req),
        }
    }

    /// Feeds one event to a device's engine (starting a run if none is active) and executes
    /// what it asks for, up to the next event it waits on.
    fn sync_step(&mut self, d: usize) {
        self.faults.sync_steps += 1;
        let event = match self.devices[d].engine.is_some() {
            true => self.devices[d].next_event.take().unwrap_or_else(|| self.fail("engine waiting without an event")),
            false => {
                let seed = self.rng.next_u64();
                self.devices[d].engine = Some(SyncEngine::new(engine_config(), seed));
                Event::Start
            }
        };
        let dev = &mut self.devices[d];
        let engine = dev.engine.as_mut().unwrap_or_else(|| unreachable!("engine was just ensured"));
        let handled = engine.handle(&dev.store, event);
        let name = dev.name;
        let instructions = match handled {
            Ok(i) => i,
            Err(e) => self.fail(&format!("engine on {name} failed: {e}")),
        };
        for ins in instructions {
            match ins {
                Instruction::Progress(_) => {}
                Instruction::Finish(report) => {
                    if report.outcome == SyncOutcome::NeedsLogin || report.outcome == SyncOutcome::UpdateRequired {
                        self.fail(&format!("unexpected outcome {:?}", report.outcome));
                    }
                    self.devices[d].engine = None;
                }
                Instruction::Sleep { .. } => self.devices[d].next_event = Some(Event::TimerFired),
                Instruction::RefreshCredentials => {
                    self.devices[d].next_event = Some(Event::CredentialsRefreshed { ok: true })
                }
                Instruction::Send(req) => {
                    let answer = self.network(d, req);
                    self.devices[d].next_event = Some(Event::Response(answer));
                }
            }
        }
    }

    /// A push that arrives again long after (a retransmission stuck in some queue).
    fn late_replay(&mut self) {
        let d = self.rng.below(self.devices.len() as u64) as usize;
        let sent = self.devices[d].sent.len();
        if sent == 0 {
            return;
        }
        let old = self.devices[d].sent[self.rng.below(sent as u64) as usize].clone();
        let device_id = self.devices[d].store.device_id().to_owned();
        let _ = sync_service::push(&self.server, &self.limits, self.resident, &device_id, old);
        self.faults.late_replays += 1;
    }

    /// Every photo a sheet on the server shows is stored there: a record never arrives before
    /// the blobs it names.
    fn check_photos_stored_before_records(&self) {
        for ((entity, _), payload) in crate::harness::held_on_server(&self.server, HM) {
            let Some(payload) = payload.filter(|_| entity == "emergency_sheet") else { continue };
            let pages = payload["pages"].as_array().cloned().unwrap_or_default();
            for blob in pages.iter().flat_map(|p| [&p["image"], &p["thumbnail"]]) {
                let sha = blob["sha256"].as_str().unwrap_or_default();
                if !matches!(self.server.blob(self.resident, sha), Ok(Some(_))) {
                    self.fail("a sheet reached the server before a photo it shows");
                }
            }
        }
    }

    fn run_to_completion(&mut self, d: usize) {
        for _ in 0..10_000 {
            self.sync_step(d);
            if self.devices[d].engine.is_none() {
                return;
            }
        }
        self.fail("a healed sync did not finish");
    }

    fn heal_and_check(&mut self) {
        self.faults_on = false;
        for d in 0..self.devices.len() {
            // Finish whatever run was in progress, then full runs.
            if self.devices[d].engine.is_some() {
                self.run_to_completion(d);
            }
        }
        for _round in 0..2 {
            for d in 0..self.devices.len() {
                self.sync_step(d);
                if self.devices[d].engine.is_some() {
                    self.run_to_completion(d);
                }
            }
        }
        let server = server_view(&self.server, HM);
        let held = crate::harness::held_on_server(&self.server, HM);
        for dev in &self.devices {
            let view = crate::harness::view_of(&dev.store, &dev.profile);
            if view != server {
                self.fail(&format!(
                    "device {} does not match the server ({} vs {} readings)",
                    dev.name,
                    view.len(),
                    server.len()
                ));
            }
            // Record by record, every family, deleted and corrected ones included.
            let on_device = crate::harness::held_on_device(&dev.store, &dev.profile);
            if on_device != held {
                let differ = on_device.keys().chain(held.keys()).filter(|k| on_device.get(*k) != held.get(*k)).count();
                self.fail(&format!("device {} holds {differ} record(s) other than the server's", dev.name));
            }
            let left = dev.store.outbox_len().unwrap_or(u64::MAX);
            if left != 0 {
                self.fail(&format!("device {} still has {left} outbox entries after healing", dev.name));
            }
        }
        let on_server = crate::harness::all_server_ids(&self.server, HM);
        for id in &self.created {
            if !on_server.contains(&id.to_string()) {
                self.fail(&format!("reading {id} created on a device never reached the server"));
            }
        }
        if on_server.len() != self.created.len() {
            self.fail(&format!("server holds {} records for {} created readings", on_server.len(), self.created.len()));
        }
    }
}

/// A small photo whose pixels depend on `seed` (grain keeps the JPEG from compressing to
/// nothing, so a page takes a few chunks).
pub fn grainy_jpeg(seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    let pixels: Vec<u8> = (0..160 * 200 * 3)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x & 0xff) as u8
        })
        .collect();
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 90).encode(&pixels, 160, 200, jpeg_encoder::ColorType::Rgb).expect("jpeg");
    jpeg
}
