//! Signing in and syncing: the account, activation, login and logout, a sync on demand or in the
//! background, and the status line every screen shows (what waits, what the server refused).
//! The network calls are `async` and hand their work to the bindings' runtime (`on_runtime`).

use crate::auto_sync::SyncTaskHandle;
use crate::error::ApiError;
use crate::facade::TechoCore;
use crate::ids::parse_id;
use crate::medications::MedicationSummary;
use crate::observer::{Relay, SyncObserver};
use crate::runtime::{on_runtime, runtime};
use crate::time::to_system_time;
use crate::vitals::Vital;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use techo_core::sync::client::SyncScheduler;

pub use techo_core::store::Account;
pub use techo_core::sync::{RefusalReason, SyncOutcome, SyncPhase, SyncProgress, SyncReport};

#[uniffi::remote(Enum)]
pub enum SyncPhase {
    Starting,
    Uploading,
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

/// Why the server refused a change; each screen says one phrase per case.
#[uniffi::remote(Enum)]
pub enum RefusalReason {
    InvalidData,
    NotAllowed,
    TooLarge,
    ChangedElsewhere,
    NotAccepted,
    WaitsForAnother,
    StorageFull,
    PhotoMissing,
    Other,
}

#[uniffi::remote(Record)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub pushed: u64,
    pub pulled: u64,
    pub pending: u64,
    pub last_error: Option<String>,
    pub upload_sent: u64,
    pub upload_size: u64,
    pub upload_percent: u8,
}

#[uniffi::remote(Record)]
pub struct SyncReport {
    pub outcome: SyncOutcome,
    pub pushed: u64,
    pub rejected: u64,
    pub uploaded: u64,
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
    /// 命の宝箱, the emergency information sheet.
    EmergencySheet,
    /// A checkup result.
    Checkup,
    /// A photo being sent (a page of a sheet or a checkup result).
    Photo,
    /// A family a newer app wrote (kept and sent by this one, but not shown).
    Other,
}

impl From<&techo_core::store::Entity> for RecordFamily {
    fn from(e: &techo_core::store::Entity) -> Self {
        use techo_core::store::Entity;
        match e {
            Entity::Vital => Self::Vital,
            Entity::Medication => Self::Medication,
            Entity::EmergencySheet => Self::EmergencySheet,
            Entity::Checkup => Self::Checkup,
            Entity::Other(name) if name == techo_core::store::UPLOAD_ENTITY => Self::Photo,
            Entity::Other(_) => Self::Other,
        }
    }
}

/// A change the server refused: kept, shown, and retried only when the person asks.
#[derive(Clone, uniffi::Record)]
pub struct WedgedItem {
    pub mutation_id: String,
    /// What the change is about, to name it on screen (`entity` is the wire name).
    pub family: RecordFamily,
    pub entity: String,
    pub entity_id: String,
    /// Why, for the screen (`reason` is the code behind it, for support).
    pub why: RefusalReason,
    /// The server's error code, if it gave one.
    pub reason: Option<String>,
    pub attempts: u32,
    pub created_at: SystemTime,
    /// The reading the change carries, as its rows show it (family `Vital`).
    pub vital: Option<Vital>,
    /// The notebook entry it is about (family `Medication`).
    pub medication: Option<MedicationSummary>,
}

