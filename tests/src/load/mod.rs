//! The load generator's parts, shared by the `load` and `soak` programs (and the statistics by
//! `sync_bench`): simulated phones of many patients writing every family the server has over
//! HTTP ([`device`], [`payloads`], [`http`]), the check that nothing acknowledged was lost or
//! duplicated and every device converged ([`verify`]), and a whole run with its report ([`run`]).

pub mod device;
pub mod http;
pub mod payloads;
pub mod run;
pub mod stats;
pub mod verify;
