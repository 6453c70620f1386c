//! The JAHIS 電子版お薬手帳 data format ("JAHIS TC", domain.md §2): read, validate, write, and
//! assemble from multi-part QR codes. No I/O: bytes in, bytes and a model out.
//!
//! ```text
//! QR modules ──qr_grid::decode_grid──▶ data codewords (photos; iOS hands these over itself)
//! QR codewords ──qr::parse_codewords──▶ SA header + bytes ──Assembler──▶ complete bytes
//! complete bytes ──parse──▶ Parsed { Document, Vec<Issue> } ──write──▶ CP932 bytes
//! ```

mod assemble;
mod date;
mod error;
mod issue;
mod model;
mod parse;
mod qr;
mod qr_grid;
mod record;
pub mod spec;
mod text;
mod validate;
mod write;

pub use assemble::{Added, Assembler, GroupKind, GroupProgress, Progress};
pub use date::CalendarDate;
pub use error::{JahisError, Result};
pub use issue::{Issue, IssueCode, Level};
pub use model::*;
pub use parse::{Parsed, parse, parse_str};
pub use qr::{QrPayload, StructuredAppend, parse_codewords};
pub use qr_grid::{DecodedSymbol, ModuleGrid, ModuleMatrix, QrEcLevel, decode_grid, decode_grid_payload};
pub use record::Record;
pub use text::{decode_cp932, encode_cp932, sjis_len};
pub use write::{Written, to_text, write};
