//! One line of JAHIS TC as written: the raw text and where its commas are.
//!
//! The model holds `Record`s rather than copies of their fields so that nothing is lost (extra
//! fields, leading zeros, the producer's own spelling) and writing a parsed document back gives
//! the same bytes.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Record {
    no: Option<u16>,
    line: String,
    /// Byte offset of every `,` in `line`.
    commas: Vec<u32>,
}

impl Record {
    /// Splits a line (without its terminator). Field 0 is the record number.
    pub fn parse_line(line: &str) -> Self {
        let line = line.to_owned();
        let commas: Vec<u32> = memchr_commas(&line);
        let first = &line[..commas.first().map_or(line.len(), |&c| c as usize)];
        Self { no: parse_record_no(first), line, commas }
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
        let start = match i {
            0 => 0,
            _ => match self.commas.get(i - 1) {
                Some(&c) => c as usize + 1,
                None => return "",
            },
        };
        let end = self.commas.get(i).map_or(self.line.len(), |&c| c as usize);
        &self.line[start..end]
    }

    /// Number of fields after the record number, as written (omitted trailing ones not counted).
    pub fn field_count(&self) -> usize {
        self.commas.len()
    }

    /// The fields after the record number.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        (1..=self.field_count()).map(|i| self.field(i))
    }

    /// The line as written, without terminator.
    pub fn as_line(&self) -> &str {
        &self.line
    }
}

/// Field values are patient data: a `{:?}` in a log must not carry them.
impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record").field("no", &self.no).field("fields", &self.field_count()).finish_non_exhaustive()
    }
}

fn memchr_commas(line: &str) -> Vec<u32> {
    // Lines are short; a plain scan is as fast as anything and never splits a character
    // because `,` cannot occur inside a UTF-8 sequence.
    let mut out = Vec::with_capacity(12);
    for (i, &b) in line.as_bytes().iter().enumerate() {
        if b == b',' {
            // A line over 4 GiB cannot come from a QR code or a notebook file; saturate.
            out.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
    }
    out
}

fn parse_record_no(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
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
