use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

fn argon2() -> Argon2<'static> {
    // OWASP's Argon2id minimum (19 MiB, 2 passes): ~tens of ms on a server core.
    let params = Params::new(19 * 1024, 2, 1, None).expect("static Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| "no system randomness".to_owned())?;
    argon2()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h: PasswordHash| h.to_string())
        .map_err(|_| "password hashing failed".to_owned())
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// Burns the same work as checking a real password, for unknown and not yet activated accounts,
/// so response times do not reveal which HM codes exist or are activated.
pub fn verify_against_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(phc) = DUMMY.get_or_init(|| hash_password("not a real password").ok()) {
        let _ = verify_password(password, phc);
    }
}

/// Bounds how many Argon2 computations (19 MiB each) run at once in this process, whatever the
/// number of requests: the rest wait their turn. A resource bound, not a correctness rule, so it
/// lives in memory; each instance has its own.
pub struct HashGate {
    permits: tokio::sync::Semaphore,
    running: AtomicUsize,
    peak: AtomicUsize,
    done: AtomicU64,
}

impl HashGate {
    pub fn new(concurrent: usize) -> Self {
        Self {
            permits: tokio::sync::Semaphore::new(concurrent.max(1)),
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            done: AtomicU64::new(0),
        }
    }

    /// Sized to the machine: one hash per core.
    pub fn for_this_machine() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    }

    /// Runs one password computation off the async threads, when a permit is free.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let _permit = self.permits.acquire().await.ok()?;
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let out = tokio::task::spawn_blocking(work).await.ok();
        self.running.fetch_sub(1, Ordering::SeqCst);
        self.done.fetch_add(1, Ordering::SeqCst);
        out
    }

    /// The most computations that ever ran at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// How many computations have run.
    pub fn completed(&self) -> u64 {
        self.done.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_right_password() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsE", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
