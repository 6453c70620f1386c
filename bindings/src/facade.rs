//! `TechoCore`: the one object a shell opens at launch and keeps for the app's lifetime, and
//! `start_over` for when it cannot be opened. What it can do lives beside it, one file per
//! feature (`profiles.rs`, `vitals.rs`, `sync.rs` …), each with its own
//! `#[uniffi::export] impl TechoCore` block.
//!
//! Database calls are synchronous and fast; shells call them off the main thread (Kotlin
//! `Dispatchers.IO`, a Swift actor). Network calls are `async` and run on the bindings' runtime.
//! Screens get whole view models in one call (`home_screen`) because each FFI call costs
//! microseconds through JNA.

use crate::auto_sync::AutoSync;
use crate::error::ApiError;
use crate::keystore::{DeviceKeyStore, ForeignKeys};
use crate::observer::SyncTracker;
use std::path::PathBuf;
use std::sync::Arc;
use techo_core::Store;
use techo_core::store::OpenOptions;
use techo_core::sync::EngineConfig;
use techo_core::sync::client::{SyncClient, TrustedRoots};

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
    pub(crate) store: Arc<Store>,
    pub(crate) client: Arc<SyncClient>,
    pub(crate) tracker: Arc<SyncTracker>,
    /// The background loop, if one runs: local changes wake it so they go out at once.
    pub(crate) auto_sync: AutoSync,
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
        let core = Arc::new(Self { store, client, tracker: Arc::default(), auto_sync: AutoSync::default() });
        // Decrypted photo copies are for the screen showing them: none survive a restart.
        core.clear_photo_cache()?;
        Ok(core)
    }

    /// This installation's id (provenance on everything created here).
    pub fn device_id(&self) -> String {
        self.store.device_id().to_owned()
    }
}

impl TechoCore {
    /// Something new waits in the outbox (or may now be sent): nudge the background loop. Every
    /// export that changes records or queues calls it.
    pub(crate) fn changed_locally(&self) {
        self.auto_sync.wake();
    }
}

impl Drop for TechoCore {
    /// The loop holds the store and the sync client: left running, it would keep the database
    /// open (and syncing) after the app let go of the core, and a reopened core would share it.
    fn drop(&mut self) {
        self.auto_sync.cancel();
    }
}

/// What starting over kept (`start_over`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StartOverReport {
    /// Unsent changes carried over; they go out at the next sync.
    pub salvaged_changes: u64,
    pub salvaged_profiles: u64,
    /// Readings carried over; everything the server has comes back at the next sync.
    pub salvaged_readings: u64,
    /// Where the old database now lives (for the help desk; it is kept).
    pub set_aside_file: String,
}

impl From<techo_core::store::StartOver> for StartOverReport {
    fn from(s: techo_core::store::StartOver) -> Self {
        Self {
            salvaged_changes: s.salvaged_changes,
            salvaged_profiles: s.salvaged_profiles,
            salvaged_readings: s.salvaged_readings,
            set_aside_file: s.set_aside.to_string_lossy().into_owned(),
        }
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

/// Whether a screen offers starting over after opening the core failed with `error`: only when
/// retrying cannot help (the key is lost or changed, the file is damaged). A locked key store or
/// a full disk get Retry alone. Both apps ask here, so they offer it in the same cases.
#[uniffi::export]
pub fn start_over_offered(error: ApiError) -> bool {
    matches!(error, ApiError::KeyUnavailable | ApiError::KeyChanged | ApiError::DataDamaged { .. })
}
