//! Checks one record against its spec for an output direction.

use crate::date::CalendarDate;
use crate::issue::{Issue, IssueCode};
use crate::model::Direction;
use crate::record::{Record, split_fields};
use crate::spec::{Codes, FieldType, RecordSpec, Required};
use crate::text::sjis_len;

pub(crate) fn check_record(rec: &Record, spec: &RecordSpec, direction: Direction, line: u32, out: &mut Vec<Issue>) {
    let no = Some(spec.no);
    let mut values = split_fields(rec.as_line());
    values.next();
    // Earlier values, for the conditions that look back (no spec record has more than 10 fields).
    let mut seen = [""; 16];
    for (i, fs) in spec.fields.iter().enumerate() {
        let pos = i + 1;
        let value = values.next().unwrap_or("");
        if let Some(slot) = seen.get_mut(pos) {
            *slot = value;
        }
        let at = Some(pos as u16);
        if value.is_empty() {
            let missing = match fs.required {
                Required::Always => Some(IssueCode::RequiredFieldMissing),
                Required::Direction1 if direction == Direction::PharmacyToPatient => {
                    Some(IssueCode::RequiredFieldMissing)
                }
                Required::UnlessOther { field, value } => {
                    let other = seen.get(field as usize).copied().unwrap_or("");
                    (!other.is_empty() && other != value).then_some(IssueCode::ConditionalFieldMissing)
                }
                _ => None,
            };
            if let Some(code) = missing {
                out.push(Issue::new(code, line, no, at));
            }
            continue;
        }
        // CP932 never takes more bytes than UTF-8 for a character it holds, so most fields
        // need no count at all.
        if value.len() > fs.max_bytes as usize && sjis_len(value) > fs.max_bytes as usize {
            out.push(Issue::new(IssueCode::FieldTooLong, line, no, at));
        }
        if fs.date {
            if CalendarDate::parse_jahis(value).is_none() {
                out.push(Issue::new(IssueCode::InvalidDate, line, no, at));
            }
            continue;
        }
        let type_ok = match fs.ty {
            FieldType::Numeric => value.bytes().all(|b| b.is_ascii_digit()),
            FieldType::Alphanumeric => value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'),
            FieldType::Text => true,
        };
        if !type_ok {
            let code = if fs.ty == FieldType::Numeric { IssueCode::NotNumeric } else { IssueCode::NotAlphanumeric };
            out.push(Issue::new(code, line, no, at));
            continue;
        }
        let code_ok = match fs.codes {
            Codes::Any => true,
            Codes::List(list) => list.iter().any(|code| same_short(code, value)),
            Codes::Prefecture => value.len() == 2 && value.parse::<u8>().is_ok_and(|p| (1..=47).contains(&p)),
        };
        if !code_ok {
            out.push(Issue::new(IssueCode::UnknownCode, line, no, at));
        }
    }
    if values.next().is_some() {
        out.push(Issue::new(IssueCode::ExtraFields, line, no, Some(spec.fields.len() as u16 + 1)));
    }
}

/// Equality for codes of one or two bytes, where a call to `memcmp` costs more than the work.
fn same_short(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}
