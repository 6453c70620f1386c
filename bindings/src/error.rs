//! The one public error. Every core error becomes an `ApiError` in [`ApiError::from`] below and
//! nowhere else; the variants are what a screen acts on, and no message carries patient data.

use crate::validation::{Field, ValidationProblem};
use techo_core::domain::shown::{Wait, WaitUnit};
use techo_core::{AuthProblem, Error as CoreError, PhotoProblem};
use techo_jahis::JahisError;

/// What an action collided with, for the shell to word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConflictKind {
    /// e.g. a profile with that HM code is already on this device.
    AlreadyExists,
    /// The record was corrected since it was shown: act on the current version.
    CorrectedSince,
    /// The record was deleted since it was shown.
    Deleted,
    /// A correction must keep the record's kind (a weight stays a weight).
    DifferentKind,
    /// A short id matched more than one record.
    Ambiguous,
    /// Removing the person would lose changes not yet sent: sync first, or confirm discarding.
    UnsentChanges,
}

/// Why imported medication data was refused as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ImportProblem {
    /// A 院外処方箋 QR code (JAHIS prescription symbol): for the pharmacy, not the notebook.
    PrescriptionSymbol,
    /// Not e-お薬手帳 (JAHIS TC) data at all.
    NotMedicationData,
    /// A QR code of another receipt than the one being read.
    OtherReceipt,
    /// The codes of a receipt do not fit together: scan them again.
    ScanAgain,
    /// The QR code itself could not be read.
    UnreadableCode,
}

#[uniffi::remote(Enum)]
pub enum PhotoProblem {
    UnsupportedFormat,
    TooLarge,
    Damaged,
    NoCodeFound,
}

#[uniffi::remote(Enum)]
pub enum AuthProblem {
    WrongCredentials,
    InvalidActivationCode,
    WeakPassword,
    TooManyAttempts { wait: Wait },
    Refused,
}

/// How long to wait, in the unit a person is told it (decided by the core).
#[uniffi::remote(Record)]
pub struct Wait {
    pub unit: WaitUnit,
    pub count: u64,
}

