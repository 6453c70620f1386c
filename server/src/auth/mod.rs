//! Residents' credentials: Argon2id passwords, HMAC-signed short-lived access tokens, single-use
//! rotating refresh tokens bound to a device, and failed-login rate limits.

mod passwords;
mod rate_limit;
mod tokens;

pub use passwords::{hash_password, verify_against_nothing, verify_password};
pub use rate_limit::LoginLimiter;
pub use tokens::{AccessClaims, TokenSigner, new_refresh_token};

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
