//! The 256-bit SQLCipher key and its canary.

use crate::error::{Error, KeyStoreError, Result};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt::Write as _;
use zeroize::Zeroizing;

pub(crate) struct DatabaseKey(Zeroizing<[u8; 32]>);

/// The canary is a MAC of a fixed label under the key: it reveals nothing about the key, but
/// tells "this is not the key the database was made with" apart from "the file is damaged".
const CANARY_LABEL: &[u8] = b"kenko-techo database key canary v1";
const CANARY_PREFIX: &str = "techo-key-canary-v1:";

impl DatabaseKey {
    pub(crate) fn generate() -> Result<Self> {
        let mut k = Zeroizing::new([0u8; 32]);
        getrandom::fill(k.as_mut()).map_err(|_| KeyStoreError::Refused("no system randomness available".into()))?;
        Ok(Self(k))
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| Error::Corrupt("database key has the wrong length"))?;
        Ok(Self(Zeroizing::new(arr)))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `PRAGMA key` argument for a raw key: SQLCipher skips PBKDF2, which only makes sense for
    /// passphrases, so opening stays fast.
    pub(crate) fn pragma_value(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(67));
        s.push_str("x'");
        for b in self.0.iter() {
            let _ = write!(s, "{b:02X}");
        }
        s.push('\'');
        s
    }

    pub(crate) fn canary(&self) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_ref()).expect("HMAC accepts 32-byte keys");
        mac.update(CANARY_LABEL);
        format!("{CANARY_PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
    }

    pub(crate) fn matches_canary(&self, stored: &str) -> bool {
        stored.trim() == self.canary()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canary_distinguishes_keys_and_hides_the_key() {
        let a = DatabaseKey::generate().unwrap();
        let b = DatabaseKey::generate().unwrap();
        assert!(a.matches_canary(&a.canary()));
        assert!(!a.matches_canary(&b.canary()));
        assert!(!a.canary().contains(&hex::encode(a.bytes())));
        assert_eq!(a.pragma_value().len(), 67);
    }
}
