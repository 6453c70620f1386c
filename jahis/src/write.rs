//! [`Document`] → CP932 bytes with CRLF line ends, in the order §2.3 nests the records.
//!
//! Each record is written as it was read (or built), so a parsed document in canonical order
//! comes back byte for byte. The output is then read back with the same spec the parser uses,
//! and its issues for the target direction are returned with the bytes: exporting a history
//! that holds a pharmacy's incomplete record is allowed, and the caller sees what is wrong.

use crate::issue::{Issue, IssueCode};
use crate::model::*;
use crate::parse::parse_str;
use crate::record::Record;
use crate::text::encode_cp932;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub bytes: Vec<u8>,
    /// Issues of the output for its direction, and characters CP932 cannot hold (written `？`).
    pub issues: Vec<Issue>,
}

/// Writes `doc` with header `JAHISTC<doc.version>,<direction>`.
pub fn write(doc: &Document, direction: Direction) -> Written {
    let text = to_text(doc, direction);
    let mut issues = Vec::new();
    let mut bytes = Vec::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let (encoded, unmappable) = encode_cp932(line);
        bytes.extend_from_slice(&encoded);
        let record = Record::parse_line(line.trim_end_matches(['\r', '\n']));
        for offset in unmappable {
            let field = line[..offset].bytes().filter(|&b| b == b',').count();
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            issues.push(Issue::new(IssueCode::UnencodableCharacter, line_no, record.no(), Some(field as u16)));
        }
    }
    if let Ok(parsed) = parse_str(&text) {
        issues.extend(parsed.issues);
    }
    Issue::sort_by_line(&mut issues);
    Written { bytes, issues }
}

/// The text `write` encodes.
pub fn to_text(doc: &Document, direction: Direction) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str(&format!("JAHISTC{:02},{}\r\n", doc.version % 100, direction.code()));
    let mut put = |r: &Record| {
        out.push_str(r.as_line());
        out.push_str("\r\n");
    };
    if let Some(p) = &doc.patient {
        put(&p.record);
    }
    doc.patient_notes.iter().for_each(|n| put(&n.record));
    for otc in &doc.otc {
        put(&otc.record);
        otc.ingredients.iter().for_each(|i| put(&i.record));
    }
    doc.memos.iter().for_each(|m| put(&m.record));
    doc.unplaced.iter().for_each(&mut put);
    for d in &doc.dispensings {
        put(&d.date);
        if let Some(i) = &d.institution {
            put(&i.record);
        }
        if let Some(s) = &d.staff {
            put(&s.record);
        }
        if let Some(p) = &d.prescriber_institution {
            put(&p.record);
        }
        // RPs before the first 55, then each 55 followed by the RPs it owns.
        let doctors = std::iter::once(None).chain((0..d.doctors.len()).map(Some));
        for doctor in doctors {
            if let Some(i) = doctor {
                put(&d.doctors[i].record);
            }
            for rp in d.rps.iter().filter(|rp| rp.doctor.filter(|&i| i < d.doctors.len()) == doctor) {
                for drug in &rp.drugs {
                    put(&drug.record);
                    drug.attached.iter().for_each(&mut put);
                }
                if let Some(u) = &rp.usage {
                    put(&u.record);
                    u.attached.iter().for_each(&mut put);
                }
            }
        }
        for notes in [&d.cautions, &d.provided_info, &d.leftover_checks, &d.remarks, &d.patient_entries] {
            notes.iter().for_each(|n| put(&n.record));
        }
    }
    doc.pharmacists.iter().for_each(|p| put(&p.record));
    doc.unknown_records.iter().for_each(&mut put);
    doc.split_control.iter().for_each(&mut put);
    out
}
