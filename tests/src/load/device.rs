//! One simulated phone: a signed-in device of one patient that makes changes of every family,
//! then syncs the way the app does — photos uploaded first (chunk by chunk, resumed where the
//! server says), then the outbox pushed in batches, then pull pages until the end — and retries
//! every failure as the app does: the same mutation ids, the same upload ids, a new sign-in
//! only when the server no longer takes the token.
//!
//! It remembers what the server acknowledged (the ledger [`crate::load::verify`] checks) and
//! keeps a mirror of the patient's records from its own acknowledged writes and its pulls (its
//! "view", compared with the server's at the end). With a replica id, as the apps send, its
//! pulls leave out what it wrote last, so its own writes come from the acknowledgements alone.

use crate::load::http::{Client, Failure};
use crate::load::payloads;
use crate::load::stats::Stats;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use techo_domain::HmCode;
use techo_protocol::records::PhotoPage;
use techo_protocol::records::checkup::Checkup;
use techo_protocol::sync::{Change, Mutation, MutationStatus, PushRequest, PushResponse};
use techo_protocol::uploads::UploadStart;
use techo_protocol::{Entity, Op, PROTOCOL_VERSION, SCHEMA_VERSION};

/// The client's batch size (the shipped `EngineConfig::push_batch`).
const PUSH_BATCH: usize = 200;
/// No pull runs on forever, whatever the server answers.
const MAX_PULL_PAGES: u32 = 100_000;
/// Most pages a sheet keeps (`techo_domain::emergency_sheet::MAX_PAGES`).
const SHEET_MAX_PAGES: usize = techo_domain::emergency_sheet::MAX_PAGES;

/// What every device of a run shares.
pub struct Shared {
    pub client: Client,
    pub password: String,
    /// The demo pharmacy's credential, when pharmacy submissions are part of the mix.
    pub pharmacy: Option<(String, String)>,
    /// Set when devices should stop making changes and finish what they hold.
    pub stop: AtomicBool,
    /// After this, nothing is retried any more (what is still queued counts as not drained).
    pub give_up: std::sync::Mutex<Instant>,
    pub base: chrono::DateTime<chrono::FixedOffset>,
    pub chunk_bytes: usize,
    pub pull_limit: u32,
    pub think: Duration,
    pub max_sessions: u32,
}

impl Shared {
    fn given_up(&self) -> bool {
        Instant::now() >= *self.give_up.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// A record as a device or the server holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub version: u64,
    pub deleted: bool,
    /// Absent for a deleted record (its last payload is not compared).
    pub payload: Option<serde_json::Value>,
}

pub type Key = (String, String);

/// A mutation the server acknowledged, with the version it answered.
#[derive(Debug, Clone)]
pub struct Acked {
    pub key: Key,
    pub version: u64,
    pub deleted: bool,
    pub payload: serde_json::Value,
}

pub struct SimDevice {
    pub hm: String,
    patient: HmCode,
    pub device_id: String,
    /// The local copy's id sent with pushes and pulls (the app keeps one per local database);
    /// `None` for an app from before replicas, whose pulls bring its own writes back too.
    replica: Option<String>,
    /// Makes this device's medication receipts its own (two devices of one patient never
    /// scan the same receipt).
    salt: usize,
    access: Option<String>,
    refresh: Option<String>,
    rng: StdRng,
    counter: u32,
    outbox: VecDeque<Mutation>,
    pub acked: Vec<Acked>,
    /// Entry ids the pharmacy was told were stored for this device's patient.
    pub pharmacy_entries: Vec<String>,
    pub mirror: BTreeMap<Key, Held>,
    cursor: Option<String>,
    vitals: Vec<String>,
    medications: Vec<String>,
    /// Own checkups with the version last acknowledged.
    checkups: Vec<(Checkup, u64)>,
    pub stats: Stats,
    pub drain_stats: Stats,
    draining: bool,
    /// When this device noticed the end of the measured window.
    pub window_end: Option<Instant>,
    pub sessions: u32,
    /// Photos whose upload did not finish (their records were never queued).
    pub uploads_abandoned: u64,
}

impl SimDevice {
    pub fn new(hm: &str, device_id: String, salt: usize, seed: u64, replica: Option<String>) -> Result<Self, String> {
        Ok(Self {
            hm: hm.to_owned(),
            patient: HmCode::parse(hm).map_err(|_| format!("not an HM code: {hm}"))?,
            device_id,
            replica,
            salt,
            access: None,
            refresh: None,
            rng: StdRng::seed_from_u64(seed),
            counter: 0,
            outbox: VecDeque::new(),
            acked: Vec::new(),
            pharmacy_entries: Vec::new(),
            mirror: BTreeMap::new(),
            cursor: None,
            vitals: Vec::new(),
            medications: Vec::new(),
            checkups: Vec::new(),
            stats: Stats::default(),
            drain_stats: Stats::default(),
            draining: false,
            window_end: None,
            sessions: 0,
            uploads_abandoned: 0,
        })
    }

