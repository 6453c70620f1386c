//! Bytes → [`Document`] plus [`Issue`]s.
//!
//! Lenient by design (§2.5: the spec's own examples break its tables): a readable header is the
//! only hard requirement; everything else is kept and reported. Decisions:
//! - Issues inside a 調剤 block carry its index; [`Parsed::blocks_with_errors`] lists the blocks
//!   a caller must not import, [`Parsed::importable_dispensings`] the others. Whether a
//!   document-level error (a bad record 1) stops the whole import is the caller's choice.
//! - A 281/291 belongs to the last 201 when only 281/291s came between them.
//! - A record the nesting has no place for goes to `unplaced` with an error, never into a
//!   neighbouring block.

use crate::error::{JahisError, Result};
use crate::issue::{Issue, IssueCode, Level};
use crate::model::*;
use crate::record::{Record, find_byte};
use crate::spec::{Section, record_spec};
use crate::text::{decode_cp932_checked, is_eof_line};
use crate::validate::check_record;
use std::sync::Arc;

/// A parsed document and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub document: Document,
    pub issues: Vec<Issue>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.level == Level::Error)
    }

    /// Blocks (indexes into `document.dispensings`) with at least one error: never import them.
    pub fn blocks_with_errors(&self) -> Vec<u32> {
        let mut blocks: Vec<u32> =
            self.issues.iter().filter(|i| i.level == Level::Error).filter_map(|i| i.block).collect();
        blocks.sort_unstable();
        blocks.dedup();
        blocks
    }

    /// Errors that belong to no block (header extras, records 1–4, 701, unplaced records).
    pub fn document_errors(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.level == Level::Error && i.block.is_none())
    }

    /// The blocks without errors, with their indexes.
    pub fn importable_dispensings(&self) -> impl Iterator<Item = (usize, &Dispensing)> {
        let bad = self.blocks_with_errors();
        self.document.dispensings.iter().enumerate().filter(move |(i, _)| bad.binary_search(&(*i as u32)).is_err())
    }
}

/// Parses CP932 bytes (CRLF or LF, optional trailing 0x1A).
pub fn parse(bytes: &[u8]) -> Result<Parsed> {
    let (text, replaced) = decode_cp932_checked(bytes);
    parse_text(text, replaced)
}

/// Parses already decoded text (e.g. re-parsing stored text after a parser fix).
pub fn parse_str(text: &str) -> Result<Parsed> {
    parse_text(text.to_owned(), text.contains('\u{FFFD}'))
}

/// `has_replacement`: whether the text holds U+FFFD (a decoding error), so clean text skips the
/// per-line search.
fn parse_text(text: String, has_replacement: bool) -> Result<Parsed> {
    // Moved, not copied: the records share this one allocation.
    let shared = Arc::new(text);
    let mut lines = Lines { text: &shared, pos: 0 }.enumerate();
    let (header_index, (start, end)) = loop {
        match lines.next() {
            Some((_, (s, e))) if shared[s..e].trim().is_empty() => continue,
            Some(line) => break line,
            None => return Err(JahisError::Empty),
        }
    };
    let header = &shared[start..end];
    let mut issues = Vec::new();
    let (version, direction) = parse_header(header, line_no(header_index), &mut issues)?;
    let mut p = Parser { doc: Document::new(direction), issues, state: State::default(), has_replacement };
    p.doc.version = version;
    // The header's Record is not kept; the sharing text is.
    for (i, (start, end)) in lines {
        // An empty line, or an end-of-file byte alone on a line (files joined one after the
        // other keep theirs; stray `\r`s after it included), holds no record. Kept as one, a
        // writer would put it last, where the next read takes it for the end of the file
        // (`\x1a` found by fuzzing; `\x1a\r`, which `strip_eof` takes too, next to it).
        if start == end || is_eof_line(&shared.as_bytes()[start..end]) {
            continue;
        }
        p.line(Record::shared(&shared, start, end), line_no(i));
    }
    Ok(p.finish())
}

/// Byte ranges of the lines of `text`, without `\n` or a `\r` before it.
struct Lines<'a> {
    text: &'a str,
    pos: usize,
}

