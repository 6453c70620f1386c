//! Signing in and syncing: the account, activation, login and logout, a sync on demand or in the
//! background, and the status line every screen shows (what waits, what the server refused).
//! The network calls are `async` and hand their work to the bindings' runtime (`on_runtime`).

use crate::auto_sync::SyncTaskHandle;
use crate::error::ApiError;
use crate::facade::TechoCore;
use crate::ids::parse_id;
use crate::observer::{Relay, SyncObserver};
use crate::runtime::{on_runtime, runtime};
use crate::time::to_system_time;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use techo_core::sync::client::SyncScheduler;

pub use techo_core::store::Account;
pub use techo_core::sync::{SyncOutcome, SyncPhase, SyncProgress, SyncReport};

#[uniffi::remote(Enum)]
pub enum SyncPhase {
    Starting,
    Pushing,
    Pulling,
    WaitingToRetry,
    Done,
}

#[uniffi::remote(Enum)]
pub enum SyncOutcome {
    Complete,
    Offline { reason: String },
    NeedsLogin,
    UpdateRequired,
}

#[uniffi::remote(Record)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub pushed: u64,
    pub pulled: u64,
    pub pending: u64,
    pub last_error: Option<String>,
}

#[uniffi::remote(Record)]
pub struct SyncReport {
    pub outcome: SyncOutcome,
    pub pushed: u64,
    pub rejected: u64,
    pub pulled: u64,
    pub gated: u64,
    pub requeued: u64,
    pub requests: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub retries: u64,
    pub pending: u64,
    pub wedged: u64,
    pub not_linked: Vec<String>,
    pub must_refetch: bool,
}

#[uniffi::remote(Record)]
pub struct Account {
    pub server_url: String,
    pub hm_code: String,
    pub patients: Vec<String>,
}

/// Which kind of record a change is about, for a screen to name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RecordFamily {
    Vital,
    Medication,
    /// A family a newer app wrote (kept and sent by this one, but not shown).
    Other,
}

impl From<&techo_core::store::Entity> for RecordFamily {
    fn from(e: &techo_core::store::Entity) -> Self {
        use techo_core::store::Entity;
        match e {
            Entity::Vital => Self::Vital,
            Entity::Medication => Self::Medication,
            Entity::Other(_) => Self::Other,
        }
    }
}

/// A change the server refused: kept, shown, and retried only when the person asks.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WedgedItem {
    pub mutation_id: String,
    /// What the change is about, to name it on screen (`entity` is the wire name).
    pub family: RecordFamily,
    pub entity: String,
    pub entity_id: String,
    /// The server's error code, if it gave one.
    pub reason: Option<String>,
    pub attempts: u32,
    pub created_at: SystemTime,
}

impl From<techo_core::store::OutboxEntry> for WedgedItem {
    fn from(e: techo_core::store::OutboxEntry) -> Self {
        Self {
            mutation_id: e.mutation_id.to_string(),
            family: (&e.entity).into(),
            entity: e.entity.to_string(),
            entity_id: e.entity_id,
            reason: e.wedge_reason,
            attempts: u32::try_from(e.attempts).unwrap_or(0),
            created_at: to_system_time(e.created_at),
        }
    }
}

/// What the sync line says, decided by the core (`techo_core::sync::SyncState`): each app maps
/// every case to one phrase, so both apps say the same thing in the same situation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncState {
    /// No account on this device: records are kept here until someone signs in.
    NotSignedIn,
    NeedsLogin,
    UpdateRequired,
    /// Sending or receiving right now (a run that waits for the network is `Offline`).
    Running,
    /// The server cannot be reached; `pending` changes are kept and go when it can.
    Offline {
        pending: u64,
    },
    /// Changes the server refused, kept until the person retries them.
    Refused {
        count: u64,
    },
    /// A person on this device whom the account may not sync; `display_name` as this device knows
    /// them, if it does.
    NotLinked {
        hm_code: String,
        display_name: Option<String>,
    },
    Pending {
        count: u64,
    },
    /// Nothing waits; when a run last completed (`None`: never on this device).
    UpToDate {
        last_success: Option<SystemTime>,
    },
}

impl TechoCore {
    fn present(&self, state: techo_core::sync::SyncState) -> SyncState {
        use techo_core::sync::SyncState as Core;
        match state {
            Core::NotSignedIn => SyncState::NotSignedIn,
            Core::NeedsLogin => SyncState::NeedsLogin,
            Core::UpdateRequired => SyncState::UpdateRequired,
            Core::Running => SyncState::Running,
            Core::Offline { pending } => SyncState::Offline { pending },
            Core::Refused { count } => SyncState::Refused { count },
            Core::NotLinked { hm_code } => {
                // A name the store cannot read is no reason to hide the state: the code is shown.
                let display_name = self.store.profile_by_hm_code(&hm_code).ok().map(|p| p.display_name);
                SyncState::NotLinked { hm_code, display_name }
            }
            Core::Pending { count } => SyncState::Pending { count },
            Core::UpToDate { last_success } => SyncState::UpToDate { last_success: last_success.map(to_system_time) },
        }
    }
}