    /// Mutations still waiting to be acknowledged.
    pub fn queued(&self) -> usize {
        self.outbox.len()
    }

    fn st(&mut self) -> &mut Stats {
        if self.draining { &mut self.drain_stats } else { &mut self.stats }
    }

    fn next_k(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    /// Backs off before sending a failed request again; `false` once the run has given up.
    async fn backoff(&mut self, sh: &Shared, attempt: &mut u32, f: &Failure) -> bool {
        if sh.given_up() {
            return false;
        }
        *attempt += 1;
        let exp = Duration::from_millis(20) * 2u32.pow((*attempt).min(6));
        let wait = exp.min(Duration::from_secs(1)).mul_f64(self.rng.random_range(0.5..1.5));
        tokio::time::sleep(f.retry_after().map_or(wait, |ra| ra.max(wait))).await;
        true
    }

    /// Signs in (password, as the first start of the app) when there is no token at all.
    pub async fn sign_in(&mut self, sh: &Shared) -> bool {
        let mut attempt = 0;
        loop {
            let (hm, device) = (self.hm.clone(), self.device_id.clone());
            match sh.client.login(self.st(), &hm, &sh.password, &device).await {
                Ok(t) => {
                    self.access = Some(t.access_token);
                    self.refresh = Some(t.refresh_token);
                    return true;
                }
                Err(f) if f.transient() => {
                    if !self.backoff(sh, &mut attempt, &f).await {
                        return false;
                    }
                }
                Err(_) => return false,
            }
        }
    }

    /// After a 401: the refresh token first, as the app does; a password sign-in if that is
    /// refused too.
    async fn renew(&mut self, sh: &Shared) -> bool {
        self.access = None;
        let Some(refresh) = self.refresh.clone() else { return self.sign_in(sh).await };
        let mut attempt = 0;
        loop {
            let device = self.device_id.clone();
            match sh.client.refresh(self.st(), &refresh, &device).await {
                Ok(t) => {
                    self.access = Some(t.access_token);
                    self.refresh = Some(t.refresh_token);
                    return true;
                }
                Err(f) if f.transient() => {
                    if !self.backoff(sh, &mut attempt, &f).await {
                        return false;
                    }
                }
                Err(_) => return self.sign_in(sh).await,
            }
        }
    }

    async fn token(&mut self, sh: &Shared) -> Option<String> {
        if self.access.is_none() && !self.renew(sh).await {
            return None;
        }
        self.access.clone()
    }

    /// Sessions back to back (with the think time between) until the run stops, then what is
    /// left is pushed and pulled.
    pub async fn run(mut self, sh: std::sync::Arc<Shared>, start: Instant) -> Self {
        tokio::time::sleep_until(start.into()).await;
        while !sh.stopping() && self.sessions < sh.max_sessions {
            let changes = self.rng.random_range(1..=3);
            for _ in 0..changes {
                self.make_change(&sh).await;
            }
            self.push_all(&sh).await;
            self.pull_all(&sh).await;
            self.sessions += 1;
            if !sh.think.is_zero() {
                tokio::time::sleep(sh.think.mul_f64(self.rng.random_range(0.5..1.5))).await;
            }
        }
        self.window_end = Some(Instant::now());
        self.draining = true;
        self.push_all(&sh).await;
        self.pull_all(&sh).await;
        self
    }

    /// One pull to the end, after every device has finished (the last step before comparing).
    pub async fn final_pull(mut self, sh: std::sync::Arc<Shared>) -> Self {
        self.draining = true;
        self.push_all(&sh).await;
        self.pull_all(&sh).await;
        self
    }

    async fn make_change(&mut self, sh: &Shared) {
        let k = self.next_k();
        let roll = self.rng.random_range(0..100u32);
        match roll {
            0..=44 => self.add_vitals(sh, k),
            45..=50 if !self.vitals.is_empty() => {
                let i = self.rng.random_range(0..self.vitals.len());
                let id = self.vitals.swap_remove(i);
                self.outbox.push_back(payloads::tombstone(Entity::Vital, &id, &self.patient));
            }
            51..=58 => {
                let receipt = payloads::receipt_text(k, "3400000001", &format!("ロード錠{}号", self.salt));
                for m in payloads::medication_import(&self.patient, &receipt) {
                    self.medications.push(m.entity_id.clone());
                    self.outbox.push_back(m);
                }
            }
            59..=60 if !self.medications.is_empty() => {
                let i = self.rng.random_range(0..self.medications.len());
                let id = self.medications.swap_remove(i);
                self.outbox.push_back(payloads::tombstone(Entity::Medication, &id, &self.patient));
            }
            61..=64 if sh.pharmacy.is_some() => self.pharmacy_submit(sh, k).await,
            65..=68 => {
                if let Some(page) = self.photo_page(sh, k).await {
                    let c = payloads::checkup(&self.patient, k, vec![page]);
                    self.outbox.push_back(payloads::checkup_mutation(&c, Op::Create, None));
                    self.checkups.push((c, 0));
                }
            }
            69..=77 if self.checkups.iter().any(|(c, v)| *v > 0 && !self.pending(&c.id)) => {
                let known: Vec<usize> = (0..self.checkups.len())
                    .filter(|&i| self.checkups[i].1 > 0 && !self.pending(&self.checkups[i].0.id))
                    .collect();
                let i = known[self.rng.random_range(0..known.len())];
                let (c, version) = &mut self.checkups[i];
                payloads::edit_checkup(c, k);
                self.outbox.push_back(payloads::checkup_mutation(c, Op::Update, Some(*version)));
            }
            78 if !self.checkups.is_empty() => {
                let i = self.rng.random_range(0..self.checkups.len());
                let (c, _) = self.checkups.swap_remove(i);
                self.outbox.push_back(payloads::tombstone(Entity::Checkup, &c.id, &self.patient));
            }
            // One save of the sheet per session: a second would be based on the version the
            // first has not been answered with yet.
            79..=86 if !self.outbox.iter().any(|m| m.entity == Entity::EmergencySheet) => self.save_sheet(sh, k).await,
            _ => self.add_vitals(sh, k),
        }
    }

    /// Whether a change of this record waits in the outbox (its next edit must wait for the
    /// version the server answers it with).
    fn pending(&self, id: &str) -> bool {
        self.outbox.iter().any(|m| m.entity_id == id)
    }

    fn add_vitals(&mut self, _sh: &Shared, k: u32) {
        let n = self.rng.random_range(1..=10u32);
        for j in 0..n {
            let m = payloads::vital(&mut self.rng, &self.patient, &self.device_id, _sh.base, k * 16 + j);
            self.vitals.push(m.entity_id.clone());
            self.outbox.push_back(m);
        }
    }

    async fn save_sheet(&mut self, sh: &Shared, k: u32) {
        let key =
            (Entity::EmergencySheet.to_string(), techo_domain::emergency_sheet::sheet_id(&self.patient).to_string());
        let known = self.mirror.get(&key).filter(|h| !h.deleted).cloned();
        let mut pages = known.as_ref().map(|h| pages_of(h.payload.as_ref())).unwrap_or_default();
        if pages.len() < SHEET_MAX_PAGES && self.rng.random_range(0..4u32) == 0 {
            match self.photo_page(sh, k).await {
                Some(p) => pages.push(p),
                None => return,
            }
        }
        let s = payloads::sheet(&self.patient, &self.device_id, k, pages);
        let m = match known {
            Some(h) => payloads::sheet_mutation(&s, Op::Update, Some(h.version)),
            None => payloads::sheet_mutation(&s, Op::Create, None),
        };
        self.outbox.push_back(m);
    }

    /// Uploads a page photo and its thumbnail; the page to name in a record once both are stored.
    async fn photo_page(&mut self, sh: &Shared, k: u32) -> Option<PhotoPage> {
        let seed = self.rng.random::<u64>() ^ u64::from(k);
        let image = payloads::jpeg(seed, 96, 128);
        let thumbnail = payloads::jpeg(seed.rotate_left(17), 24, 32);
        if image.is_empty() || thumbnail.is_empty() {
            return None;
        }
        for bytes in [&image, &thumbnail] {
            if !self.upload(sh, bytes).await {
                self.uploads_abandoned += 1;
                return None;
            }
        }
        Some(payloads::page(&image, &thumbnail, 96, 128))
    }

    /// One resumable upload, as the app's engine runs it: start (or find) it, send chunks at
    /// the server's offset, ask where it is after an offset mismatch, begin again if it is gone.
    async fn upload(&mut self, sh: &Shared, bytes: &[u8]) -> bool {
        let blob = payloads::blob_ref(bytes);
        let start = UploadStart { patient: self.hm.clone(), sha256: blob.sha256, size: blob.size, mime: blob.mime };
        let len = bytes.len() as u64;
        let mut upload_id: Option<String> = None;
        let mut offset = 0u64;
        let mut attempt = 0;
        loop {
            let Some(token) = self.token(sh).await else { return false };
            let answer = match &upload_id {
                None => sh.client.upload_start(self.st(), &token, &start).await,
                Some(id) => {
                    let end = (offset + sh.chunk_bytes as u64).min(len);
                    let chunk = bytes[offset as usize..end as usize].to_vec();
                    let id = id.clone();
                    sh.client.upload_chunk(self.st(), &token, &id, offset, chunk).await
                }
            };
            match answer {
                Ok(state) if state.blob.is_some() => return true,
                Ok(state) => match state.upload_id {
                    Some(id) => {
                        attempt = 0;
                        upload_id = Some(id);
                        offset = state.offset.min(len);
                    }
                    None => {
                        if !self.backoff(sh, &mut attempt, &Failure::Network("upload without id".into())).await {
                            return false;
                        }
                    }
                },
                Err(f) if f.status() == Some(401) => {
                    if !self.renew(sh).await {
                        return false;
                    }
                }
                Err(f) if f.status() == Some(409) && f.code() == Some("upload_offset_mismatch") => {
                    let Some(id) = upload_id.clone() else { return false };
                    match sh.client.upload_status(self.st(), &token, &id).await {
                        Ok(state) if state.blob.is_some() => return true,
                        Ok(state) => offset = state.offset.min(len),
                        Err(f) if f.status() == Some(404) => {
                            upload_id = None;
                            offset = 0;
                        }
                        Err(f) => {
                            if !self.backoff(sh, &mut attempt, &f).await {
                                return false;
                            }
                        }
                    }
                }
                Err(f) if f.status() == Some(404) && upload_id.is_some() => {
                    upload_id = None;
                    offset = 0;
                }
                Err(f) if f.transient() => {
                    if !self.backoff(sh, &mut attempt, &f).await {
                        return false;
                    }
                }
                Err(f) => {
                    let code = f.code().unwrap_or("upload refused").to_owned();
                    *self.st().rejected.entry(format!("upload: {code}")).or_default() += 1;
                    return false;
                }
            }
        }
    }

    /// The pharmacy sends this patient a dispensing (in the run, the device's session stands in
    /// for the pharmacy's system); retried whole, as the same file is stored once.
    async fn pharmacy_submit(&mut self, sh: &Shared, k: u32) {
        let Some((code, credential)) = sh.pharmacy.clone() else { return };
        let text = payloads::receipt_text(k, &code, &format!("薬局錠{}号", self.salt));
        let body = techo_jahis::encode_cp932(&text).0;
        let mut attempt = 0;
        loop {
            let hm = self.hm.clone();
            match sh.client.pharmacy_submit(self.st(), &credential, &hm, body.clone()).await {
                Ok(sub) => {
                    self.pharmacy_entries.extend(sub.entries);
                    return;
                }
                Err(f) if f.transient() => {
                    if !self.backoff(sh, &mut attempt, &f).await {
                        return;
                    }
                }
                Err(f) => {
                    let code = f.code().unwrap_or("refused").to_owned();
                    *self.st().rejected.entry(format!("pharmacy: {code}")).or_default() += 1;
                    return;
                }
            }
        }
    }

    /// Pushes the outbox in batches until it is empty (or the run gives up).
    async fn push_all(&mut self, sh: &Shared) {
        let mut attempt = 0;
        while !self.outbox.is_empty() {
            let batch: Vec<Mutation> = self.outbox.iter().take(PUSH_BATCH).cloned().collect();
            let req = PushRequest {
                protocol_version: PROTOCOL_VERSION,
                schema_version: SCHEMA_VERSION,
                mutations: batch,
                replica: self.replica.clone(),
            };
            let Some(token) = self.token(sh).await else { return };
            match sh.client.push(self.st(), &token, &req).await {
                Ok(answer) => {
                    attempt = 0;
                    self.on_push(req.mutations, answer);
                }
                Err(f) if f.status() == Some(401) => {
                    if !self.renew(sh).await {
                        return;
                    }
                }
                Err(f) if f.transient() => {
                    if !self.backoff(sh, &mut attempt, &f).await {
                        return;
                    }
                }
                Err(f) => {
                    // The whole batch refused: the generator wrote something the server will
                    // never take. Counted (a finding), and set aside so the queue moves on.
                    let code = f.code().unwrap_or("batch refused").to_owned();
                    *self.st().rejected.entry(format!("push: {code}")).or_default() += req.mutations.len() as u64;
                    self.outbox.drain(..req.mutations.len());
                }
            }
        }
    }

    fn on_push(&mut self, sent: Vec<Mutation>, answer: PushResponse) {
        let n = sent.len();
        let mut again = Vec::new();
        for (m, r) in sent.into_iter().zip(answer.results) {
            match r.status {
                MutationStatus::Applied | MutationStatus::Duplicate => self.ack(&m, r.commit_seq.unwrap_or(0)),
                MutationStatus::Rejected => {
                    let code = r.error.map_or_else(|| "rejected".to_owned(), |c| c.to_string());
                    *self.st().rejected.entry(format!("{}: {code}", m.entity)).or_default() += 1;
                }
                MutationStatus::Conflict => {
                    self.st().conflicts += 1;
                    // Another device of the patient saved the document first: ours goes again
                    // over theirs (their pages kept), as the app's merge does for a field both changed.
                    if let Some(server) = r.server_record {
                        self.seen(&server);
                        if !server.deleted {
                            again.push(self.rebase(&m, &server));
                        }
                    }
                }
            }
        }
        self.outbox.drain(..n.min(self.outbox.len()));
        for m in again.into_iter().rev() {
            self.outbox.push_front(m);
        }
    }

    fn rebase(&mut self, m: &Mutation, server: &Change) -> Mutation {
        let mut m = payloads::rebased(m, Op::Update, Some(server.version));
        if m.entity == Entity::EmergencySheet {
            let theirs = pages_of(Some(&server.payload));
            let mut pages = pages_of(Some(&m.payload));
            for p in theirs {
                if pages.len() < SHEET_MAX_PAGES && !pages.iter().any(|q| q.image.sha256 == p.image.sha256) {
                    pages.push(p);
                }
            }
            m.payload["pages"] = serde_json::to_value(pages).unwrap_or_default();
        }
        m
    }

    fn ack(&mut self, m: &Mutation, version: u64) {
        let key = (m.entity.to_string(), m.entity_id.clone());
        let deleted = m.op == Op::Delete;
        self.st().acknowledged += 1;
        self.acked.push(Acked { key: key.clone(), version, deleted, payload: m.payload.clone() });
        if let Some((_, v)) = self.checkups.iter_mut().find(|(c, _)| c.id == m.entity_id) {
            *v = (*v).max(version);
        }
        let held = Held { version, deleted, payload: (!deleted).then(|| m.payload.clone()) };
        // An answer at a version already held names a state the server had before (a create of
        // something deleted meanwhile is answered with the deletion's version): what was pulled
        // at that version is the server's state, and with a replica it is not sent again.
        if self.mirror.get(&key).is_none_or(|h| h.version < version) {
            self.mirror.insert(key, held);
        }
    }

    fn seen(&mut self, c: &Change) {
        let key = (c.entity.to_string(), c.id.clone());
        let held = Held { version: c.version, deleted: c.deleted, payload: (!c.deleted).then(|| c.payload.clone()) };
        if self.mirror.get(&key).is_none_or(|h| h.version <= c.version) {
            self.mirror.insert(key, held);
        }
    }

    /// Pulls from the device's cursor to the end.
    async fn pull_all(&mut self, sh: &Shared) {
        let mut attempt = 0;
        for _ in 0..MAX_PULL_PAGES {
            let Some(token) = self.token(sh).await else { return };
            let (hm, cursor) = (self.hm.clone(), self.cursor.clone());
            let replica = self.replica.clone();
            match sh.client.pull(self.st(), &token, &hm, cursor.as_deref(), sh.pull_limit, replica.as_deref()).await {
                Ok(page) => {
                    attempt = 0;
                    if page.reset.is_some() {
                        self.st().resets += 1;
                        self.cursor = None;
                        continue;
                    }
                    self.st().pulled += page.changes.len() as u64;
                    for c in &page.changes {
                        self.seen(c);
                    }
                    self.cursor = Some(page.next_cursor);
                    if !page.has_more {
                        return;
                    }
                }
                Err(f) if f.status() == Some(401) => {
                    if !self.renew(sh).await {
                        return;
                    }
                }
                Err(f) if f.transient() => {
                    if !self.backoff(sh, &mut attempt, &f).await {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    }

    /// Every record of the patient from no cursor, as a fresh device would download it, with
    /// how often each (entity, id) appeared; `None` when the server could not be read to the end.
    pub async fn full_download(&mut self, sh: &Shared) -> Option<BTreeMap<Key, (Held, u32)>> {
        let mut out: BTreeMap<Key, (Held, u32)> = BTreeMap::new();
        let mut cursor: Option<String> = None;
        let mut attempt = 0;
        for _ in 0..MAX_PULL_PAGES {
            let token = self.token(sh).await?;
            let hm = self.hm.clone();
            // As a fresh device downloads: no replica, so nothing is left out.
            match sh.client.pull(self.st(), &token, &hm, cursor.as_deref(), 1000, None).await {
                Ok(page) => {
                    attempt = 0;
                    for c in page.changes {
                        let held =
                            Held { version: c.version, deleted: c.deleted, payload: (!c.deleted).then_some(c.payload) };
                        let e = out.entry((c.entity.to_string(), c.id)).or_insert((held.clone(), 0));
                        e.0 = held;
                        e.1 += 1;
                    }
                    cursor = Some(page.next_cursor);
                    if !page.has_more {
                        return Some(out);
                    }
                }
                Err(f) if f.status() == Some(401) => {
                    if !self.renew(sh).await {
                        return None;
                    }
                }
                Err(f) if f.transient() => {
                    if !self.backoff(sh, &mut attempt, &f).await {
                        return None;
                    }
                }
                Err(_) => return None,
            }
        }
        None
    }
}

fn pages_of(payload: Option<&serde_json::Value>) -> Vec<PhotoPage> {
    payload.and_then(|p| serde_json::from_value(p["pages"].clone()).ok()).unwrap_or_default()
}