#[uniffi::remote(Enum)]
pub enum WaitUnit {
    Seconds,
    Minutes,
}

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ApiError {
    /// Show next to `field`; the shell words `problem` in the person's language (`reason` is
    /// the English wording, for logs and support).
    #[error("{field:?}: {reason}")]
    Validation { field: Field, problem: ValidationProblem, reason: String },

    /// Show next to the document field `key` (a 命の宝箱 catalogue key); worded like `Validation`.
    #[error("{key}: {reason}")]
    DocumentField { key: String, problem: ValidationProblem, reason: String },

    #[error("no {entity} with that id")]
    NotFound { entity: String },

    /// The action conflicts with the current data.
    #[error("conflict: {reason}")]
    Conflict { kind: ConflictKind, reason: String },

    /// No profile is selected yet: run the first-run flow.
    #[error("no profile selected")]
    NoActiveProfile,

    /// The database key is gone (reinstall, OS restore); recovery re-downloads from the server.
    #[error("the database key is missing from the key store")]
    KeyUnavailable,

    /// The key store answered with a different key than the database was made with.
    #[error("the key store returned a different key")]
    KeyChanged,

    /// The platform key store failed, or a foreign implementation threw.
    #[error("key store: {reason}")]
    KeyStore { reason: String },

    /// The data on this device was written by a newer app version.
    #[error("update the app: {reason}")]
    UpdateRequired { reason: String },

    #[error("the device storage is full")]
    StorageFull,

    /// The local database cannot be read (damaged file or wrong key).
    #[error("local data is damaged: {reason}")]
    DataDamaged { reason: String },

    /// Try again later; nothing was lost.
    #[error("network: {reason}")]
    Network { reason: String },

    /// The server refused the sign-in; `problem` says what the person can do about it.
    #[error("sign-in: {reason}")]
    Auth { problem: AuthProblem, reason: String },

    /// A photo the core cannot use (not JPEG/PNG, too large, damaged, no readable code).
    #[error("photo: {reason}")]
    Photo { problem: PhotoProblem, reason: String },

    /// Imported medication data was refused whole; `problem` says what the person can do.
    #[error("import: {reason}")]
    Import { problem: ImportProblem, reason: String },

    /// The app called the core with something it cannot use (an impossible time or date, bad
    /// configuration), or the core failed in a way the person cannot fix.
    #[error("internal: {reason}")]
    Internal { reason: String },
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Validation { field, reason } => {
                Self::Validation { field, reason: reason.to_string(), problem: reason.into() }
            }
            CoreError::DocumentField { key, reason } => {
                Self::DocumentField { key, reason: reason.to_string(), problem: reason.into() }
            }
            CoreError::BatchItem { error, .. } => Self::from(*error),
            CoreError::NotFound { entity } => Self::NotFound { entity: entity.to_owned() },
            CoreError::NoProfileWithHmCode => Self::NotFound { entity: "profile".to_owned() },
            e @ CoreError::ProfileExists => Self::Conflict { kind: ConflictKind::AlreadyExists, reason: e.to_string() },
            e @ CoreError::Superseded { .. } => {
                Self::Conflict { kind: ConflictKind::CorrectedSince, reason: e.to_string() }
            }
            e @ CoreError::Deleted => Self::Conflict { kind: ConflictKind::Deleted, reason: e.to_string() },
            e @ CoreError::KindMismatch { .. } => {
                Self::Conflict { kind: ConflictKind::DifferentKind, reason: e.to_string() }
            }
            e @ CoreError::AmbiguousId { .. } => {
                Self::Conflict { kind: ConflictKind::Ambiguous, reason: e.to_string() }
            }
            e @ CoreError::UnsentChanges { .. } => {
                Self::Conflict { kind: ConflictKind::UnsentChanges, reason: e.to_string() }
            }
            CoreError::NoActiveProfile => Self::NoActiveProfile,
            CoreError::KeyUnavailable => Self::KeyUnavailable,
            CoreError::KeyChanged => Self::KeyChanged,
            CoreError::KeyStore(e) => Self::KeyStore { reason: e.to_string() },
            e @ CoreError::SchemaTooNew { .. } => Self::UpdateRequired { reason: e.to_string() },
            CoreError::Sqlite(e) if e.is_disk_full() => Self::StorageFull,
            e @ (CoreError::WrongKeyOrCorrupt | CoreError::Corrupt(_)) => Self::DataDamaged { reason: e.to_string() },
            CoreError::Sqlite(e) if e.is_corrupt() => Self::DataDamaged { reason: e.to_string() },
            CoreError::Sqlite(e) => Self::Internal { reason: format!("database: {e}") },
            CoreError::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => Self::StorageFull,
            CoreError::Io(e) => Self::Internal { reason: format!("file: {}", e.kind()) },
            CoreError::Network { reason } => Self::Network { reason },
            CoreError::Auth { problem, reason } => Self::Auth { problem, reason },
            CoreError::Photo { problem } => Self::Photo { problem, reason: problem.to_string() },
            CoreError::Medication(e) => Self::Import { problem: import_problem(&e), reason: e.to_string() },
            e @ (CoreError::InvalidPayload { .. } | CoreError::InvalidConfig { .. }) => {
                Self::Internal { reason: e.to_string() }
            }
        }
    }
}

pub(crate) fn import_problem(e: &JahisError) -> ImportProblem {
    use JahisError::*;
    match e {
        PrescriptionSymbol => ImportProblem::PrescriptionSymbol,
        Empty | NotJahisTc | InvalidHeader { .. } => ImportProblem::NotMedicationData,
        OtherGroup | SplitHeaderMismatch => ImportProblem::OtherReceipt,
        PositionOutOfRange { .. }
        | ConflictingSymbol { .. }
        | ParityMismatch
        | InvalidSplitControl { .. }
        | SplitSeqOutOfRange { .. }
        | SplitTotalMismatch
        | ConflictingPart { .. } => ImportProblem::ScanAgain,
        _ => ImportProblem::UnreadableCode,
    }
}

/// A foreign callback that threw something other than an `ApiError` (P-F5): without this the
/// generated code would panic.
impl From<uniffi::UnexpectedUniFFICallbackError> for ApiError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // The foreign exception's text (a whole stack trace from Kotlin) is not ours to pass on.
        Self::KeyStore { reason: "the app's key store failed unexpectedly".into() }
    }
}

/// Core-side failures of a shell's key store arrive here as key-store errors for the core.
impl From<ApiError> for techo_core::KeyStoreError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::KeyStore { reason } => Self::Unavailable(reason),
            other => Self::Refused(other.to_string()),
        }
    }
}