/// The sync line of every screen.
#[derive(Clone, PartialEq, uniffi::Record)]
pub struct SyncStatus {
    /// What to say: the one field a sync line needs.
    pub state: SyncState,
    pub account: Option<Account>,
    /// Changes waiting to be sent (refused ones included).
    pub pending: u64,
    pub wedged: u64,
    pub running: bool,
    pub last_progress: Option<SyncProgress>,
    pub last_report: Option<SyncReport>,
    /// When a sync last completed on this device (kept across restarts).
    pub last_success: Option<SystemTime>,
}

#[uniffi::export]
impl TechoCore {
    /// The signed-in account, if any.
    pub fn account(&self) -> Result<Option<Account>, ApiError> {
        Ok(self.store.account()?)
    }

    pub fn sync_status(&self) -> Result<SyncStatus, ApiError> {
        let counts = self.store.outbox_counts()?;
        let seen = self.tracker.snapshot();
        let account = self.store.account()?;
        let last_success = self.store.last_sync_complete()?;
        let facts = techo_core::sync::SyncFacts {
            signed_in: account.is_some(),
            running: seen.running,
            last_progress: seen.last_progress.clone(),
            last_report: seen.last_report.clone(),
            pending: counts.pending,
            refused: counts.wedged,
            last_success,
        };
        Ok(SyncStatus {
            state: self.present(facts.state()),
            account,
            pending: counts.pending + counts.wedged,
            wedged: counts.wedged,
            running: seen.running,
            last_progress: seen.last_progress,
            last_report: seen.last_report,
            last_success: last_success.map(to_system_time),
        })
    }

    /// Changes the server refused, to show with a way to retry.
    pub fn wedged_items(&self) -> Result<Vec<WedgedItem>, ApiError> {
        Ok(self.store.wedged_entries()?.into_iter().map(Into::into).collect())
    }

    /// Puts a refused change back in the queue; the next sync sends it again.
    pub fn retry_wedged(&self, mutation_id: String) -> Result<(), ApiError> {
        self.store.retry_wedged(parse_id("refused change", &mutation_id)?)?;
        self.changed_locally();
        Ok(())
    }

    /// First use of an HM card: sets the password with the one-time code from the letter.
    pub async fn activate(&self, hm_code: String, activation_code: String, password: String) -> Result<(), ApiError> {
        let client = self.client.clone();
        on_runtime(async move { Ok(client.activate(&hm_code, &activation_code, &password).await?) }).await
    }

    /// Signs this device in; the refresh token goes to the shell's key store. The account's
    /// patients not on this device yet are added (see `profiles()` afterwards).
    pub async fn login(&self, hm_code: String, password: String) -> Result<Account, ApiError> {
        let client = self.client.clone();
        let account = on_runtime(async move { Ok(client.login(&hm_code, &password).await?) }).await?;
        // Everyone the account may sync gets a place on this device (renamed later if wanted).
        self.store.add_account_patients(&account, None)?;
        self.changed_locally();
        Ok(account)
    }

    /// Signs out; changes not yet sent stay queued for the next sign-in.
    pub async fn logout(&self) -> Result<(), ApiError> {
        let client = self.client.clone();
        on_runtime(async move { Ok(client.logout().await?) }).await
    }

    /// Sends queued changes and downloads new ones. Offline is a report, not an error.
    /// Cancelling the caller stops waiting; the run finishes its current step on its own.
    pub async fn sync_now(&self, observer: Option<Arc<dyn SyncObserver>>) -> Result<SyncReport, ApiError> {
        let client = self.client.clone();
        let tracker = self.tracker.clone();
        let store = self.store.clone();
        on_runtime(async move {
            tracker.started();
            let relay: Arc<dyn techo_core::sync::client::SyncObserver> =
                Arc::new(Relay { tracker: tracker.clone(), foreign: observer, store, silenced: Arc::default() });
            Ok(client.sync_now(Some(relay)).await?)
        })
        .await
    }

    /// Keeps syncing in the background: now, every `interval_seconds`, sooner after a failure,
    /// at once on `wake()` and after every local change. One loop per core: starting another
    /// stops the one running. Stops when the handle is cancelled or released, or the core is.
    pub fn start_auto_sync(
        &self,
        interval_seconds: u32,
        observer: Option<Arc<dyn SyncObserver>>,
    ) -> Arc<SyncTaskHandle> {
        let silenced = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let relay: Arc<dyn techo_core::sync::client::SyncObserver> = Arc::new(Relay {
            tracker: self.tracker.clone(),
            foreign: observer,
            store: self.store.clone(),
            silenced: silenced.clone(),
        });
        let _context = runtime().enter();
        let scheduler = SyncScheduler::start(
            self.client.clone(),
            Duration::from_secs(u64::from(interval_seconds.max(1))),
            Some(relay),
        );
        let handle = SyncTaskHandle::new(scheduler, silenced);
        self.auto_sync.replace(&handle);
        handle
    }
}
