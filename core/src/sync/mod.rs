//! Everything between the outbox and the server: wire mapping, the sync engine, its driver.

pub mod wire;
