//! Empty on purpose: this crate exists for its Cargo.toml, which scripts/workspace-hack.py
//! writes. Depending on it gives a package the feature set `cargo test --workspace` builds every
//! third-party crate with, so the README's commands reuse each other's builds.