impl Iterator for Lines<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        if self.pos > self.text.len() {
            return None;
        }
        let start = self.pos;
        let rest = self.text.get(start..)?;
        let (end, next) = match find_byte(rest.as_bytes(), b'\n') {
            Some(i) => (start + i, start + i + 1),
            None => (self.text.len(), self.text.len() + 1),
        };
        self.pos = next;
        let end = if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\r') { end - 1 } else { end };
        Some((start, end))
    }
}

fn line_no(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// `JAHISTC<nn>,<1|2>`; `JAHIS<digit>` is the prescription symbol, refused by name.
pub fn parse_header(line: &str, line_no: u32, issues: &mut Vec<Issue>) -> Result<(u8, Direction)> {
    let line = line.strip_prefix('\u{FEFF}').unwrap_or(line);
    let Some(rest) = line.strip_prefix("JAHISTC") else {
        let after = line.strip_prefix("JAHIS").and_then(|r| r.bytes().next());
        return Err(match after {
            Some(b) if b.is_ascii_digit() => JahisError::PrescriptionSymbol,
            _ => JahisError::NotJahisTc,
        });
    };
    let mut fields = rest.split(',');
    let version = fields.next().unwrap_or("");
    if version.len() != 2 || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(JahisError::InvalidHeader { what: "the version is not two digits" });
    }
    let direction = match fields.next() {
        Some("1") => Direction::PharmacyToPatient,
        Some("2") => Direction::PatientToPharmacy,
        Some(_) => return Err(JahisError::InvalidHeader { what: "the output direction is not 1 or 2" }),
        None => return Err(JahisError::InvalidHeader { what: "the output direction is missing" }),
    };
    if fields.next().is_some() {
        issues.push(Issue::new(IssueCode::ExtraFields, line_no, None, Some(2)));
    }
    Ok((version.parse().unwrap_or(0), direction))
}

#[derive(Default)]
struct State {
    /// Index of the block being read.
    block: Option<usize>,
    /// The 55 later RPs belong to.
    doctor: Option<usize>,
    /// (rp index, drug index) of the last 201 while only 281/291s followed it.
    last_drug: Option<(usize, usize)>,
    /// Line of each block's 5 and of each RP's first record, for issues raised at the end.
    block_lines: Vec<u32>,
    rp_lines: Vec<Vec<u32>>,
    /// 31s wait for every 3 to be read, with their lines.
    ingredients: Vec<(Record, u32)>,
}

struct Parser {
    doc: Document,
    issues: Vec<Issue>,
    state: State,
    /// Whether decoding replaced anything: most texts are clean and skip the per-line search.
    has_replacement: bool,
}

impl Parser {
    fn issue(&mut self, code: IssueCode, line: u32, no: u16, field: Option<u16>, block: Option<usize>) {
        let mut issue = Issue::new(code, line, Some(no), field);
        issue.block = block.map(|b| b as u32);
        self.issues.push(issue);
    }

