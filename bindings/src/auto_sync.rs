//! The background sync loop a shell starts (`TechoCore.start_auto_sync`), and the core's hold on
//! it. The core keeps only a weak reference: the shell's handle decides how long the loop lives,
//! and the core can still wake it after local changes and stop it when the core goes away.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use techo_core::sync::client::SyncScheduler;

/// A running background sync loop.
#[derive(uniffi::Object)]
pub struct SyncTaskHandle {
    scheduler: Mutex<Option<SyncScheduler>>,
    /// The loop's observer stays silent once this is set.
    silenced: Arc<AtomicBool>,
}

impl SyncTaskHandle {
    pub(crate) fn new(scheduler: SyncScheduler, silenced: Arc<AtomicBool>) -> Arc<Self> {
        Arc::new(Self { scheduler: Mutex::new(Some(scheduler)), silenced })
    }

    fn slot(&self) -> MutexGuard<'_, Option<SyncScheduler>> {
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

    /// Stops the loop; a step in progress finishes its transaction first, without telling the
    /// observer any more.
    pub fn cancel(&self) {
        self.silenced.store(true, Ordering::Release);
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

/// The loop a core runs, if any: one per core.
#[derive(Default)]
pub(crate) struct AutoSync {
    running: Mutex<Weak<SyncTaskHandle>>,
}

impl AutoSync {
    fn running(&self) -> MutexGuard<'_, Weak<SyncTaskHandle>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `handle` becomes the core's loop; the one running before is stopped.
    pub(crate) fn replace(&self, handle: &Arc<SyncTaskHandle>) {
        let previous = std::mem::replace(&mut *self.running(), Arc::downgrade(handle));
        if let Some(old) = previous.upgrade() {
            old.cancel();
        }
    }

    pub(crate) fn wake(&self) {
        // Upgraded before waking, so the lock is not held while the scheduler's is taken.
        let handle = self.running().upgrade();
        if let Some(h) = handle {
            h.wake();
        }
    }

    pub(crate) fn cancel(&self) {
        let handle = self.running().upgrade();
        if let Some(h) = handle {
            h.cancel();
        }
    }
}
