//! `TechoCore`: the one object a shell opens at launch and keeps for the app's lifetime.
//!
//! Database calls are synchronous and fast; shells call them off the main thread (Kotlin
//! `Dispatchers.IO`, a Swift actor). Network calls are `async` and run on the bindings' runtime.
//! Screens get whole view models in one call (`home_screen`) because each FFI call costs
//! microseconds through JNA.

use crate::error::ApiError;
use crate::keystore::{DeviceKeyStore, ForeignKeys};
use crate::observer::{Relay, SyncObserver, SyncTracker};
use crate::records::{
    Account, BpContext, Bucket, CalendarDay, EntryDefaults, GlucoseTiming, GlucoseUnit, HomeBpSummary, HomeScreen,
    Profile, RecordedVital, Relationship, SeriesPoint, StartOverReport, SyncReport, SyncStatus, Vital, VitalEntry,
    VitalFilter, VitalKind, VitalPage, WedgedItem, local_time, parse_id, to_system_time,
};
use crate::runtime::{on_runtime, runtime};
use chrono::{Duration as Days, NaiveDate, TimeZone};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime};
use techo_core::Store;
use techo_core::store::{OpenOptions, VitalQuery};
use techo_core::sync::EngineConfig;
use techo_core::sync::client::{SyncClient, SyncScheduler, TrustedRoots};

/// Where the core keeps its data and which server it syncs with.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CoreConfig {
    /// A directory private to the app (excluded from cloud backup: the key does not travel).
    pub data_dir: String,
    /// e.g. `https://techo.hm-net.example`; plain `http://` only for loopback tests.
    pub server_url: String,
    /// PEM certificates of the network's CAs. When set, only these are trusted (pinning); the
    /// Android app sets it, because the platform verifier would need JNI set-up (P-F12).
    #[uniffi(default = None)]
    pub trusted_roots_pem: Option<String>,
}

const DATABASE_FILE: &str = "techo.db";

#[derive(uniffi::Object)]
pub struct TechoCore {
    store: Arc<Store>,
    client: Arc<SyncClient>,
    tracker: Arc<SyncTracker>,
    /// The background loop, if one runs: local changes wake it so they go out at once.
    auto_sync: Mutex<Weak<SyncTaskHandle>>,
}

#[uniffi::export]
impl TechoCore {
    /// Opens (or creates) the encrypted store. Throws `KeyUnavailable` / `KeyChanged` when the
    /// key store lost or replaced the key of existing data; never creates a new key for it.
    #[uniffi::constructor]
    pub fn open(config: CoreConfig, keystore: Arc<dyn DeviceKeyStore>) -> Result<Arc<Self>, ApiError> {
        let keys = Arc::new(ForeignKeys(keystore));
        let path = PathBuf::from(&config.data_dir).join(DATABASE_FILE);
        let store = Arc::new(Store::open(&path, keys.as_ref())?);
        let roots = config.trusted_roots_pem.map_or(TrustedRoots::Platform, TrustedRoots::Only);
        let client =
            Arc::new(SyncClient::with_roots(store.clone(), keys, &config.server_url, EngineConfig::default(), &roots)?);
        Ok(Arc::new(Self { store, client, tracker: Arc::default(), auto_sync: Mutex::default() }))
    }

    /// This installation's id (provenance on everything created here).
    pub fn device_id(&self) -> String {
        self.store.device_id().to_owned()
    }

    // ---- profiles ------------------------------------------------------------------------------

    /// Adds a person to this device. The HM code is checked and normalised by the core
    /// (full-width digits from a Japanese keyboard are fine). The first profile becomes active.
    pub fn add_profile(
        &self,
        hm_code: String,
        display_name: String,
        relationship: Relationship,
    ) -> Result<Profile, ApiError> {
        Ok(self.store.add_profile(&hm_code, &display_name, relationship)?.into())
    }

    pub fn profiles(&self) -> Result<Vec<Profile>, ApiError> {
        Ok(self.store.profiles()?.into_iter().map(Into::into).collect())
    }

