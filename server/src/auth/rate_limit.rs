//! Failed-login limits per account and per client address, in memory (a restart forgives).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginLimiter {
    window: Duration,
    per_account: usize,
    per_address: usize,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(window: Duration, per_account: usize, per_address: usize) -> Self {
        Self { window, per_account, per_address, failures: Mutex::new(HashMap::new()) }
    }

    fn keys(account: &str, address: &str) -> [(String, bool); 2] {
        [(format!("a:{account}"), true), (format!("ip:{address}"), false)]
    }

    /// `Err(retry_after)` while either the account or the address is over its limit.
    pub fn check(&self, account: &str, address: &str, now: Instant) -> Result<(), Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = Duration::ZERO;
        for (key, is_account) in Self::keys(account, address) {
            let limit = if is_account { self.per_account } else { self.per_address };
            if let Some(q) = map.get_mut(&key) {
                while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    q.pop_front();
                }
                if q.len() >= limit
                    && let Some(oldest) = q.front()
                {
                    wait = wait.max(self.window - now.duration_since(*oldest));
                }
            }
        }
        if wait.is_zero() { Ok(()) } else { Err(wait.max(Duration::from_secs(1))) }
    }

    pub fn record_failure(&self, account: &str, address: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for (key, _) in Self::keys(account, address) {
            map.entry(key).or_default().push_back(now);
        }
        // Bound memory under a spray of made-up accounts.
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < self.window));
        }
    }

    pub fn record_success(&self, account: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(&format!("a:{account}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_limit_and_recovers_after_the_window() {
        let l = LoginLimiter::new(Duration::from_secs(900), 3, 100);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check("A", "1.2.3.4", t0).is_ok());
            l.record_failure("A", "1.2.3.4", t0);
        }
        let wait = l.check("A", "1.2.3.4", t0).unwrap_err();
        assert!(wait <= Duration::from_secs(900) && wait >= Duration::from_secs(899));
        assert!(l.check("B", "1.2.3.4", t0).is_ok(), "another account from the same address");
        assert!(l.check("A", "5.6.7.8", t0 + Duration::from_secs(901)).is_ok());
    }

    #[test]
    fn one_address_spraying_many_accounts_is_limited_too() {
        let l = LoginLimiter::new(Duration::from_secs(900), 10, 5);
        let t0 = Instant::now();
        for n in 0..5 {
            let account = format!("acct{n}");
            assert!(l.check(&account, "1.2.3.4", t0).is_ok());
            l.record_failure(&account, "1.2.3.4", t0);
        }
        assert!(l.check("fresh", "1.2.3.4", t0).is_err(), "the address is over its limit");
        assert!(l.check("fresh", "9.9.9.9", t0).is_ok(), "other addresses are not");
        l.record_success("acct0");
        assert!(l.check("acct0", "9.9.9.9", t0).is_ok());
    }
}