impl TechoCore {
    /// The item with the record it is about, so the screen can say which one. A record this
    /// device no longer holds (the person was removed meanwhile) is named by its family alone.
    fn wedged_item(&self, e: techo_core::store::OutboxEntry) -> WedgedItem {
        let family = RecordFamily::from(&e.entity);
        let id = uuid::Uuid::parse_str(&e.entity_id).ok();
        let vital = match (family, id) {
            (RecordFamily::Vital, Some(id)) => self.store.get_vital(id).ok().map(Vital::from),
            _ => None,
        };
        let medication = match (family, id) {
            (RecordFamily::Medication, Some(id)) => self.store.get_medication(id).ok().map(|m| (&m).into()),
            _ => None,
        };
        WedgedItem {
            mutation_id: e.mutation_id.to_string(),
            family,
            entity: e.entity.to_string(),
            entity_id: e.entity_id,
            why: RefusalReason::from_code(e.wedge_reason.as_deref()),
            reason: e.wedge_reason,
            attempts: u32::try_from(e.attempts).unwrap_or(0),
            created_at: to_system_time(e.created_at),
            vital,
            medication,
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
    /// One run, seen by the status tracker (and by `observer`, if the shell passed one); to be
    /// handed to the bindings' runtime.
    pub(crate) fn sync_run(
        &self,
        observer: Option<Arc<dyn SyncObserver>>,
    ) -> impl Future<Output = Result<SyncReport, ApiError>> + Send + 'static {
        let client = self.client.clone();
        let tracker = self.tracker.clone();
        let store = self.store.clone();
        async move {
            tracker.started();
            let relay: Arc<dyn techo_core::sync::client::SyncObserver> =
                Arc::new(Relay { tracker: tracker.clone(), foreign: observer, store, silenced: Arc::default() });
            Ok(client.sync_now(Some(relay)).await?)
        }
    }

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
    /// Photos still to be sent (among `pending`): while there are any, a phone asks the system
    /// for a longer background run on a network.
    pub pending_uploads: u64,
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
            pending_uploads: counts.pending_uploads,
            running: seen.running,
            last_progress: seen.last_progress,
            last_report: seen.last_report,
            last_success: last_success.map(to_system_time),
        })
    }

    /// Changes the server refused, to show with a way to retry.
    pub fn wedged_items(&self) -> Result<Vec<WedgedItem>, ApiError> {
        Ok(self.store.wedged_entries()?.into_iter().map(|e| self.wedged_item(e)).collect())
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
        on_runtime(async move { Ok(client.logout().await?) }).await?;
        self.clear_photo_cache()
    }

    /// Sends queued changes and downloads new ones. Offline is a report, not an error.
    /// Cancelling the caller stops waiting; the run finishes its current step on its own.
    pub async fn sync_now(&self, observer: Option<Arc<dyn SyncObserver>>) -> Result<SyncReport, ApiError> {
        on_runtime(self.sync_run(observer)).await
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facade::CoreConfig;
    use crate::keystore::DeviceKeyStore;
    use crate::profiles::Relationship;
    use crate::vitals::{Source, VitalEntry, VitalInput};
    use std::collections::HashMap;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Keys(Mutex<HashMap<String, Vec<u8>>>);

    impl DeviceKeyStore for Keys {
        fn load(&self, name: String) -> Result<Option<Vec<u8>>, ApiError> {
            Ok(self.0.lock().expect("keys").get(&name).cloned())
        }
        fn save(&self, name: String, secret: Vec<u8>) -> Result<(), ApiError> {
            self.0.lock().expect("keys").insert(name, secret);
            Ok(())
        }
    }

    /// A refused change names the reading it carries and why, in the types the screens map
    /// one-to-one to words; what waits for it says so.
    #[test]
    fn a_refused_reading_says_which_and_why() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = CoreConfig {
            data_dir: dir.path().display().to_string(),
            server_url: "http://127.0.0.1:9".into(),
            trusted_roots_pem: None,
        };
        let core = TechoCore::open(config, Arc::new(Keys::default())).expect("open");
        let profile = core.add_profile("34001234".into(), "山田 花子".into(), Relationship::Myself).expect("profile");
        let entry = VitalEntry {
            input: VitalInput::BloodPressure {
                systolic: "128".into(),
                diastolic: "82".into(),
                pulse: Some("70".into()),
                context: crate::vitals::BpContext::Morning,
            },
            measured_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_022_200),
            utc_offset_minutes: 540,
            source: Source::SelfEntered,
            device_name: None,
            note: None,
        };
        let recorded = core.record_vital(profile.id.clone(), entry).expect("record").vital;
        let queued = core.store.outbox_entries(10).expect("outbox");
        core.store.wedge(&queued[0], "invalid_payload").expect("wedge");

        let items = core.wedged_items().expect("items");
        assert_eq!(items.len(), 1);
        let item = &items[0];
        assert_eq!(item.family, RecordFamily::Vital);
        assert_eq!(item.why, RefusalReason::InvalidData);
        assert_eq!(item.reason.as_deref(), Some("invalid_payload"));
        let vital = item.vital.as_ref().expect("the reading it carries");
        assert_eq!(vital.id, recorded.id);
        assert_eq!(vital.shown.value, recorded.shown.value);
        assert!(item.medication.is_none());
    }
}