    fn line(&mut self, rec: Record, line: u32) {
        let Some(spec) = rec.no().and_then(record_spec) else {
            let mut issue = Issue::new(IssueCode::UnknownRecord, line, rec.no(), None);
            issue.block = self.state.block.map(|b| b as u32);
            self.issues.push(issue);
            self.doc.unknown_records.push(rec);
            return;
        };
        let no = spec.no;
        if no == 5 {
            self.doc.dispensings.push(Dispensing::new(rec.clone()));
            self.state.block = Some(self.doc.dispensings.len() - 1);
            self.state.block_lines.push(line);
            self.state.rp_lines.push(Vec::new());
            self.state.doctor = None;
        }
        // Records outside the blocks are attributed to none, even when they sit between blocks.
        let block = if spec.section == Section::Dispensing { self.state.block } else { None };
        let first = self.issues.len();
        check_record(&rec, spec, self.doc.direction, line, &mut self.issues);
        if self.has_replacement && rec.as_line().contains('\u{FFFD}') {
            self.issues.push(Issue::new(IssueCode::InvalidEncoding, line, Some(no), None));
        }
        for issue in &mut self.issues[first..] {
            issue.block = block.map(|b| b as u32);
        }
        if !matches!(no, 281 | 291) {
            self.state.last_drug = None;
        }
        match spec.section {
            Section::Patient => self.patient_record(rec, line),
            Section::Pharmacist => self.doc.pharmacists.push(Pharmacist { record: rec }),
            Section::Split => {
                let total: Option<u16> = rec.field(2).parse().ok();
                let seq: Option<u16> = rec.field(3).parse().ok();
                if let (Some(total), Some(seq)) = (total, seq)
                    && (seq == 0 || seq > total)
                {
                    self.issue(IssueCode::SplitControl, line, no, Some(3), None);
                }
                self.doc.split_control.push(rec);
            }
            Section::Dispensing => match block {
                None => {
                    self.issue(IssueCode::RecordBeforeDispensingDate, line, no, None, None);
                    self.doc.unplaced.push(rec);
                }
                Some(b) => self.block_record(b, rec, line),
            },
        }
    }

    fn patient_record(&mut self, rec: Record, line: u32) {
        let no = rec.no().unwrap_or(0);
        if self.state.block.is_some() {
            self.issue(IssueCode::RecordOutOfOrder, line, no, None, None);
        }
        match no {
            1 if self.doc.patient.is_none() => self.doc.patient = Some(Patient { record: rec }),
            1 => {
                self.issue(IssueCode::DuplicateRecord, line, no, None, None);
                self.doc.unplaced.push(rec);
            }
            2 => self.doc.patient_notes.push(PatientNote { record: rec }),
            3 => self.doc.otc.push(Otc { record: rec, ingredients: Vec::new() }),
            31 => self.state.ingredients.push((rec, line)),
            _ => self.doc.memos.push(Memo { record: rec }),
        }
    }

    fn block_record(&mut self, b: usize, rec: Record, line: u32) {
        let no = rec.no().unwrap_or(0);
        let doctor = self.state.doctor;
        let Some(d) = self.doc.dispensings.get_mut(b) else { return };
        let duplicate = match no {
            5 => return, // the block was opened with it
            11 => set_once(&mut d.institution, Institution { record: rec }).map(|i| i.record),
            15 => set_once(&mut d.staff, Person { record: rec }).map(|p| p.record),
            51 => set_once(&mut d.prescriber_institution, Institution { record: rec }).map(|i| i.record),
            55 => {
                d.doctors.push(Person { record: rec });
                self.state.doctor = Some(d.doctors.len() - 1);
                None
            }
            401 => push(&mut d.cautions, rec),
            411 => push(&mut d.provided_info, rec),
            421 => push(&mut d.leftover_checks, rec),
            501 => push(&mut d.remarks, rec),
            601 => push(&mut d.patient_entries, rec),
            _ => return self.rp_record(b, rec, line, doctor),
        };
        if let Some(rec) = duplicate {
            self.issue(IssueCode::DuplicateRecord, line, no, None, Some(b));
            self.doc.unplaced.push(rec);
        }
    }

