//! The one sync state every screen shows, decided here so that both apps and the CLI say the
//! same thing in the same situation. The shells map each state to a phrase and nothing more.

use super::engine::{SyncOutcome, SyncPhase, SyncProgress, SyncReport};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What the sync line says, in the order it is decided: a state further down is only shown when
/// none above it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncState {
    /// No account on this device: records stay here until someone signs in.
    NotSignedIn,
    /// The server wants the password again.
    NeedsLogin,
    /// The server speaks a newer protocol than this build.
    UpdateRequired,
    /// A run is sending or receiving right now.
    Running,
    /// The last run (or the one waiting to retry) could not reach the server; `pending` changes
    /// are kept and go when it can.
    Offline { pending: u64 },
    /// The server refused `count` changes: kept, shown, retried when the person asks.
    Refused { count: u64 },
    /// A person on this device whom the account may not sync.
    NotLinked { hm_code: String },
    /// Changes wait for the next run.
    Pending { count: u64 },
    /// Nothing waits; `last_success` is when a run last completed (never, if `None`).
    UpToDate { last_success: Option<DateTime<Utc>> },
}

/// What the state is decided from: the store's counts and the last run the device saw.
#[derive(Debug, Clone, Default)]
pub struct SyncFacts {
    pub signed_in: bool,
    pub running: bool,
    pub last_progress: Option<SyncProgress>,
    pub last_report: Option<SyncReport>,
    /// Changes waiting to be sent, refused ones not included.
    pub pending: u64,
    pub refused: u64,
    pub last_success: Option<DateTime<Utc>>,
}

impl SyncFacts {
    pub fn state(&self) -> SyncState {
        if !self.signed_in {
            return SyncState::NotSignedIn;
        }
        let outcome = self.last_report.as_ref().map(|r| &r.outcome);
        match outcome {
            Some(SyncOutcome::NeedsLogin) => return SyncState::NeedsLogin,
            Some(SyncOutcome::UpdateRequired) => return SyncState::UpdateRequired,
            _ => {}
        }
        // A run that waits to retry after a failed request is offline for the person: nothing
        // moves until the network comes back.
        let progress = self.last_progress.as_ref();
        let waiting = progress.is_some_and(|p| p.phase == SyncPhase::WaitingToRetry);
        // After an offline run, a new attempt that has not reached the server yet is still
        // offline for the person: the line does not flicker to "sending" on every retry. It has
        // reached it once something was sent or received, or pulling began (after the push).
        let offline_before = matches!(outcome, Some(SyncOutcome::Offline { .. }));
        let through = progress.is_some_and(|p| p.phase == SyncPhase::Pulling || p.pushed + p.pulled > 0);
        if self.running && !waiting && (through || !offline_before) {
            return SyncState::Running;
        }
        let unsent = self.pending + self.refused;
        if waiting && self.running || offline_before {
            return SyncState::Offline { pending: unsent };
        }
        if self.refused > 0 {
            return SyncState::Refused { count: self.refused };
        }
        if let Some(code) = self.last_report.as_ref().and_then(|r| r.not_linked.first()) {
            return SyncState::NotLinked { hm_code: code.clone() };
        }
        if self.pending > 0 {
            return SyncState::Pending { count: self.pending };
        }
        SyncState::UpToDate { last_success: self.last_success }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(outcome: SyncOutcome) -> SyncReport {
        let mut r = SyncReport::stopped(String::new());
        r.outcome = outcome;
        r
    }

    fn progress(phase: SyncPhase) -> SyncProgress {
        SyncProgress {
            phase,
            pushed: 0,
            pulled: 0,
            pending: 0,
            last_error: None,
            upload_sent: 0,
            upload_size: 0,
            upload_percent: 0,
        }
    }

    fn signed_in() -> SyncFacts {
        SyncFacts { signed_in: true, ..SyncFacts::default() }
    }

    #[test]
    fn nobody_signed_in_comes_before_everything() {
        let facts = SyncFacts { running: true, pending: 3, ..SyncFacts::default() };
        assert_eq!(facts.state(), SyncState::NotSignedIn);
    }

    #[test]
    fn a_run_waiting_to_retry_is_offline_not_running() {
        let facts = SyncFacts {
            running: true,
            last_progress: Some(progress(SyncPhase::WaitingToRetry)),
            pending: 2,
            refused: 1,
            ..signed_in()
        };
        assert_eq!(facts.state(), SyncState::Offline { pending: 3 });
        let pushing = SyncFacts { last_progress: Some(progress(SyncPhase::Pushing)), ..facts };
        assert_eq!(pushing.state(), SyncState::Running);
    }

    #[test]
    fn a_retry_after_an_offline_run_stays_offline_until_it_gets_through() {
        let facts = SyncFacts {
            running: true,
            last_report: Some(report(SyncOutcome::Offline { reason: String::new() })),
            last_progress: Some(progress(SyncPhase::Starting)),
            pending: 1,
            ..signed_in()
        };
        assert_eq!(facts.state(), SyncState::Offline { pending: 1 });
        let pushing = SyncFacts { last_progress: Some(progress(SyncPhase::Pushing)), ..facts.clone() };
        assert_eq!(pushing.state(), SyncState::Offline { pending: 1 }, "trying is not getting through");
        let pulling = SyncFacts { last_progress: Some(progress(SyncPhase::Pulling)), ..facts };
        assert_eq!(pulling.state(), SyncState::Running);
    }

    #[test]
    fn the_server_asking_for_the_password_outranks_a_run() {
        let facts = SyncFacts { running: true, last_report: Some(report(SyncOutcome::NeedsLogin)), ..signed_in() };
        assert_eq!(facts.state(), SyncState::NeedsLogin);
        let update = SyncFacts { last_report: Some(report(SyncOutcome::UpdateRequired)), ..signed_in() };
        assert_eq!(update.state(), SyncState::UpdateRequired);
    }

    #[test]
    fn refused_then_not_linked_then_pending_then_up_to_date() {
        let mut complete = report(SyncOutcome::Complete);
        complete.not_linked = vec!["HM1".into()];
        let facts = SyncFacts { last_report: Some(complete.clone()), pending: 4, refused: 2, ..signed_in() };
        assert_eq!(facts.state(), SyncState::Refused { count: 2 });
        let facts = SyncFacts { refused: 0, ..facts };
        assert_eq!(facts.state(), SyncState::NotLinked { hm_code: "HM1".into() });
        let facts = SyncFacts { last_report: Some(report(SyncOutcome::Complete)), ..facts };
        assert_eq!(facts.state(), SyncState::Pending { count: 4 });
        let when = DateTime::from_timestamp_millis(1_700_000_000_000);
        let facts = SyncFacts { pending: 0, last_success: when, ..facts };
        assert_eq!(facts.state(), SyncState::UpToDate { last_success: when });
        let never = SyncFacts { last_success: None, ..facts };
        assert_eq!(never.state(), SyncState::UpToDate { last_success: None });
    }
}
