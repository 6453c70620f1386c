//! The domain's one error type: why a value or a synced payload was refused.
//!
//! Messages name fields and bounds, never the values themselves: they reach logs, support
//! tickets and the server's rejection codes.

use crate::validation::Field;
use std::fmt;

pub type Result<T, E = DomainError> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{field}: {reason}")]
    Validation { field: Field, reason: ValidationReason },

    /// A field of a document (命の宝箱), by its catalogue key; never the value.
    #[error("{key}: {reason}")]
    DocumentField { key: String, reason: ValidationReason },

    /// A synced payload does not have the shape its family defines.
    #[error("a synced record is malformed: {what}")]
    InvalidPayload { what: &'static str },
}

impl DomainError {
    pub(crate) fn invalid(field: Field, reason: ValidationReason) -> Self {
        Self::Validation { field, reason }
    }

    pub(crate) fn payload(what: &'static str) -> Self {
        Self::InvalidPayload { what }
    }
}

/// Why a value was refused. Bounds are part of the message; the offending value is not.
///
/// `TooMany`: a list (a checkup's pages or items) holds more entries than a record may;
/// `Duplicate`: an entry (an item code) that may appear once appears again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidationReason {
    OutOfRange { min: String, max: String, unit: &'static str },
    NotANumber,
    NotAWholeNumber,
    TooManyDecimals { max: u8 },
    NotBelowSystolic,
    InTheFuture,
    TooFarInThePast,
    TooLong { max_chars: usize },
    Empty,
    InvalidFormat { expected: &'static str },
    TooMany { max: usize },
    Duplicate,
}

impl fmt::Display for ValidationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfRange { min, max, unit } => {
                write!(f, "must be between {min} and {max}")?;
                if !unit.is_empty() {
                    write!(f, " {unit}")?;
                }
                Ok(())
            }
            Self::NotANumber => f.write_str("must be a number"),
            Self::NotAWholeNumber => f.write_str("must be a whole number"),
            Self::TooManyDecimals { max } => write!(f, "at most {max} decimal places"),
            Self::NotBelowSystolic => f.write_str("must be lower than the systolic value"),
            Self::InTheFuture => f.write_str("is in the future"),
            Self::TooFarInThePast => f.write_str("is before 1900"),
            Self::TooLong { max_chars } => write!(f, "at most {max_chars} characters"),
            Self::Empty => f.write_str("must not be empty"),
            Self::InvalidFormat { expected } => write!(f, "expected {expected}"),
            Self::TooMany { max } => write!(f, "at most {max} entries"),
            Self::Duplicate => f.write_str("appears more than once"),
        }
    }
}
