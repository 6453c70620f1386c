//! Sync progress for the shells, and what the facade remembers of it for status screens.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use techo_core::Store;
use techo_core::sync::{SyncPhase, SyncProgress, SyncReport};

/// Implemented by the shell's view model. Called on a core worker thread: hop to the main
/// thread before touching UI state, and return quickly.
#[uniffi::export(foreign)]
pub trait SyncObserver: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
    /// Once per run, with its outcome.
    fn on_finished(&self, report: SyncReport);
}

#[derive(Default)]
struct Seen {
    running: bool,
    last_progress: Option<SyncProgress>,
    last_report: Option<SyncReport>,
}

/// What the facade knows about runs, whoever started them (a button or the background loop).
#[derive(Default)]
pub(crate) struct SyncTracker {
    seen: Mutex<Seen>,
}

pub(crate) struct TrackerSnapshot {
    pub running: bool,
    pub last_progress: Option<SyncProgress>,
    pub last_report: Option<SyncReport>,
}

impl SyncTracker {
    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        // Plain assignments under the lock cannot leave it half-updated.
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn snapshot(&self) -> TrackerSnapshot {
        let s = self.seen();
        TrackerSnapshot {
            running: s.running,
            last_progress: s.last_progress.clone(),
            last_report: s.last_report.clone(),
        }
    }

    pub fn progress(&self, p: &SyncProgress) {
        let mut s = self.seen();
        s.running = p.phase != SyncPhase::Done;
        s.last_progress = Some(p.clone());
    }

    pub fn started(&self) {
        self.seen().running = true;
    }

    /// A run ended; `None` when it failed before producing a report.
    pub fn finished(&self, report: Option<&SyncReport>) {
        let mut s = self.seen();
        s.running = false;
        if let Some(r) = report {
            s.last_report = Some(r.clone());
        }
    }
}

/// Feeds the tracker, then the shell's observer. The tracker's lock is released before the
/// foreign call (P-F6), so an observer may call back into the facade.
pub(crate) struct Relay {
    pub tracker: Arc<SyncTracker>,
    pub foreign: Option<Arc<dyn SyncObserver>>,
    pub store: Arc<Store>,
    /// Set when the shell cancelled the loop this relay reports for: a run still finishing its
    /// step then tells nobody, so no callback reaches an app (or an interpreter shutting down)
    /// that has let go of the loop.
    pub silenced: Arc<AtomicBool>,
}

impl Relay {
    /// An observer that throws must not stop the sync: UniFFI turns an unexpected foreign
    /// exception into a panic, which is contained here.
    fn tell(&self, call: impl FnOnce(&dyn SyncObserver)) {
        if self.silenced.load(Ordering::Acquire) {
            return;
        }
        if let Some(o) = &self.foreign {
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| call(o.as_ref())));
        }
    }
}

impl techo_core::sync::client::SyncObserver for Relay {
    fn on_progress(&self, progress: &SyncProgress) {
        self.tracker.progress(progress);
        self.tell(|o| o.on_progress(progress.clone()));
    }

    fn on_finished(&self, report: &SyncReport) {
        self.tracker.finished(Some(report));
        self.tell(|o| o.on_finished(report.clone()));
    }

    /// A run that failed (key store locked, database error) still ends for the shell: it gets a
    /// report saying nothing was sent this time, and everything stays queued.
    fn on_failed(&self, error: &techo_core::Error) {
        self.tracker.finished(None);
        let mut report = SyncReport::stopped(error.to_string());
        let counts = self.store.outbox_counts().unwrap_or_default();
        report.pending = counts.pending;
        report.wedged = counts.wedged;
        self.tell(|o| o.on_finished(report.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[derive(Default)]
    struct Counting(AtomicUsize);

    impl SyncObserver for Counting {
        fn on_progress(&self, _: SyncProgress) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        fn on_finished(&self, _: SyncReport) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A loop the shell cancelled may still finish its step; the shell hears nothing more of it.
    #[test]
    fn a_silenced_relay_tells_the_app_nothing() {
        use techo_core::sync::client::SyncObserver as _;
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path().join("t.db"), &techo_core::keys::MemoryKeyStore::new()).unwrap());
        let seen = Arc::new(Counting::default());
        let relay = Relay {
            tracker: Arc::default(),
            foreign: Some(seen.clone()),
            store,
            silenced: Arc::new(AtomicBool::new(false)),
        };
        relay.on_finished(&SyncReport::stopped("x".into()));
        assert_eq!(seen.0.load(Ordering::SeqCst), 1);
        relay.silenced.store(true, Ordering::SeqCst);
        relay.on_finished(&SyncReport::stopped("x".into()));
        relay.on_failed(&techo_core::Error::NoActiveProfile);
        assert_eq!(seen.0.load(Ordering::SeqCst), 1);
    }
}
