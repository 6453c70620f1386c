//! Throwaway databases on a PostgreSQL cluster, for the tests (each its own, so they stay
//! independent and run in parallel) — the backend suite, and the end-to-end suites when they
//! run against PostgreSQL. `scripts/postgres.sh` starts the cluster and names it in
//! `TECHO_TEST_POSTGRES_URL`.

use postgres::{Client, NoTls};

/// The test cluster's URL. Without one, PostgreSQL tests fail in CI (where they must run) and
/// are skipped with a note elsewhere (`None`).
pub fn test_cluster_url() -> Option<String> {
    match std::env::var("TECHO_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0") => {
            panic!(
                "TECHO_TEST_POSTGRES_URL is not set: CI must run the PostgreSQL backend (scripts/test.sh starts a cluster)"
            )
        }
        _ => {
            eprintln!(
                "note: TECHO_TEST_POSTGRES_URL is not set, PostgreSQL test skipped (source scripts/postgres.sh; start_test_postgres)"
            );
            None
        }
    }
}

/// A database of its own on the cluster at `admin_url`, dropped with this value.
pub struct ScratchDatabase {
    admin_url: String,
    name: String,
}

impl ScratchDatabase {
    /// Panics when the cluster does not answer: only tests make these.
    pub fn create(admin_url: &str) -> Self {
        let name = format!("techo_test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = Client::connect(admin_url, NoTls).expect("the test cluster answers");
        admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).expect("a scratch database");
        Self { admin_url: admin_url.to_owned(), name }
    }

    /// The cluster's URL naming this database instead (a later `dbname` wins over the path).
    pub fn url(&self) -> String {
        let sep = if self.admin_url.contains('?') { '&' } else { '?' };
        format!("{}{sep}dbname={}", self.admin_url, self.name)
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&self.admin_url, NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name));
        }
    }
}
