//! Residents' credentials: Argon2id passwords (a bounded number hashed at once), HMAC-signed
//! short-lived access tokens naming a session, rotating refresh-token families bound to a
//! device, failed sign-in limits kept in the database, and the signing key kept outside it.
//! Institutions (pharmacy systems) have credentials of their own, never a resident's login.

mod institution_credentials;
mod passwords;
mod rate_limit;
pub mod secret;
mod tokens;

pub use institution_credentials::{
    hashes_match, new_institution_credential, parse_institution_credential, secret_hash,
};
pub use passwords::{HashGate, hash_password, verify_against_nothing, verify_password};
pub use rate_limit::{LoginLimits, ThrottleSpec, login_rules};
pub use tokens::{AccessClaims, TokenSigner, new_refresh_family, parse_refresh_token};

/// Human-typeable one-time code: no 0/O, 1/I/L.
pub fn new_activation_code() -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut raw = [0u8; 12];
    getrandom::fill(&mut raw)?;
    let chars: Vec<char> = raw.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    Ok(chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

/// Codes are compared in a normalised form: case and separators do not matter to a person.
pub fn normalise_activation_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longer passwords are refused before hashing: Argon2 reads all of it.
pub const MAX_PASSWORD_BYTES: usize = 1024;
