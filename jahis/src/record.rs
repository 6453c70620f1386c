//! One line of JAHIS TC as written: the raw text and where its commas are.
//!
//! The model holds `Record`s rather than copies of their fields so that nothing is lost (extra
//! fields, leading zeros, the producer's own spelling) and writing a parsed document back gives
//! the same bytes.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A line of a document. Records read from one text share it (one allocation per document
/// instead of one per line: the parser's cost was mostly the allocator), and split their fields
/// on demand; lines are short and fields are read a few times at most.
#[derive(Clone)]
pub struct Record {
    no: Option<u16>,
    text: Arc<String>,
    start: u32,
    end: u32,
}

impl Record {
    /// Splits a line (without its terminator). Field 0 is the record number.
    pub fn parse_line(line: &str) -> Self {
        let text = Arc::new(line.to_owned());
        Self::shared(&text, 0, text.len())
    }

    /// The line `text[start..end]`. Offsets past `u32::MAX` (a 4 GiB text, which no QR code or
    /// notebook file is) give an empty record rather than a panic.
    pub(crate) fn shared(text: &Arc<String>, start: usize, end: usize) -> Self {
        let (Ok(s), Ok(e)) = (u32::try_from(start), u32::try_from(end)) else {
            return Self { no: None, text: Arc::default(), start: 0, end: 0 };
        };
        let line = text.get(start..end).unwrap_or("");
        Self { no: parse_record_no(line), text: Arc::clone(text), start: s, end: e }
    }

    /// A record built by the app: commas inside a value become `，` and line breaks spaces,
    /// as the spec asks producers to do, so the record reads back as the same fields.
    pub fn new(no: u16, fields: &[&str]) -> Self {
        let mut line = no.to_string();
        for field in fields {
            line.push(',');
            line.extend(field.chars().map(|c| match c {
                ',' => '，',
                '\r' | '\n' => ' ',
                c => c,
            }));
        }
        Self::parse_line(&line)
    }

    /// The record number, when the first field is one.
    pub fn no(&self) -> Option<u16> {
        self.no
    }

    /// Field `i` as the spec counts (1 = first after the record number); `""` when omitted.
    pub fn field(&self, i: usize) -> &str {
        split_fields(self.as_line()).nth(i).unwrap_or("")
    }

    /// Number of fields after the record number, as written (omitted trailing ones not counted).
    pub fn field_count(&self) -> usize {
        self.as_line().bytes().filter(|&b| b == b',').count()
    }

    /// The fields after the record number.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        split_fields(self.as_line()).skip(1)
    }

    /// The line as written, without terminator.
    pub fn as_line(&self) -> &str {
        self.text.get(self.start as usize..self.end as usize).unwrap_or("")
    }
}

impl PartialEq for Record {
    fn eq(&self, other: &Self) -> bool {
        self.as_line() == other.as_line()
    }
}

impl Eq for Record {}

impl Hash for Record {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_line().hash(state);
    }
}

/// Field values are patient data: a `{:?}` in a log must not carry them.
impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record").field("no", &self.no).field("fields", &self.field_count()).finish_non_exhaustive()
    }
}

/// The fields of a line. `str::split(',')` confirms each match with a `memcmp` call, which was
/// the parser's largest single cost; a byte search needs none (`,` never occurs inside a UTF-8
/// sequence, so every slice boundary is a character boundary).
pub(crate) fn split_fields(line: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let current = rest?;
        match find_byte(current.as_bytes(), b',') {
            Some(i) => {
                rest = current.get(i + 1..);
                current.get(..i)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// First `needle` in `hay`, eight bytes at a time (the zero-byte test on `word ^ needle`: the
/// lowest flagged byte is always a real match, borrows only reach higher ones).
pub(crate) fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO * u64::from(needle);
    let mut chunks = hay.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ pattern;
        let found = x.wrapping_sub(LO) & !x & HI;
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks.remainder().iter().position(|&b| b == needle).map(|i| offset + i)
}

/// The number before the line's first comma: one to five digits that fit a `u16`.
fn parse_record_no(line: &str) -> Option<u16> {
    let mut value: u32 = 0;
    let mut digits = 0;
    for b in line.bytes() {
        match b {
            b',' => break,
            b'0'..=b'9' if digits < 5 => {
                value = value * 10 + u32::from(b - b'0');
                digits += 1;
            }
            _ => return None,
        }
    }
    if digits == 0 { None } else { u16::try_from(value).ok() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_omitted_trailing_fields() {
        let r = Record::parse_line("301,1,【１日２回 朝夕食後】,28,日分,1,1,,1");
        assert_eq!(r.no(), Some(301));
        assert_eq!(r.field(0), "301");
        assert_eq!(r.field(2), "【１日２回 朝夕食後】");
        assert_eq!(r.field(7), "");
        assert_eq!(r.field(8), "1");
        assert_eq!(r.field(9), "");
        assert_eq!(r.field_count(), 8);
    }

    #[test]
    fn new_escapes_commas_and_breaks() {
        let r = Record::new(4, &["a,b\r\nc", "", "2"]);
        assert_eq!(r.as_line(), "4,a，b  c,,2");
        assert_eq!(r.field(1), "a，b  c");
    }

    #[test]
    fn find_byte_agrees_with_position() {
        let hay: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
        for start in 0..40 {
            for needle in [0u8, 1, b',', b'\n', 0x80, 0xFF, 0xFE] {
                let slice = &hay[start..];
                assert_eq!(find_byte(slice, needle), slice.iter().position(|&b| b == needle));
            }
        }
        assert_eq!(find_byte(b"\x01\x00,", b','), Some(2));
        assert_eq!(find_byte(b"\x00\x01\x00\x00\x00\x00\x00\x00\x01", 1), Some(1));
    }

    #[test]
    fn debug_hides_values() {
        let r = Record::new(1, &["広島 花子"]);
        assert!(!format!("{r:?}").contains("広島"));
    }

    #[test]
    fn non_numeric_record_numbers() {
        assert_eq!(Record::parse_line("x,1").no(), None);
        assert_eq!(Record::parse_line("999999,1").no(), None);
        assert_eq!(Record::parse_line("").no(), None);
    }
}
