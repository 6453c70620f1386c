//! Patient profiles: the resident and the family members they manage, each keyed by HM code.

use crate::error::{DomainError as Error, Result, ValidationReason};
use crate::validation::{Field, check_text};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// The patient's HMネット code (地域共通ID on the HM card). Normalised to upper-case ASCII so
/// a code typed with a Japanese IME (full-width) matches the one printed on the card.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HmCode(String);

impl HmCode {
    pub const MIN_LEN: usize = 4;
    pub const MAX_LEN: usize = 20;

    pub fn parse(text: &str) -> Result<Self> {
        let code: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '‐' | '－' | ' ' | '　'))
            .map(|c| match c {
                // Full-width ASCII block → ASCII.
                '！'..='～' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if code.is_empty() {
            return Err(Error::invalid(Field::HmCode, ValidationReason::Empty));
        }
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::invalid(
                Field::HmCode,
                ValidationReason::InvalidFormat { expected: "4 to 20 letters or digits" },
            ));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for HmCode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<HmCode> for String {
    fn from(c: HmCode) -> String {
        c.0
    }
}

impl fmt::Display for HmCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An HM code identifies a person: keep it out of debug output and logs.
impl fmt::Debug for HmCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmCode(<redacted>)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// The device owner's own record.
    Myself,
    /// A family member or other person the owner manages.
    Family,
}

impl Relationship {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Myself => "self",
            Self::Family => "family",
        }
    }

    pub fn from_str_opt(s: &str) -> Option<Self> {
        match s {
            "self" => Some(Self::Myself),
            "family" => Some(Self::Family),
            _ => None,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub id: Uuid,
    pub hm_code: HmCode,
    pub display_name: String,
    pub relationship: Relationship,
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("id", &self.id)
            .field("relationship", &self.relationship)
            .finish_non_exhaustive()
    }
}

pub const DISPLAY_NAME_MAX_CHARS: usize = 50;

pub fn check_display_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid(Field::DisplayName, ValidationReason::Empty));
    }
    check_text(Some(name), Field::DisplayName, DISPLAY_NAME_MAX_CHARS)?;
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hm_codes_are_normalised() {
        assert_eq!(HmCode::parse(" ３４ab-1234 ").unwrap().as_str(), "34AB1234");
        assert_eq!(HmCode::parse("3400 1234").unwrap().as_str(), "34001234");
        assert!(HmCode::parse("").is_err());
        assert!(HmCode::parse("12").is_err());
        assert!(HmCode::parse("1234_5678").is_err());
        assert!(HmCode::parse(&"9".repeat(21)).is_err());
        assert_eq!(format!("{:?}", HmCode::parse("34001234").unwrap()), "HmCode(<redacted>)");
    }
}
