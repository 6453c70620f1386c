//! Multi-part input → complete documents, as bytes (§2.6).
//!
//! The app holds one [`Assembler`] while the user scans. Three shapes arrive:
//! - QR Structured Append: a byte stream cut anywhere (even inside a CP932 character), each
//!   symbol carrying position, total and parity. Assembled in position order and checked
//!   against the parity; nothing is decoded here, so no character is ever cut.
//! - The 911 split: parts cut at record boundaries, each with the header and a last line
//!   `911,<data id>,<total>,<seq>`. Merged into one header and the bodies in `seq` order.
//! - Independent complete payloads: passed through.
//!
//! A group is either complete and checked, or it produces nothing: never a partial document.

use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::error::{JahisError, Result};
use crate::qr::{StructuredAppend, parse_codewords};
use crate::text::strip_eof;

/// What one scan did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// Already read; nothing changed.
    Duplicate,
    /// Kept; its group still misses parts.
    Pending,
    /// A document is ready in [`Assembler::take_documents`].
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupKind {
    StructuredAppend,
    Split,
}

/// "n of N" of one group being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupProgress {
    pub kind: GroupKind,
    pub have: u16,
    pub total: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Progress {
    /// Complete documents not yet taken.
    pub documents_ready: usize,
    pub pending: Vec<GroupProgress>,
}

#[derive(Default)]
pub struct Assembler {
    symbols: Option<SymbolGroup>,
    splits: BTreeMap<Vec<u8>, SplitGroup>,
    ready: Vec<Vec<u8>>,
    /// Hashes of what completed, so a re-scan of a finished symbol or part is a duplicate.
    seen: HashSet<u64>,
}

struct SymbolGroup {
    total: u8,
    parity: u8,
    parts: Vec<Option<Vec<u8>>>,
}

struct SplitGroup {
    total: u16,
    /// The header line without its terminator, which every part must repeat.
    header: Vec<u8>,
    /// seq → the part's payload as read.
    parts: BTreeMap<u16, Vec<u8>>,
}

impl Assembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// A symbol's data codewords (iOS `errorCorrectedPayload`) and its version.
    pub fn push_codewords(&mut self, codewords: &[u8], version: u8) -> Result<Added> {
        let payload = parse_codewords(codewords, version)?;
        self.push_symbol(payload.structured_append, &payload.data)
    }

    /// A symbol's raw data bytes and, when the scanner reports one, its Structured Append header.
    /// Without one the bytes are a whole payload (a complete document or a 911 part).
    pub fn push_symbol(&mut self, sa: Option<StructuredAppend>, data: &[u8]) -> Result<Added> {
        let Some(sa) = sa else { return self.push_payload(data) };
        if sa.total == 0 || sa.position >= sa.total {
            return Err(JahisError::PositionOutOfRange { position: sa.position, total: sa.total });
        }
        let key = fingerprint(&(b"sa", sa, data));
        // Only symbols of groups already completed are remembered here.
        if self.seen.contains(&key) {
            return Ok(Added::Duplicate);
        }
        let group = self.symbols.get_or_insert_with(|| SymbolGroup {
            total: sa.total,
            parity: sa.parity,
            parts: vec![None; usize::from(sa.total)],
        });
        if group.total != sa.total || group.parity != sa.parity {
            return Err(JahisError::OtherGroup);
        }
        let Some(slot) = group.parts.get_mut(usize::from(sa.position)) else {
            return Err(JahisError::PositionOutOfRange { position: sa.position, total: sa.total });
        };
        match slot {
            Some(existing) if existing == data => return Ok(Added::Duplicate),
            Some(_) => return Err(JahisError::ConflictingSymbol { position: sa.position }),
            None => *slot = Some(data.to_vec()),
        }
        if group.parts.iter().any(Option::is_none) {
            return Ok(Added::Pending);
        }
        // Complete: from here on the group is either a checked document or an error, and the
        // next symbol starts a new group either way.
        let Some(group) = self.symbols.take() else { return Ok(Added::Pending) };
        let parts: Vec<Vec<u8>> = group.parts.into_iter().flatten().collect();
        let bytes = parts.concat();
        if bytes.iter().fold(0u8, |acc, b| acc ^ b) != group.parity {
            return Err(JahisError::ParityMismatch);
        }
        for (position, part) in parts.iter().enumerate() {
            let header = StructuredAppend { position: position as u8, ..sa };
            self.seen.insert(fingerprint(&(b"sa", header, part.as_slice())));
        }
        self.push_payload(&bytes)
    }

    /// A complete payload: a file, a symbol without Structured Append, or an assembled group.
    pub fn push_payload(&mut self, bytes: &[u8]) -> Result<Added> {
        let bytes = strip_eof(bytes);
        let key = fingerprint(&(b"doc", bytes));
        if self.seen.contains(&key) {
            return Ok(Added::Duplicate);
        }
        let added = match split_control(bytes)? {
            None => {
                self.ready.push(bytes.to_vec());
                Added::Completed
            }
            Some(part) => self.push_part(bytes, part)?,
        };
        if added != Added::Duplicate {
            self.seen.insert(key);
        }
        Ok(added)
    }

    fn push_part(&mut self, bytes: &[u8], part: Part<'_>) -> Result<Added> {
        let header = first_line(bytes).to_vec();
        let group = self.splits.entry(part.id.to_vec()).or_insert_with(|| SplitGroup {
            total: part.total,
            header: header.clone(),
            parts: BTreeMap::new(),
        });
        if group.total != part.total {
            return Err(JahisError::SplitTotalMismatch);
        }
        if group.header != header {
            return Err(JahisError::SplitHeaderMismatch);
        }
        match group.parts.get(&part.seq) {
            Some(existing) if existing == bytes => return Ok(Added::Duplicate),
            Some(_) => return Err(JahisError::ConflictingPart { seq: part.seq }),
            None => {
                group.parts.insert(part.seq, bytes.to_vec());
            }
        }
        if group.parts.len() < usize::from(group.total) {
            return Ok(Added::Pending);
        }
        let Some(group) = self.splits.remove(part.id) else { return Ok(Added::Pending) };
        let mut merged = Vec::new();
        for (seq, part) in &group.parts {
            let header_end = line_end(part, 0);
            if *seq == 1 {
                merged.extend_from_slice(&part[..header_end]);
            }
            // A part that is only its 911 line has no body.
            merged.extend_from_slice(part.get(header_end..control_line_start(part)).unwrap_or_default());
        }
        self.ready.push(merged);
        Ok(Added::Completed)
    }

    pub fn progress(&self) -> Progress {
        let mut pending = Vec::new();
        if let Some(g) = &self.symbols {
            let have = g.parts.iter().filter(|p| p.is_some()).count() as u16;
            pending.push(GroupProgress { kind: GroupKind::StructuredAppend, have, total: u16::from(g.total) });
        }
        for g in self.splits.values() {
            pending.push(GroupProgress { kind: GroupKind::Split, have: g.parts.len() as u16, total: g.total });
        }
        Progress { documents_ready: self.ready.len(), pending }
    }

    /// True when no group is waiting for parts.
    pub fn is_idle(&self) -> bool {
        self.symbols.is_none() && self.splits.is_empty()
    }

    /// The complete documents' bytes, in completion order, ready for [`crate::parse`].
    pub fn take_documents(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.ready)
    }

    /// Forgets the groups being read (the user starts over); ready documents stay.
    pub fn reset_pending(&mut self) {
        self.symbols = None;
        self.splits.clear();
    }
}

