//! Access tokens: `v1.<resident>.<device>.<expiry>.<mac>`, verified without a database read;
//! whether the device is still signed in is checked separately on each request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub resident: i64,
    pub device_id: String,
    pub expires_at: i64,
}

pub struct TokenSigner {
    secret: Vec<u8>,
}

impl TokenSigner {
    pub fn new(secret: Vec<u8>) -> Self {
        Self { secret }
    }

    fn mac(&self, body: &str) -> Vec<u8> {
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        m.update(body.as_bytes());
        m.finalize().into_bytes().to_vec()
    }

    pub fn sign(&self, c: &AccessClaims) -> String {
        let body = format!("v1.{}.{}.{}", c.resident, URL_SAFE_NO_PAD.encode(&c.device_id), c.expires_at);
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(self.mac(&body)))
    }

    /// The claims of a genuine, unexpired token.
    pub fn verify(&self, token: &str, now_unix: i64) -> Option<AccessClaims> {
        let (body, mac) = token.rsplit_once('.')?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret).ok()?;
        m.update(body.as_bytes());
        m.verify_slice(&mac).ok()?;
        let mut parts = body.split('.');
        if parts.next()? != "v1" {
            return None;
        }
        let resident = parts.next()?.parse().ok()?;
        let device_id = String::from_utf8(URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()?;
        let expires_at: i64 = parts.next()?.parse().ok()?;
        (parts.next().is_none() && expires_at > now_unix).then_some(AccessClaims { resident, device_id, expires_at })
    }
}

/// 256 random bits, URL-safe. Only its SHA-256 is stored.
pub fn new_refresh_token() -> Result<String, getrandom::Error> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_expire_and_resist_tampering() {
        let s = TokenSigner::new(vec![7; 32]);
        let c = AccessClaims { resident: 42, device_id: "dev-1".into(), expires_at: 1000 };
        let t = s.sign(&c);
        assert_eq!(s.verify(&t, 999), Some(c.clone()));
        assert_eq!(s.verify(&t, 1000), None, "expired");
        assert_eq!(TokenSigner::new(vec![8; 32]).verify(&t, 0), None, "other key");
        let forged = t.replacen("v1.42.", "v1.43.", 1);
        assert_eq!(s.verify(&forged, 0), None);
        assert_eq!(s.verify("garbage", 0), None);
    }
}
