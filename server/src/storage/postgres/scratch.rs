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
        // Often dropped at the end of an async test: off its runtime.
        off_runtime(|| {
            if let Ok(mut admin) = Client::connect(&self.admin_url, NoTls) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name));
            }
        });
    }
}

/// Runs `f` on a thread of its own: the synchronous PostgreSQL client blocks on a runtime of its
/// own, which tokio refuses on a thread that drives an async test. (The server runs storage work
/// off its async threads the same way.)
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
}

/// Whether `TECHO_TEST_SERVER_BACKEND` asks for PostgreSQL (`postgres`, or `postgres2` for the
/// end-to-end suites' two instances); anything else, or nothing, is SQLite.
pub fn postgres_chosen() -> bool {
    matches!(std::env::var("TECHO_TEST_SERVER_BACKEND").as_deref(), Ok("postgres" | "postgres2"))
}

/// The store a test server runs on: SQLite under `dir`, or when [`postgres_chosen`] a database
/// of its own on the test cluster (blob bytes inside), with the database to drop after.
pub struct TestStore {
    pub storage: std::sync::Arc<dyn crate::storage::Storage>,
    pub database: Option<ScratchDatabase>,
}

impl TestStore {
    /// Panics when the chosen store cannot be opened: only tests make these. Callable from an
    /// async test; its storage is then used through [`off_runtime`].
    pub fn open(dir: &std::path::Path) -> Self {
        off_runtime(|| {
            let database = postgres_chosen().then(|| {
                ScratchDatabase::create(
                    &test_cluster_url().expect("TECHO_TEST_SERVER_BACKEND=postgres needs TECHO_TEST_POSTGRES_URL"),
                )
            });
            let storage =
                crate::open_database(dir, database.as_ref().map(ScratchDatabase::url).as_deref()).expect("test store");
            Self { storage, database }
        })
    }
}
