//! Access tokens: `v2.<resident>.<device>.<session>.<expiry>.<mac>`, verified without a database
//! read; whether the session is still live is checked separately on each request.
//!
//! Refresh tokens: `r1.<family>.<n>.<secret>`. A sign-in starts a family with a random id and
//! token 0; each refresh replaces token n with token n + 1, derived from token n under the
//! signing key, so a refresh whose answer was lost can be answered again with the very same
//! token without keeping any token in the clear. Only hashes are stored. A token from before
//! (no `r1.` prefix) is its own family, at number 0.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub resident: i64,
    pub device_id: String,
    /// The device's sign-in session; logout and a new login end it for good.
    pub session: i64,
    pub expires_at: i64,
}

pub struct TokenSigner {
    secret: Vec<u8>,
}

impl TokenSigner {
    pub fn new(secret: Vec<u8>) -> Self {
        Self { secret }
    }

    fn mac(&self, body: &[u8]) -> Vec<u8> {
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        m.update(body);
        m.finalize().into_bytes().to_vec()
    }

    pub fn sign(&self, c: &AccessClaims) -> String {
        let body = format!("v2.{}.{}.{}.{}", c.resident, URL_SAFE_NO_PAD.encode(&c.device_id), c.session, c.expires_at);
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(self.mac(body.as_bytes())))
    }

    /// The claims of a genuine, unexpired token.
    pub fn verify(&self, token: &str, now_unix: i64) -> Option<AccessClaims> {
        let (body, mac) = token.rsplit_once('.')?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret).ok()?;
        m.update(body.as_bytes());
        m.verify_slice(&mac).ok()?;
        let mut parts = body.split('.');
        if parts.next()? != "v2" {
            return None;
        }
        let resident = parts.next()?.parse().ok()?;
        let device_id = String::from_utf8(URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()?;
        let session = parts.next()?.parse().ok()?;
        let expires_at: i64 = parts.next()?.parse().ok()?;
        (parts.next().is_none() && expires_at > now_unix).then_some(AccessClaims {
            resident,
            device_id,
            session,
            expires_at,
        })
    }

    /// The token that replaces `presented` (number `seq` of `family`): the same every time.
    pub fn next_refresh_token(&self, family: &str, seq: i64, presented: &str) -> String {
        let mut input = b"refresh-next\0".to_vec();
        input.extend_from_slice(presented.as_bytes());
        format!("r1.{family}.{}.{}", seq + 1, URL_SAFE_NO_PAD.encode(self.mac(&input)))
    }
}

/// A refresh token split into its family and number; `None` if it cannot be one.
pub fn parse_refresh_token(token: &str) -> Option<(&str, i64)> {
    if token.is_empty() || token.len() > 256 {
        return None;
    }
    match token.strip_prefix("r1.") {
        Some(rest) => {
            let mut parts = rest.split('.');
            let (family, seq, secret) = (parts.next()?, parts.next()?, parts.next()?);
            let seq: i64 = seq.parse().ok().filter(|n| *n >= 0)?;
            (parts.next().is_none() && !family.is_empty() && !secret.is_empty()).then_some((family, seq))
        }
        // From before families: the token is its own family.
        None => (!token.contains('.')).then_some((token, 0)),
    }
}

fn random_b64(n: usize) -> Result<String, getrandom::Error> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b)?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

/// The first token of a new family, and the family's id.
pub fn new_refresh_family() -> Result<(String, String), getrandom::Error> {
    let family = random_b64(16)?;
    let token = format!("r1.{family}.0.{}", random_b64(32)?);
    Ok((token, family))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_expire_and_resist_tampering() {
        let s = TokenSigner::new(vec![7; 32]);
        let c = AccessClaims { resident: 42, device_id: "dev-1".into(), session: 5, expires_at: 1000 };
        let t = s.sign(&c);
        assert_eq!(s.verify(&t, 999), Some(c.clone()));
        assert_eq!(s.verify(&t, 1000), None, "expired");
        assert_eq!(TokenSigner::new(vec![8; 32]).verify(&t, 0), None, "other key");
        let forged = t.replacen("v2.42.", "v2.43.", 1);
        assert_eq!(s.verify(&forged, 0), None);
        assert_eq!(s.verify("garbage", 0), None);
    }

    #[test]
    fn refresh_tokens_name_their_family_and_derive_their_successor() {
        let (t0, family) = new_refresh_family().unwrap();
        assert_eq!(parse_refresh_token(&t0), Some((family.as_str(), 0)));
        let s = TokenSigner::new(vec![7; 32]);
        let t1 = s.next_refresh_token(&family, 0, &t0);
        assert_eq!(t1, s.next_refresh_token(&family, 0, &t0), "the same successor every time");
        assert_ne!(t1, TokenSigner::new(vec![8; 32]).next_refresh_token(&family, 0, &t0));
        assert_eq!(parse_refresh_token(&t1), Some((family.as_str(), 1)));
        assert_eq!(parse_refresh_token("legacyTokenWithoutDots"), Some(("legacyTokenWithoutDots", 0)));
        for bad in ["", "r1.x.y.z", "r1..0.z", "r1.f.-1.z", "r1.f.0", "a.b"] {
            assert_eq!(parse_refresh_token(bad), None, "{bad}");
        }
    }
}
