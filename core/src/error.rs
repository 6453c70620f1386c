//! The core's one error type.
//!
//! Every message here may end up in a log line or on a support ticket, so no variant carries a
//! measured value, a name, a note or an HM code: fields are named, values never are.

use crate::domain::Field;
use std::fmt;
use techo_domain::DomainError;
pub use techo_domain::ValidationReason;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{field}: {reason}")]
    Validation { field: Field, reason: ValidationReason },

    /// A field of a document (命の宝箱), by its catalogue key; never the value.
    #[error("{key}: {reason}")]
    DocumentField { key: String, reason: ValidationReason },

    #[error("item {index} of the batch: {error}")]
    BatchItem { index: usize, error: Box<Error> },

    #[error("no {entity} with that id")]
    NotFound { entity: &'static str },

    #[error("{count} change(s) of this person are not sent yet; sync first, or confirm that they are discarded")]
    UnsentChanges { count: u64 },

    #[error("no profile with that HM code on this device (`profile list` shows them)")]
    NoProfileWithHmCode,

    #[error("that id prefix matches more than one {entity}; type more characters")]
    AmbiguousId { entity: &'static str },

    #[error("a profile with that HM code already exists on this device")]
    ProfileExists,

    #[error("no profile selected; add one with `profile add` or pick one with `profile use`")]
    NoActiveProfile,

    #[error("this reading was corrected later; act on the current version {current}")]
    Superseded { current: uuid::Uuid },

    #[error("this reading was deleted")]
    Deleted,

    #[error("a correction must keep the reading's type ({expected}), got {found}")]
    KindMismatch { expected: &'static str, found: &'static str },

    #[error("the database key is missing from the key store, but the database exists")]
    KeyUnavailable,

    #[error("the key store returned a different key than this database was created with")]
    KeyChanged,

    #[error("the database could not be decrypted: wrong key or damaged file")]
    WrongKeyOrCorrupt,

    #[error("key store error: {0}")]
    KeyStore(#[from] KeyStoreError),

    #[error(
        "the database was written by a newer version (schema {found}, this build knows up to {supported}); update the app"
    )]
    SchemaTooNew { found: i64, supported: i64 },

    #[error("database error: {0}")]
    Sqlite(#[from] SqliteError),

    #[error("file error: {0}")]
    Io(#[from] std::io::Error),

    #[error("stored data is damaged: {0}")]
    Corrupt(&'static str),

    #[error("cannot reach the server: {reason}")]
    Network { reason: String },

    #[error("sign-in failed: {reason}")]
    Auth { problem: AuthProblem, reason: String },

    #[error("a synced record is malformed: {what}")]
    InvalidPayload { what: &'static str },

    /// A photo the core cannot use.
    #[error("photo: {problem}")]
    Photo { problem: PhotoProblem },

    /// Medication data that cannot be read as a whole (not JAHIS TC, a QR code of another
    /// receipt, a failed parity check); problems inside a readable document are issues instead.
    #[error("medication data: {0}")]
    Medication(#[from] techo_jahis::JahisError),

    /// The app configured the core with something unusable.
    #[error("configuration: {what}")]
    InvalidConfig { what: &'static str },
}

/// Why the server refused a sign-in, activation or renewal: the apps word each differently
/// ("wait a minute", "check the code on the letter").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthProblem {
    /// Wrong HM code or password (the server does not say which).
    WrongCredentials,
    /// The one-time code is unknown, expired or already used.
    InvalidActivationCode,
    /// The new password does not meet the rules.
    WeakPassword,
    /// Too many attempts; the server accepts another after this wait, as a person is told it.
    TooManyAttempts { wait: crate::domain::shown::Wait },
    /// Any other refusal (the device was signed out elsewhere, an unknown answer).
    Refused,
}

impl Error {
    pub(crate) fn invalid(field: Field, reason: ValidationReason) -> Self {
        Self::Validation { field, reason }
    }
}

/// The shared rules refuse in the same two ways the core does.
impl From<DomainError> for Error {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Validation { field, reason } => Self::Validation { field, reason },
            DomainError::InvalidPayload { what } => Self::InvalidPayload { what },
            DomainError::DocumentField { key, reason } => Self::DocumentField { key, reason },
        }
    }
}

/// The photo pipeline's refusals, with the receipt scanner's own (no code found) beside them.
impl From<techo_photo::PhotoError> for Error {
    fn from(e: techo_photo::PhotoError) -> Self {
        use techo_photo::PhotoError as P;
        let problem = match e {
            P::UnsupportedFormat => PhotoProblem::UnsupportedFormat,
            P::TooLarge => PhotoProblem::TooLarge,
            P::Damaged => PhotoProblem::Damaged,
            P::InvalidSettings => return Self::InvalidConfig { what: "photo settings" },
        };
        Self::Photo { problem }
    }
}

/// Why a photo was refused; nothing was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoProblem {
    /// Neither JPEG nor PNG (the apps convert HEIC before handing a photo over).
    UnsupportedFormat,
    /// Over the size the core accepts.
    TooLarge,
    /// Truncated or corrupt.
    Damaged,
    /// No readable QR code in it.
    NoCodeFound,
}

impl fmt::Display for PhotoProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnsupportedFormat => "not a JPEG or PNG image",
            Self::TooLarge => "the image is too large",
            Self::Damaged => "the image file is damaged",
            Self::NoCodeFound => "no readable QR code in the image",
        })
    }
}

/// Failures reported by a [`crate::keys::KeyStore`] implementation.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    #[error("the key store is not reachable: {0}")]
    Unavailable(String),
    #[error("the key store refused the operation: {0}")]
    Refused(String),
}

/// A SQLite failure, reduced to what is safe to print: the SQLite result code and the engine's
/// own message (which names schema objects, never bound values).
#[derive(Debug)]
pub struct SqliteError {
    pub code: Option<rusqlite::ErrorCode>,
    message: String,
}

impl SqliteError {
    pub fn is_not_a_database(&self) -> bool {
        self.code == Some(rusqlite::ErrorCode::NotADatabase)
    }

    pub fn is_disk_full(&self) -> bool {
        self.code == Some(rusqlite::ErrorCode::DiskFull)
    }

    /// The file itself is damaged (as opposed to a failed statement).
    pub fn is_corrupt(&self) -> bool {
        matches!(self.code, Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase))
    }
}

impl fmt::Display for SqliteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SqliteError {}

impl From<rusqlite::Error> for SqliteError {
    fn from(e: rusqlite::Error) -> Self {
        let code = e.sqlite_error_code();
        let message = match &e {
            rusqlite::Error::SqliteFailure(err, Some(msg)) => format!("{msg} ({:?})", err.code),
            rusqlite::Error::SqliteFailure(err, None) => format!("{:?}", err.code),
            // Conversion errors can quote the offending value in their Display; keep the kind only.
            rusqlite::Error::FromSqlConversionFailure(idx, ty, _) => {
                format!("column {idx} of type {ty} could not be converted")
            }
            rusqlite::Error::IntegralValueOutOfRange(idx, _) => {
                format!("column {idx} is out of range")
            }
            rusqlite::Error::InvalidColumnType(idx, name, ty) => {
                format!("column {idx} ({name}) has unexpected type {ty}")
            }
            rusqlite::Error::QueryReturnedNoRows => "no rows".to_owned(),
            other => format!("{:?}", std::mem::discriminant(other)).replace("Discriminant", "sqlite"),
        };
        Self { code, message }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e.into())
    }
}
