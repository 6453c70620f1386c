//! Failed sign-in limits, counted in the database (so every server instance sees the same
//! counts) and reserved before any password is hashed, so concurrency cannot get more attempts
//! evaluated than the limits allow.
//!
//! Three counters, each with a few free failures and then a delay that doubles per failure:
//! - an account at one address: the guesser, stopped soon and for long;
//! - an address, whatever accounts it tries: one address spraying many accounts;
//! - an account from anywhere: a ceiling on distributed guessing whose delay is capped low, so
//!   it slows but never locks out the owner signing in from an address of their own.

use crate::storage::ThrottleRule;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct ThrottleSpec {
    pub free: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    pub window: Duration,
}

#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub per_account_and_address: ThrottleSpec,
    pub per_address: ThrottleSpec,
    pub per_account: ThrottleSpec,
}

impl Default for LoginLimits {
    fn default() -> Self {
        let min = |m: u64| Duration::from_secs(60 * m);
        Self {
            per_account_and_address: ThrottleSpec {
                free: 5,
                base_delay: Duration::from_secs(2),
                max_delay: min(15),
                window: min(15),
            },
            per_address: ThrottleSpec {
                free: 50,
                base_delay: Duration::from_secs(1),
                max_delay: min(15),
                window: min(60),
            },
            // ASVS 2.2.1: at most 100 failures an hour on one account; a one-minute cap allows
            // 60, and the owner waits a minute at worst.
            per_account: ThrottleSpec {
                free: 20,
                base_delay: Duration::from_secs(1),
                max_delay: min(1),
                window: min(60),
            },
        }
    }
}

fn rule(key: String, s: &ThrottleSpec) -> ThrottleRule {
    let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    ThrottleRule {
        key,
        free: s.free,
        base_delay_ms: ms(s.base_delay),
        max_delay_ms: ms(s.max_delay),
        window_ms: ms(s.window),
    }
}

/// The counters one attempt on `account` from `address` is reserved against; the first is the
/// one a success clears.
pub fn login_rules(limits: &LoginLimits, account: &str, address: &str) -> [ThrottleRule; 3] {
    [
        rule(format!("aa:{account}|{address}"), &limits.per_account_and_address),
        rule(format!("ad:{address}"), &limits.per_address),
        rule(format!("ac:{account}"), &limits.per_account),
    ]
}
