//! What an entry form is told about its input: the field a message is about, why a value was
//! refused, and the warnings of a value saved anyway. Every record family shares these, and so
//! does `ApiError::Validation`; nothing here depends on the error type, so both can use it.

use techo_core::ValidationReason;
use techo_core::domain as core;

pub use techo_core::domain::{Field, WarningCode};

/// The input a validation message or warning is about; the shell highlights that field.
#[uniffi::remote(Enum)]
pub enum Field {
    Weight,
    Temperature,
    Systolic,
    Diastolic,
    Pulse,
    Glucose,
    Steps,
    MeasuredAt,
    Note,
    DeviceName,
    HmCode,
    DisplayName,
    Cursor,
    CheckupDate,
    CheckupKind,
    Institution,
    Pages,
    Items,
    ItemCode,
    ItemValue,
    ItemUnit,
    ItemMethod,
}

#[uniffi::remote(Enum)]
pub enum WarningCode {
    Below,
    AtOrAbove,
    Above,
    ChangedByMoreThan,
}

/// Why a value was refused, for the shell to word in Japanese or English. Bounds are text in
/// the field's unit, exactly as the core checks them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ValidationProblem {
    OutOfRange { min: String, max: String, unit: String },
    NotANumber,
    NotAWholeNumber,
    TooManyDecimals { max: u8 },
    NotBelowSystolic,
    InTheFuture,
    TooFarInThePast,
    TooLong { max_chars: u32 },
    Empty,
    InvalidFormat { expected: String },
    TooMany { max: u32 },
    Duplicate,
}

impl From<ValidationReason> for ValidationProblem {
    fn from(r: ValidationReason) -> Self {
        match r {
            ValidationReason::OutOfRange { min, max, unit } => Self::OutOfRange { min, max, unit: unit.to_owned() },
            ValidationReason::NotANumber => Self::NotANumber,
            ValidationReason::NotAWholeNumber => Self::NotAWholeNumber,
            ValidationReason::TooManyDecimals { max } => Self::TooManyDecimals { max },
            ValidationReason::NotBelowSystolic => Self::NotBelowSystolic,
            ValidationReason::InTheFuture => Self::InTheFuture,
            ValidationReason::TooFarInThePast => Self::TooFarInThePast,
            ValidationReason::TooLong { max_chars } => {
                Self::TooLong { max_chars: u32::try_from(max_chars).unwrap_or(u32::MAX) }
            }
            ValidationReason::Empty => Self::Empty,
            ValidationReason::InvalidFormat { expected } => Self::InvalidFormat { expected: expected.to_owned() },
            ValidationReason::TooMany { max } => Self::TooMany { max: u32::try_from(max).unwrap_or(u32::MAX) },
            ValidationReason::Duplicate => Self::Duplicate,
        }
    }
}

/// Saved, but worth a second look ("185 mmHg is high").
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Warning {
    pub field: Field,
    pub code: WarningCode,
    /// The threshold crossed, in `unit`.
    pub threshold: f64,
    /// The threshold as the screens print it.
    pub shown_threshold: String,
    pub unit: String,
}

impl From<core::Warning> for Warning {
    fn from(w: core::Warning) -> Self {
        Self {
            field: w.field,
            code: w.code,
            threshold: w.threshold.as_f64(),
            shown_threshold: techo_core::domain::shown::exact(w.threshold),
            unit: w.unit.to_owned(),
        }
    }
}