fn fingerprint<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

struct Part<'a> {
    id: &'a [u8],
    total: u16,
    seq: u16,
}

/// The last non-empty line's 911 control, if it is one. CP932 trail bytes are ≥ 0x40, so a
/// `\n` or a `911,` found in raw bytes is never part of a double-byte character.
fn split_control(bytes: &[u8]) -> Result<Option<Part<'_>>> {
    let start = control_line_start(bytes);
    let line = trim_line(&bytes[start..]);
    let Some(rest) = line.strip_prefix(b"911,") else { return Ok(None) };
    let mut fields = rest.split(|&b| b == b',');
    let invalid = |what| JahisError::InvalidSplitControl { what };
    let id = fields.next().unwrap_or_default();
    if id.is_empty() || id.len() > 14 || !id.iter().all(u8::is_ascii_digit) {
        return Err(invalid("the data id is not up to 14 digits"));
    }
    let number = |f: Option<&[u8]>| -> Option<u16> {
        let f = f?;
        if f.is_empty() || f.len() > 3 || !f.iter().all(u8::is_ascii_digit) {
            return None;
        }
        f.iter().try_fold(0u16, |acc, d| Some(acc * 10 + u16::from(d - b'0')))
    };
    let total = number(fields.next()).ok_or(invalid("the part count is not 1 to 3 digits"))?;
    let seq = number(fields.next()).ok_or(invalid("the part number is not 1 to 3 digits"))?;
    if total == 0 {
        return Err(invalid("the part count is zero"));
    }
    if seq == 0 || seq > total {
        return Err(JahisError::SplitSeqOutOfRange { seq, total });
    }
    Ok(Some(Part { id, total, seq }))
}

/// Where the last non-empty line begins.
fn control_line_start(bytes: &[u8]) -> usize {
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    bytes[..end].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

/// End of the line starting at `from`, terminator included.
fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| from + i + 1)
}

fn first_line(bytes: &[u8]) -> &[u8] {
    trim_line(&bytes[..line_end(bytes, 0)])
}

fn trim_line(mut line: &[u8]) -> &[u8] {
    while let [rest @ .., b'\r' | b'\n'] = line {
        line = rest;
    }
    line
}
