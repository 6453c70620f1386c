//! End-to-end and fault-injection tests for Kenko Techo.

pub mod durability;
pub mod fault_proxy;
pub mod harness;
pub mod load;
pub mod sim;
