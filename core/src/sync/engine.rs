//! The sync state machine, free of I/O: events in, instructions out. The driver performs the
//! HTTP requests and sleeps it asks for; a simulator can play the network and the clock instead.
//! Local state changes go through the store, one transaction per step, so a crash or a dropped
//! future between two steps never leaves anything half-applied.

use crate::domain::Profile;
use crate::error::Result;
use crate::store::{OutboxEntry, Store, UploadTask};
use serde::Serialize;
use std::collections::VecDeque;
use std::time::Duration;
use techo_protocol::error::ErrorCode;
use techo_protocol::sync::{Mutation, PullQuery, PullResponse, PushRequest, PushResponse};
use techo_protocol::uploads::{UploadStart, UploadState};
use techo_protocol::{PROTOCOL_VERSION, SCHEMA_VERSION};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max: Duration,
    /// Consecutive failed attempts before a run gives up (the outbox is kept for the next run).
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { base: Duration::from_millis(500), max: Duration::from_secs(60), max_attempts: 6 }
    }
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub push_batch: u32,
    pub pull_limit: u32,
    pub retry: RetryPolicy,
    /// Push/pull rounds per run, so writes made during a sync also go out in it.
    pub max_rounds: u32,
    /// Bytes per upload chunk: small enough that a slow mobile link finishes one between
    /// interruptions, large enough that a 1 MB page takes a handful of requests.
    pub upload_chunk: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            push_batch: 200,
            pull_limit: 500,
            retry: RetryPolicy::default(),
            max_rounds: 3,
            upload_chunk: 256 * 1024,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Push(PushRequest),
    Pull(PullQuery),
    /// `POST /v1/uploads`.
    UploadStart(UploadStart),
    /// `PATCH /v1/uploads/{upload_id}`.
    UploadChunk {
        upload_id: String,
        offset: u64,
        bytes: Vec<u8>,
    },
    /// `GET /v1/uploads/{upload_id}`.
    UploadStatus {
        upload_id: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Push(PushResponse),
    Pull(PullResponse),
    Upload(UploadState),
}