    /// The profile the app acts for; `None` before the first run is finished.
    pub fn active_profile(&self) -> Result<Option<Profile>, ApiError> {
        match self.store.active_profile() {
            Ok(p) => Ok(Some(p.into())),
            Err(techo_core::Error::NoActiveProfile) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Switching whose data is shown is an explicit action (U8).
    pub fn set_active_profile(&self, profile_id: String) -> Result<(), ApiError> {
        Ok(self.store.set_active_profile(parse_id("profile", &profile_id)?)?)
    }

    // ---- vitals --------------------------------------------------------------------------------

    /// What the entry form preselects at `at` (e.g. morning blood pressure before 11:00).
    pub fn entry_defaults(&self, at: SystemTime, utc_offset_minutes: i32) -> Result<EntryDefaults, ApiError> {
        let local = local_time(at, utc_offset_minutes)?;
        Ok(EntryDefaults {
            bp_context: BpContext::suggested_for(local.time()),
            glucose_timing: GlucoseTiming::Random,
            glucose_unit: GlucoseUnit::MgPerDl,
        })
    }

    /// Saves a reading typed into a form. Impossible values throw `Validation` naming the field;
    /// implausible ones are saved and come back as warnings to show.
    pub fn record_vital(&self, profile_id: String, entry: VitalEntry) -> Result<RecordedVital, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        let recorded = self.store.record_vital(profile, entry.into_core()?)?;
        self.changed_locally();
        Ok(recorded.into())
    }

    /// Corrects a reading: the original stays in its history.
    pub fn amend_vital(&self, vital_id: String, entry: VitalEntry) -> Result<RecordedVital, ApiError> {
        let id = parse_id("reading", &vital_id)?;
        let recorded = self.store.amend_vital(id, entry.into_core()?)?;
        self.changed_locally();
        Ok(recorded.into())
    }

    pub fn delete_vital(&self, vital_id: String) -> Result<Vital, ApiError> {
        let deleted = self.store.delete_vital(parse_id("reading", &vital_id)?)?;
        self.changed_locally();
        Ok(deleted.into())
    }

    pub fn get_vital(&self, vital_id: String) -> Result<Vital, ApiError> {
        Ok(self.store.get_vital(parse_id("reading", &vital_id)?)?.into())
    }

    /// Current readings, newest first, a page at a time.
    pub fn list_vitals(&self, profile_id: String, filter: VitalFilter) -> Result<VitalPage, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        Ok(self.store.list_vitals(profile, &VitalQuery::try_from(filter)?)?.into())
    }

