//! The crate's one error type: why input was refused as a whole.
//!
//! Problems inside a readable document are not errors but [`crate::Issue`]s. Messages name the
//! kind of problem and positions, never a value: they reach logs and support tickets, and the
//! values are patient data.

pub type Result<T, E = JahisError> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JahisError {
    // --- the first line
    #[error("the data is empty")]
    Empty,
    /// `JAHIS<digit>…`: a 院外処方箋 2次元シンボル, a different format with the same prefix.
    #[error("not medication-notebook data (JAHIS prescription symbol)")]
    PrescriptionSymbol,
    #[error("not medication-notebook data (no JAHISTC header)")]
    NotJahisTc,
    #[error("the JAHISTC header is malformed: {what}")]
    InvalidHeader { what: &'static str },

    // --- multi-part assembly
    /// A Structured Append symbol whose total or parity differs from the group being read.
    #[error("the QR code belongs to another receipt")]
    OtherGroup,
    #[error("the QR code's position {position} is not below its total {total}")]
    PositionOutOfRange { position: u8, total: u8 },
    /// Same group and position as a symbol already read, different content.
    #[error("a different QR code was already read for position {position}")]
    ConflictingSymbol { position: u8 },
    /// All symbols are present but the XOR of their bytes is not the announced parity.
    #[error("the QR codes' parity check failed; scan them again")]
    ParityMismatch,
    #[error("split control record (911) is malformed: {what}")]
    InvalidSplitControl { what: &'static str },
    #[error("split part {seq} is beyond the announced {total} parts")]
    SplitSeqOutOfRange { seq: u16, total: u16 },
    #[error("split parts of one data id announce different totals")]
    SplitTotalMismatch,
    #[error("a different split part {seq} was already read")]
    ConflictingPart { seq: u16 },
    #[error("split parts of one data id carry different headers")]
    SplitHeaderMismatch,

    // --- QR bit streams
    #[error("QR symbol version {version} is not between 1 and 40")]
    QrVersion { version: u8 },
    #[error("the QR bit stream ends inside a {mode} segment")]
    QrTruncated { mode: &'static str },
    #[error("the QR bit stream uses mode {mode:#06b}, which is not supported")]
    QrUnsupportedMode { mode: u8 },
    #[error("the QR bit stream holds an invalid {mode} value")]
    QrInvalidValue { mode: &'static str },
    #[error("the QR bit stream holds more than one Structured Append header")]
    QrDuplicateStructuredAppend,

    // --- QR module grids
    /// Not 21, 25, … 177 modules per side (4 × version + 17).
    #[error("a QR grid of {size} modules per side is not a version 1 to 40 symbol")]
    QrGridSize { size: usize },
    /// Neither copy of the format information is within 3 bits of a valid codeword.
    #[error("the QR symbol's format information is unreadable")]
    QrFormat,
    /// The version information names another version than the grid's size gives.
    #[error("the QR grid's size gives version {from_size} but its version information reads {read}")]
    QrVersionInformation { from_size: u8, read: u8 },
    /// A Reed–Solomon block with more errors than its error correction codewords can restore.
    #[error("QR block {block} has too many errors to correct; scan it again")]
    QrUncorrectable { block: usize },
}