/// Why a request produced no usable answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// No answer, or an unreadable one (reset, timeout, truncated body): try again later.
    Network(String),
    Http {
        status: u16,
        code: Option<ErrorCode>,
        retry_after: Option<Duration>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Start,
    /// The answer to the last `Send`.
    Response(std::result::Result<Response, Failure>),
    /// The last `Sleep` is over.
    TimerFired,
    CredentialsRefreshed {
        ok: bool,
    },
    /// The renewal asked for could not reach the server (no verdict on the sign-in).
    CredentialsUnreachable {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Instruction {
    Send(Request),
    /// Wait `delay` before trying again, then answer with `TimerFired`. The first `at_least` of
    /// it is what the server asked for (`Retry-After`) and is kept whole; the driver may cut the
    /// rest, the engine's own backoff, short when the person asks for a sync again.
    Sleep {
        delay: Duration,
        at_least: Duration,
    },
    /// Get a new access token, then answer with `CredentialsRefreshed`.
    RefreshCredentials,
    Progress(SyncProgress),
    Finish(SyncReport),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Starting,
    Uploading,
    Pushing,
    Pulling,
    WaitingToRetry,
    Done,
}

/// For progress bars and status lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub pushed: u64,
    pub pulled: u64,
    /// Changes still waiting to be sent.
    pub pending: u64,
    pub last_error: Option<String>,
    /// While a photo is uploading: bytes the server holds of it, and its size.
    pub upload_sent: u64,
    pub upload_size: u64,
    /// The same as the screens print it: whole percent, rounded down (100 only when all is in).
    pub upload_percent: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SyncOutcome {
    Complete,
    /// The server could not be reached often enough; everything is kept for the next run.
    Offline {
        reason: String,
    },
    NeedsLogin,
    /// The server speaks a newer protocol.
    UpdateRequired,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncReport {
    #[serde(flatten)]
    pub outcome: SyncOutcome,
    pub pushed: u64,
    pub rejected: u64,
    /// Photos the server now holds (sent in this run, or found already there).
    pub uploaded: u64,
    pub pulled: u64,
    pub gated: u64,
    pub requeued: u64,
    pub requests: u64,
    /// Bytes on the wire in this run (request and response bodies), filled in by the driver.
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub retries: u64,
    /// Pending and refused changes after the run.
    pub pending: u64,
    pub wedged: u64,
    /// Profiles on this device that the account may not sync (yet).
    pub not_linked: Vec<String>,
    pub must_refetch: bool,
}

impl SyncReport {
    /// A run that ended before the server could be asked anything useful; nothing was lost.
    pub fn stopped(reason: String) -> Self {
        Self { outcome: SyncOutcome::Offline { reason }, ..Self::new() }
    }

    fn new() -> Self {
        Self {
            outcome: SyncOutcome::Complete,
            pushed: 0,
            rejected: 0,
            uploaded: 0,
            pulled: 0,
            gated: 0,
            requeued: 0,
            requests: 0,
            bytes_sent: 0,
            bytes_received: 0,
            retries: 0,
            pending: 0,
            wedged: 0,
            not_linked: vec![],
            must_refetch: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Idle,
    Uploading(UploadTask),
    Pushing,
    Pulling(Profile),
    Waiting(Box<Phase>),
    Refreshing(Box<Phase>),
    Done,
}

/// Seeded xorshift for backoff jitter: deterministic under simulation.
#[derive(Debug, Clone)]
struct Jitter(u64);

impl Jitter {
    fn next_fraction(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub struct SyncEngine {
    cfg: EngineConfig,
    phase: Phase,
    jitter: Jitter,
    attempts: u32,
    batch_size: u32,
    rounds: u32,
    patients: Vec<String>,
    profiles: VecDeque<Profile>,
    in_flight: Vec<OutboxEntry>,
    /// A renewal was tried since the last good answer: a second 401 means signed out.
    refreshed: bool,
    report: SyncReport,
}

impl SyncEngine {
    pub fn new(cfg: EngineConfig, seed: u64) -> Self {
        let batch_size = cfg.push_batch.max(1);
        Self {
            cfg,
            phase: Phase::Idle,
            jitter: Jitter(seed | 1),
            attempts: 0,
            batch_size,
            rounds: 0,
            patients: vec![],
            profiles: VecDeque::new(),
            in_flight: vec![],
            refreshed: false,
            report: SyncReport::new(),
        }
    }

    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    pub fn handle(&mut self, store: &Store, event: Event) -> Result<Vec<Instruction>> {
        let mut out = Vec::new();
        match (std::mem::replace(&mut self.phase, Phase::Idle), event) {
            (Phase::Idle, Event::Start) => self.start(store, &mut out)?,
            (Phase::Pushing, Event::Response(Ok(Response::Push(resp)))) => {
                self.refreshed = false;
                let applied = store.apply_push_results(&self.in_flight, &resp.results)?;
                self.report.pushed += applied.acknowledged;
                self.report.rejected += applied.rejected;
                if applied.acknowledged + applied.rejected + applied.merged + applied.resent == 0 {
                    // An answer that settles nothing would make us resend forever: back off.
                    self.retry_later(store, Phase::Pushing, "empty push answer".into(), None, &mut out)?;
                } else {
                    self.attempts = 0;
                    self.next_push(store, &mut out)?;
                }
            }
            (Phase::Uploading(task), Event::Response(Ok(Response::Upload(state)))) => {
                self.refreshed = false;
                // Only an answer that moves the upload on counts as progress: one that keeps
                // answering the same offset runs into the retry limit instead of looping.
                if state.blob.is_some() || state.offset > task.offset {
                    self.attempts = 0;
                    self.on_upload_state(store, task, state, &mut out)?;
                } else if task.upload_id.is_some() && state.upload_id.is_some() {
                    store.note_upload(&task, state.upload_id.as_deref(), state.offset)?;
                    let task = UploadTask { offset: state.offset.min(task.start.size), ..task };
                    self.retry_later(store, Phase::Uploading(task), "upload did not move on".into(), None, &mut out)?;
                } else {
                    self.on_upload_state(store, task, state, &mut out)?;
                }
            }
            (Phase::Pulling(profile), Event::Response(Ok(Response::Pull(page)))) => {
                self.refreshed = false;
                let applied = store.apply_pull_page(profile.id, &page)?;
                self.report.pulled += applied.applied;
                self.report.gated += applied.gated;
                self.report.requeued += applied.requeued;
                self.report.must_refetch |= applied.refetch_started;
                self.attempts = 0;
                if page.has_more {
                    self.send_pull(store, profile, &mut out)?;
                } else {
                    self.profiles.pop_front();
                    self.next_pull(store, &mut out)?;
                }
            }
            (phase @ (Phase::Uploading(_) | Phase::Pushing | Phase::Pulling(_)), Event::Response(Err(failure))) => {
                self.on_failure(store, phase, failure, &mut out)?
            }
            (Phase::Waiting(resume), Event::TimerFired) => self.resume(store, *resume, &mut out)?,
            (Phase::Refreshing(resume), Event::CredentialsRefreshed { ok: true }) => {
                self.resume(store, *resume, &mut out)?
            }
            (Phase::Refreshing(_), Event::CredentialsRefreshed { ok: false }) => {
                self.finish(store, SyncOutcome::NeedsLogin, &mut out)?
            }
            // A network failure like any other: back off and resume; the resumed request renews
            // the sign-in again before it is sent.
            (Phase::Refreshing(resume), Event::CredentialsUnreachable { reason }) => {
                // No verdict on the sign-in yet, so the next 401 may renew again.
                self.refreshed = false;
                self.retry_later(store, *resume, reason, None, &mut out)?
            }
            // Anything else is a driver bug or a stale event (e.g. a duplicated response): ignore
            // it rather than act twice.
            (phase, _) => self.phase = phase,
        }
        Ok(out)
    }

    fn progress(
        &self,
        store: &Store,
        phase: SyncPhase,
        last_error: Option<String>,
        out: &mut Vec<Instruction>,
    ) -> Result<()> {
        let (upload_sent, upload_size) = match &self.phase {
            Phase::Uploading(task) => (task.offset, task.start.size),
            _ => (0, 0),
        };
        out.push(Instruction::Progress(SyncProgress {
            phase,
            pushed: self.report.pushed,
            pulled: self.report.pulled,
            pending: store.outbox_len()?,
            last_error,
            upload_sent,
            upload_size,
            upload_percent: upload_percent(upload_sent, upload_size),
        }));
        Ok(())
    }

    fn start(&mut self, store: &Store, out: &mut Vec<Instruction>) -> Result<()> {
        let Some(account) = store.account()? else { return self.finish(store, SyncOutcome::NeedsLogin, out) };
        self.patients = account.patients;
        let linked = store.linked_profiles()?;
        self.report.not_linked = store
            .profiles()?
            .into_iter()
            .filter(|p| !linked.iter().any(|l| l.id == p.id))
            .map(|p| p.hm_code.to_string())
            .collect();
        self.profiles = linked.into();
        self.progress(store, SyncPhase::Starting, None, out)?;
        self.next_push(store, out)
    }

    /// Uploads first: the records waiting for them go in the same run.
    fn next_push(&mut self, store: &Store, out: &mut Vec<Instruction>) -> Result<()> {
        if let Some(task) = store.next_upload(&self.patients)? {
            return self.send_upload(store, task, out);
        }
        let batch = store.outbox_batch(&self.patients, self.batch_size)?;
        if batch.is_empty() {
            self.batch_size = self.cfg.push_batch.max(1);
            return self.next_pull(store, out);
        }
        let mutations = batch
            .iter()
            .map(|e| Mutation {
                mutation_id: e.mutation_id.to_string(),
                entity: e.entity.clone(),
                entity_id: e.entity_id.clone(),
                op: e.op,
                base_version: e.base_version.and_then(|v| u64::try_from(v).ok()),
                // Stored by us as JSON; unreadable means the local file is damaged.
                payload: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
                client_time: Some(e.created_at.to_rfc3339()),
            })
            .collect();
        self.in_flight = batch;
        self.phase = Phase::Pushing;
        self.report.requests += 1;
        self.progress(store, SyncPhase::Pushing, None, out)?;
        out.push(Instruction::Send(Request::Push(PushRequest {
            protocol_version: PROTOCOL_VERSION,
            schema_version: SCHEMA_VERSION,
            mutations,
            replica: store.sync_replica(None)?,
        })));
        Ok(())
    }

    fn send_upload(&mut self, store: &Store, task: UploadTask, out: &mut Vec<Instruction>) -> Result<()> {
        if !task.has_bytes {
            store.wedge_seq(task.seq, ErrorCode::MissingMediaContent.as_str())?;
            self.report.rejected += 1;
            return self.next_push(store, out);
        }
        let request = match &task.upload_id {
            None => Request::UploadStart(task.start.clone()),
            Some(id) => {
                let bytes = store.upload_chunk(&task, task.offset, self.cfg.upload_chunk.max(1))?;
                if bytes.is_empty() && task.offset < task.start.size {
                    // Fewer bytes here than the upload announced: they cannot be sent.
                    store.wedge_seq(task.seq, ErrorCode::MissingMediaContent.as_str())?;
                    self.report.rejected += 1;
                    return self.next_push(store, out);
                }
                Request::UploadChunk { upload_id: id.clone(), offset: task.offset, bytes }
            }
        };
        self.phase = Phase::Uploading(task);
        self.report.requests += 1;
        self.progress(store, SyncPhase::Uploading, None, out)?;
        out.push(Instruction::Send(request));
        Ok(())
    }

    fn on_upload_state(
        &mut self,
        store: &Store,
        mut task: UploadTask,
        state: UploadState,
        out: &mut Vec<Instruction>,
    ) -> Result<()> {
        if state.blob.is_some() {
            store.complete_upload(&task)?;
            self.report.uploaded += 1;
            return self.next_push(store, out);
        }
        let Some(upload_id) = state.upload_id else {
            // Neither stored nor in progress: a server this build does not understand.
            return self.retry_later(
                store,
                Phase::Uploading(task),
                "upload answer without an upload".into(),
                None,
                out,
            );
        };
        store.note_upload(&task, Some(&upload_id), state.offset)?;
        task.upload_id = Some(upload_id);
        task.offset = state.offset.min(task.start.size);
        self.send_upload(store, task, out)
    }

    /// How an upload request that failed goes on: ask where the server is, start over after the
    /// server forgot the upload, or set the upload (and the record waiting for it) aside.
    fn on_upload_failure(
        &mut self,
        store: &Store,
        task: UploadTask,
        status: u16,
        code: Option<ErrorCode>,
        out: &mut Vec<Instruction>,
    ) -> Result<()> {
        match (status, code, &task.upload_id) {
            (409, Some(ErrorCode::UploadOffsetMismatch), Some(id)) => {
                let request = Request::UploadStatus { upload_id: id.clone() };
                self.phase = Phase::Uploading(task);
                self.report.requests += 1;
                out.push(Instruction::Send(request));
                Ok(())
            }
            (404, _, Some(_)) => {
                // Expired or lost with a restored server: begin again.
                store.note_upload(&task, None, 0)?;
                self.send_upload(store, UploadTask { upload_id: None, offset: 0, ..task }, out)
            }
            _ => {
                let reason = code.map_or_else(|| format!("http_{status}"), |c| c.to_string());
                store.wedge_seq(task.seq, &reason)?;
                self.report.rejected += 1;
                self.next_push(store, out)
            }
        }
    }

    fn next_pull(&mut self, store: &Store, out: &mut Vec<Instruction>) -> Result<()> {
        match self.profiles.front().cloned() {
            Some(p) => self.send_pull(store, p, out),
            None => {
                // Writes made meanwhile (or records re-queued after a server restore) go out now.
                let more =
                    !store.outbox_batch(&self.patients, 1)?.is_empty() || store.next_upload(&self.patients)?.is_some();
                if more && self.rounds + 1 < self.cfg.max_rounds {
                    self.rounds += 1;
                    self.profiles = store.linked_profiles()?.into();
                    return self.next_push(store, out);
                }
                self.finish(store, SyncOutcome::Complete, out)
            }
        }
    }

    fn send_pull(&mut self, store: &Store, profile: Profile, out: &mut Vec<Instruction>) -> Result<()> {
        let cursor = store.sync_cursor(profile.id)?;
        let query = PullQuery {
            patient: profile.hm_code.to_string(),
            cursor,
            limit: Some(self.cfg.pull_limit),
            replica: store.sync_replica(Some(profile.id))?,
        };
        self.phase = Phase::Pulling(profile);
        self.report.requests += 1;
        self.progress(store, SyncPhase::Pulling, None, out)?;
        out.push(Instruction::Send(Request::Pull(query)));
        Ok(())
    }

    fn on_failure(&mut self, store: &Store, phase: Phase, failure: Failure, out: &mut Vec<Instruction>) -> Result<()> {
        let (status, code, retry_after) = match &failure {
            Failure::Network(reason) => return self.retry_later(store, phase, reason.clone(), None, out),
            Failure::Http { status, code, retry_after } => (*status, *code, *retry_after),
        };
        match (status, code) {
            (401, _) if !self.refreshed => {
                self.refreshed = true;
                self.phase = Phase::Refreshing(Box::new(phase));
                out.push(Instruction::RefreshCredentials);
                Ok(())
            }
            (401, _) => self.finish(store, SyncOutcome::NeedsLogin, out),
            (_, Some(ErrorCode::VersionNotSupported)) => self.finish(store, SyncOutcome::UpdateRequired, out),
            (400 | 404 | 409 | 413 | 422, _) if matches!(phase, Phase::Uploading(_)) => match phase {
                Phase::Uploading(task) => self.on_upload_failure(store, task, status, code, out),
                other => self.retry_later(store, other, format!("server answered {status}"), retry_after, out),
            },
            (400 | 413 | 422, _) if phase == Phase::Pushing => {
                // The batch as a whole was refused. Send one at a time to find the change that
                // causes it, and set that one aside with the reason; the rest still go out.
                if self.in_flight.len() > 1 {
                    self.batch_size = 1;
                } else if let Some(e) = self.in_flight.first() {
                    let reason = code.map_or_else(|| format!("http_{status}"), |c| c.to_string());
                    store.wedge(e, &reason)?;
                    self.report.rejected += 1;
                }
                self.next_push(store, out)
            }
            (404 | 400, _) if matches!(phase, Phase::Pulling(_)) => {
                // This account may not read that profile (or our cursor is not understood):
                // skip the profile for this run, and say so.
                if let Phase::Pulling(p) = phase {
                    self.report.not_linked.push(p.hm_code.to_string());
                }
                self.profiles.pop_front();
                self.next_pull(store, out)
            }
            _ => self.retry_later(store, phase, format!("server answered {status}"), retry_after, out),
        }
    }

    fn retry_later(
        &mut self,
        store: &Store,
        phase: Phase,
        reason: String,
        retry_after: Option<Duration>,
        out: &mut Vec<Instruction>,
    ) -> Result<()> {
        if phase == Phase::Pushing {
            store.note_push_attempt(&self.in_flight)?;
        }
        self.attempts += 1;
        if self.attempts >= self.cfg.retry.max_attempts {
            return self.finish(store, SyncOutcome::Offline { reason }, out);
        }
        let p = &self.cfg.retry;
        let exp = p.base.saturating_mul(1u32 << (self.attempts - 1).min(16)).min(p.max);
        // Half fixed, half random, so many devices do not retry in lockstep.
        let delay = exp / 2 + exp.mul_f64(self.jitter.next_fraction() / 2.0);
        let delay = retry_after.map_or(delay, |r| delay.max(r));
        self.report.retries += 1;
        self.phase = Phase::Waiting(Box::new(phase));
        self.progress(store, SyncPhase::WaitingToRetry, Some(reason), out)?;
        out.push(Instruction::Sleep { delay, at_least: retry_after.unwrap_or_default().min(delay) });
        Ok(())
    }

    fn resume(&mut self, store: &Store, phase: Phase, out: &mut Vec<Instruction>) -> Result<()> {
        match phase {
            Phase::Pushing => self.next_push(store, out),
            Phase::Pulling(p) => self.send_pull(store, p, out),
            _ => self.next_push(store, out),
        }
    }

    fn finish(&mut self, store: &Store, outcome: SyncOutcome, out: &mut Vec<Instruction>) -> Result<()> {
        if outcome == SyncOutcome::Complete {
            store.note_sync_complete()?;
        }
        self.report.outcome = outcome;
        let counts = store.outbox_counts()?;
        self.report.pending = counts.pending;
        self.report.wedged = counts.wedged;
        self.phase = Phase::Done;
        self.progress(store, SyncPhase::Done, None, out)?;
        out.push(Instruction::Finish(self.report.clone()));
        Ok(())
    }
}

fn upload_percent(sent: u64, size: u64) -> u8 {
    let percent = (u128::from(sent.min(size)) * 100).checked_div(u128::from(size)).unwrap_or(0);
    u8::try_from(percent).unwrap_or(100)
}

/// A mutation id is the outbox's; exposed for tests that inspect batches.
pub fn mutation_ids(req: &PushRequest) -> Vec<Uuid> {
    req.mutations.iter().filter_map(|m| Uuid::parse_str(&m.mutation_id).ok()).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn upload_percent_rounds_down_and_is_100_only_when_all_is_in() {
        use super::upload_percent;
        assert_eq!(upload_percent(0, 0), 0);
        assert_eq!(upload_percent(400_000, 1_000_000), 40);
        assert_eq!(upload_percent(999_999, 1_000_000), 99);
        assert_eq!(upload_percent(1_000_000, 1_000_000), 100);
        assert_eq!(upload_percent(u64::MAX, u64::MAX), 100);
    }
}
