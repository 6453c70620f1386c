//! Credentials of institutions (pharmacy systems): `ph1.<institution code>.<secret>`, a random
//! 256-bit secret shown once when the institution is registered. Only its sha256 is stored; a
//! high-entropy secret needs no slow hash, so checking one costs microseconds, not an Argon2 run.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

const PREFIX: &str = "ph1";

/// A new credential for the institution with `code`, and the hash to store.
pub fn new_institution_credential(code: &str) -> Result<(String, String), getrandom::Error> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)?;
    let encoded = URL_SAFE_NO_PAD.encode(secret);
    Ok((format!("{PREFIX}.{code}.{encoded}"), secret_hash(&encoded)))
}

/// sha256 (hex) of the credential's secret part.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The institution code a presented credential names, and its secret part.
pub fn parse_institution_credential(token: &str) -> Option<(&str, &str)> {
    let mut parts = token.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(PREFIX), Some(code), Some(secret))
            if !code.is_empty()
                && code.len() <= 16
                && code.bytes().all(|b| b.is_ascii_digit())
                && secret.len() == 43 =>
        {
            Some((code, secret))
        }
        _ => None,
    }
}

/// Compares two hashes in time independent of where they differ.
pub fn hashes_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_names_its_institution_and_matches_only_its_hash() {
        let (credential, stored) = new_institution_credential("3441234567").unwrap();
        let (code, secret) = parse_institution_credential(&credential).unwrap();
        assert_eq!(code, "3441234567");
        assert!(hashes_match(&secret_hash(secret), &stored));
        let (other, _) = new_institution_credential("3441234567").unwrap();
        let (_, other_secret) = parse_institution_credential(&other).unwrap();
        assert!(!hashes_match(&secret_hash(other_secret), &stored));
        for bad in ["", "ph1", "ph1.x.secret", "v2.7.abc", "ph1.7.short"] {
            assert!(parse_institution_credential(bad).is_none(), "{bad}");
        }
    }
}
