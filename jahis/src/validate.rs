//! Checks one record against its spec for an output direction.

use crate::date::CalendarDate;
use crate::issue::{Issue, IssueCode};
use crate::model::Direction;
use crate::record::Record;
use crate::spec::{Codes, FieldType, RecordSpec, Required};
use crate::text::sjis_len;

pub(crate) fn check_record(rec: &Record, spec: &RecordSpec, direction: Direction, line: u32, out: &mut Vec<Issue>) {
    let no = Some(spec.no);
    for (i, fs) in spec.fields.iter().enumerate() {
        let pos = i + 1;
        let value = rec.field(pos);
        let at = Some(pos as u16);
        if value.is_empty() {
            let missing = match fs.required {
                Required::Always => Some(IssueCode::RequiredFieldMissing),
                Required::Direction1 if direction == Direction::PharmacyToPatient => {
                    Some(IssueCode::RequiredFieldMissing)
                }
                Required::UnlessOther { field, value } => {
                    let other = rec.field(field as usize);
                    (!other.is_empty() && other != value).then_some(IssueCode::ConditionalFieldMissing)
                }
                _ => None,
            };
            if let Some(code) = missing {
                out.push(Issue::new(code, line, no, at));
            }
            continue;
        }
        if sjis_len(value) > fs.max_bytes as usize {
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
            Codes::List(list) => list.contains(&value),
            Codes::Prefecture => value.len() == 2 && value.parse::<u8>().is_ok_and(|p| (1..=47).contains(&p)),
        };
        if !code_ok {
            out.push(Issue::new(IssueCode::UnknownCode, line, no, at));
        }
    }
    if rec.field_count() > spec.fields.len() {
        out.push(Issue::new(IssueCode::ExtraFields, line, no, Some(spec.fields.len() as u16 + 1)));
    }
}