    /// 201, 281, 291, 301, 311, 391.
    fn rp_record(&mut self, b: usize, rec: Record, line: u32, doctor: Option<usize>) {
        let no = rec.no().unwrap_or(0);
        let rp_field = rec.field(1);
        let number: Option<u16> = rp_field.parse().ok();
        if matches!(no, 281 | 291) {
            return self.drug_supplement(b, rec, line, number);
        }
        let Some(number) = number else {
            // Empty and non-numeric RP numbers already have an issue; an overlong one not yet.
            if !rp_field.is_empty() && rp_field.bytes().all(|c| c.is_ascii_digit()) {
                self.issue(IssueCode::NotNumeric, line, no, Some(1), Some(b));
            }
            self.doc.unplaced.push(rec);
            return;
        };
        let (Some(d), Some(rp_lines)) = (self.doc.dispensings.get_mut(b), self.state.rp_lines.get_mut(b)) else {
            return;
        };
        let existing = d.rps.iter().rposition(|r| r.number == number);
        match no {
            201 => {
                let rp = existing.unwrap_or_else(|| {
                    d.rps.push(Rp { number, doctor, drugs: Vec::new(), usage: None });
                    rp_lines.push(line);
                    d.rps.len() - 1
                });
                let drugs = &mut d.rps[rp].drugs;
                drugs.push(Drug::new(rec));
                self.state.last_drug = Some((rp, drugs.len() - 1));
            }
            301 => {
                let rp = match existing {
                    Some(rp) => rp,
                    None => {
                        d.rps.push(Rp { number, doctor, drugs: Vec::new(), usage: None });
                        rp_lines.push(line);
                        self.issue(IssueCode::UsageWithoutDrug, line, no, Some(1), Some(b));
                        self.doc.dispensings[b].rps.len() - 1
                    }
                };
                let usage = &mut self.doc.dispensings[b].rps[rp].usage;
                if usage.is_some() {
                    self.issue(IssueCode::DuplicateRecord, line, no, None, Some(b));
                    self.doc.unplaced.push(rec);
                } else {
                    *usage = Some(Usage::new(rec));
                }
            }
            _ => match existing.and_then(|rp| d.rps[rp].usage.as_mut()) {
                Some(usage) => usage.attached.push(rec),
                None => {
                    self.issue(IssueCode::UsageSupplementWithoutUsage, line, no, Some(1), Some(b));
                    self.doc.unplaced.push(rec);
                }
            },
        }
    }

    fn drug_supplement(&mut self, b: usize, rec: Record, line: u32, number: Option<u16>) {
        let no = rec.no().unwrap_or(0);
        let drug = self.state.last_drug.and_then(|(rp, drug)| {
            let rp = self.doc.dispensings.get_mut(b)?.rps.get_mut(rp)?;
            Some((rp.number, rp.drugs.get_mut(drug)?))
        });
        let Some((rp_number, drug)) = drug else {
            self.issue(IssueCode::SupplementWithoutDrug, line, no, None, Some(b));
            self.doc.unplaced.push(rec);
            return;
        };
        drug.attached.push(rec);
        if number.is_some_and(|n| n != rp_number) {
            self.issue(IssueCode::RpNumberMismatch, line, no, Some(1), Some(b));
        }
    }

    fn finish(mut self) -> Parsed {
        for (rec, line) in std::mem::take(&mut self.state.ingredients) {
            let serial = trim_zeros(rec.field(1));
            match self.doc.otc.iter_mut().find(|o| !serial.is_empty() && trim_zeros(o.serial()) == serial) {
                Some(otc) => otc.ingredients.push(OtcIngredient { record: rec }),
                None => {
                    self.issue(IssueCode::OtcIngredientWithoutOtc, line, 31, Some(1), None);
                    self.doc.unplaced.push(rec);
                }
            }
        }
        let mut late = Vec::new();
        for (b, d) in self.doc.dispensings.iter().enumerate() {
            let start = self.state.block_lines.get(b).copied().unwrap_or(0);
            if d.institution.is_none() {
                late.push((IssueCode::MissingInstitution, start, 5, b));
            }
            for (r, rp) in d.rps.iter().enumerate() {
                if rp.usage.is_none() {
                    let line = self.state.rp_lines.get(b).and_then(|l| l.get(r)).copied().unwrap_or(start);
                    late.push((IssueCode::RpWithoutUsage, line, 201, b));
                }
            }
        }
        for (code, line, no, b) in late {
            self.issue(code, line, no, None, Some(b));
        }
        Issue::sort_by_line(&mut self.issues);
        Parsed { document: self.doc, issues: self.issues }
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T) -> Option<T> {
    if slot.is_some() {
        return Some(value);
    }
    *slot = Some(value);
    None
}

fn push(notes: &mut Vec<Note>, record: Record) -> Option<Record> {
    notes.push(Note { record });
    None
}

fn trim_zeros(s: &str) -> &str {
    let t = s.trim_start_matches('0');
    if t.is_empty() && !s.is_empty() { "0" } else { t }
}
