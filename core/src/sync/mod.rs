//! Everything between the outbox and the server: wire mapping, the sync engine, its driver.

#[cfg(feature = "client")]
pub mod client;
pub mod engine;
#[cfg(test)]
mod engine_tests;
pub mod wire;

pub use engine::{
    EngineConfig, Event, Failure, Instruction, Request, Response, RetryPolicy, SyncEngine, SyncOutcome, SyncPhase,
    SyncProgress, SyncReport,
};