    /// The newest reading of each type.
    pub fn latest_vitals(&self, profile_id: String) -> Result<Vec<Vital>, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        Ok(self.store.latest_vitals(profile)?.into_iter().map(Into::into).collect())
    }

    /// Every version of a reading, oldest first, corrections and deletion included.
    pub fn vital_history(&self, vital_id: String) -> Result<Vec<Vital>, ApiError> {
        let id = parse_id("reading", &vital_id)?;
        Ok(self.store.vital_history(id)?.into_iter().map(Into::into).collect())
    }

    /// Chart points for local days `first..=last`, bucketed by day, week or month.
    pub fn vital_series(
        &self,
        profile_id: String,
        kind: VitalKind,
        first: CalendarDay,
        last: CalendarDay,
        bucket: Bucket,
    ) -> Result<Vec<SeriesPoint>, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        let points = self.store.vital_series(profile, kind, first.try_into()?, last.try_into()?, bucket)?;
        Ok(points.into_iter().map(Into::into).collect())
    }

    /// JSH2019 home blood-pressure summary of the 7 days ending on `as_of`'s local day.
    pub fn home_bp_summary(
        &self,
        profile_id: String,
        as_of: SystemTime,
        utc_offset_minutes: i32,
    ) -> Result<HomeBpSummary, ApiError> {
        let profile = parse_id("profile", &profile_id)?;
        Ok(self.store.home_bp_summary(profile, local_time(as_of, utc_offset_minutes)?)?.into())
    }

    /// Everything the home screen shows, in one call.
    pub fn home_screen(
        &self,
        profile_id: String,
        now: SystemTime,
        utc_offset_minutes: i32,
    ) -> Result<HomeScreen, ApiError> {
        let id = parse_id("profile", &profile_id)?;
        let profile = self
            .store
            .profiles()?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(ApiError::NotFound { entity: "profile".into() })?;
        let local = local_time(now, utc_offset_minutes)?;
        let midnight = local
            .timezone()
            .from_local_datetime(&local.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default())
            .single()
            .ok_or_else(|| ApiError::Internal { reason: "no local midnight".into() })?;
        let next_midnight = midnight
            .checked_add_signed(Days::days(1))
            .ok_or_else(|| ApiError::Internal { reason: "time out of range".into() })?;
        let today = VitalQuery {
            from: Some(midnight.to_utc()),
            to: Some(next_midnight.to_utc()),
            limit: 500,
            ..VitalQuery::default()
        };
        Ok(HomeScreen {
            profile: profile.into(),
            today: self.store.list_vitals(id, &today)?.items.into_iter().map(Into::into).collect(),
            latest: self.store.latest_vitals(id)?.into_iter().map(Into::into).collect(),
            bp_summary: self.store.home_bp_summary(id, local)?.into(),
            sync: self.sync_status()?,
        })
    }

    // ---- account and sync -------------------------------------------------------------------------

    /// The signed-in account, if any.
    pub fn account(&self) -> Result<Option<Account>, ApiError> {
        Ok(self.store.account()?)
    }

    pub fn sync_status(&self) -> Result<SyncStatus, ApiError> {
        let counts = self.store.outbox_counts()?;
        let seen = self.tracker.snapshot();
        Ok(SyncStatus {
            account: self.store.account()?,
            pending: counts.pending + counts.wedged,
            wedged: counts.wedged,
            running: seen.running,
            last_progress: seen.last_progress,
            last_report: seen.last_report,
            last_success: self.store.last_sync_complete()?.map(to_system_time),
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

    /// Signs this device in; the refresh token goes to the shell's key store.
    pub async fn login(&self, hm_code: String, password: String) -> Result<Account, ApiError> {
        let client = self.client.clone();
        let account = on_runtime(async move { Ok(client.login(&hm_code, &password).await?) }).await?;
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
                Arc::new(Relay { tracker: tracker.clone(), foreign: observer, store });
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
        let relay: Arc<dyn techo_core::sync::client::SyncObserver> =
            Arc::new(Relay { tracker: self.tracker.clone(), foreign: observer, store: self.store.clone() });
        let _context = runtime().enter();
        let scheduler = SyncScheduler::start(
            self.client.clone(),
            Duration::from_secs(u64::from(interval_seconds.max(1))),
            Some(relay),
        );
        let handle = Arc::new(SyncTaskHandle { scheduler: Mutex::new(Some(scheduler)) });
        let previous = std::mem::replace(&mut *self.auto_sync_slot(), Arc::downgrade(&handle));
        if let Some(old) = previous.upgrade() {
            old.cancel();
        }
        handle
    }
}

impl TechoCore {
    fn auto_sync_slot(&self) -> std::sync::MutexGuard<'_, Weak<SyncTaskHandle>> {
        self.auto_sync.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for TechoCore {
    /// The loop holds the store and the sync client: left running, it would keep the database
    /// open (and syncing) after the app let go of the core, and a reopened core would share it.
    fn drop(&mut self) {
        if let Some(handle) = self.auto_sync_slot().upgrade() {
            handle.cancel();
        }
    }
}

impl TechoCore {
    /// Something new waits in the outbox (or may now be sent): nudge the background loop.
    fn changed_locally(&self) {
        let handle = self.auto_sync_slot().upgrade();
        if let Some(h) = handle {
            h.wake();
        }
    }
}

/// A running background sync loop.
#[derive(uniffi::Object)]
pub struct SyncTaskHandle {
    scheduler: Mutex<Option<SyncScheduler>>,
}

impl SyncTaskHandle {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<SyncScheduler>> {
        self.scheduler.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl SyncTaskHandle {
    /// Sync soon: the network came back or the app returned to the foreground.
    pub fn wake(&self) {
        if let Some(s) = self.slot().as_ref() {
            s.wake();
        }
    }

    /// Stops the loop; a step in progress finishes its transaction first.
    pub fn cancel(&self) {
        if let Some(s) = self.slot().take() {
            s.stop();
        }
    }

    pub fn is_active(&self) -> bool {
        self.slot().is_some()
    }
}

impl Drop for SyncTaskHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// When `TechoCore.open` failed with `KeyUnavailable`, `KeyChanged` or `DataDamaged` and the person
/// agreed to start over: sets the database aside (never deletes it), makes a fresh one, and
/// carries over what can still be read. Then call `TechoCore.open` again. Never call it while a
/// `TechoCore` on the same directory is open.
#[uniffi::export]
pub fn start_over(config: CoreConfig, keystore: Arc<dyn DeviceKeyStore>) -> Result<StartOverReport, ApiError> {
    let keys = ForeignKeys(keystore);
    let path = PathBuf::from(&config.data_dir).join(DATABASE_FILE);
    Ok(Store::start_over(&path, &keys, OpenOptions::default())?.into())
}

/// Today in the given offset, for chart ranges relative to "now" without date maths in the shells.
#[uniffi::export]
pub fn calendar_day_at(at: SystemTime, utc_offset_minutes: i32) -> Result<CalendarDay, ApiError> {
    Ok(local_time(at, utc_offset_minutes)?.date_naive().into())
}

/// `day` moved by `days` (negative: earlier), e.g. the first day of a 30-day chart.
#[uniffi::export]
pub fn calendar_day_add(day: CalendarDay, days: i32) -> Result<CalendarDay, ApiError> {
    let d = NaiveDate::try_from(day)?;
    d.checked_add_signed(Days::days(i64::from(days)))
        .map(Into::into)
        .ok_or_else(|| ApiError::Internal { reason: "date out of range".into() })
}
