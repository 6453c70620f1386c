//! The bindings' one tokio runtime. Every async export hands its work to [`on_runtime`]: the
//! foreign executor only awaits a `JoinHandle`, so nothing depends on which thread polls the
//! future, and a cancelled caller (a Kotlin coroutine drops the future) leaves the spawned work
//! to finish its current transaction instead of abandoning it halfway.

use crate::error::ApiError;
use std::future::Future;
use std::sync::LazyLock;
use tokio::runtime::{Builder, Runtime};

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("techo-core")
        .enable_all()
        .build()
        .expect("the OS refused to start the core's worker threads")
});

pub(crate) fn runtime() -> &'static Runtime {
    &RUNTIME
}

pub(crate) async fn on_runtime<T, F>(work: F) -> Result<T, ApiError>
where
    F: Future<Output = Result<T, ApiError>> + Send + 'static,
    T: Send + 'static,
{
    match RUNTIME.spawn(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => Err(ApiError::Internal { reason: "the core failed unexpectedly".into() }),
        Err(_) => Err(ApiError::Internal { reason: "the core is shutting down".into() }),
    }
}
