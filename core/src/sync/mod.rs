//! Everything between the outbox and the server: the sync engine and its driver. The wire
//! mapping of each family lives in `techo-domain`.

#[cfg(feature = "client")]
pub mod client;
pub mod engine;
#[cfg(test)]
mod engine_tests;
pub mod refusal;
pub mod state;

pub use engine::{
    EngineConfig, Event, Failure, Instruction, Request, Response, RetryPolicy, SyncEngine, SyncOutcome, SyncPhase,
    SyncProgress, SyncReport,
};
pub use refusal::RefusalReason;
pub use state::{SyncFacts, SyncState};
