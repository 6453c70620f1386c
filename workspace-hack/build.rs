//! Cargo builds a package's build-dependencies only for its build script: this empty one makes
//! the host-side entries of Cargo.toml (the features of proc-macros' dependencies) count.

fn main() {}
