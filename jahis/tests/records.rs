//! One test per record type: where it lands in the model, what its typed readings give, and
//! that every required field of its spec, left empty, is reported at that field.

mod common;

use common::{vector, vector_text};
use techo_jahis::spec::{Required, record_spec};
use techo_jahis::*;

fn source(no: u16) -> &'static str {
    match no {
        51 => "v1.txt",
        911 => "v3_part_a.txt",
        _ => "every_record.txt",
    }
}

/// Parses the record's source vector, checks the record itself has no issue, then empties each
/// required field of its first occurrence in turn and expects the issue at that field.
fn check(no: u16, placed: impl Fn(&Document)) {
    let text = vector_text(source(no));
    let p = parse_str(&text).unwrap();
    assert!(p.issues.iter().all(|i| i.record_no != Some(no)), "{:?}", p.issues);
    placed(&p.document);

    let lines: Vec<&str> = text.lines().collect();
    let index = lines.iter().position(|l| l.starts_with(&format!("{no},"))).unwrap();
    let spec = record_spec(no).unwrap();
    for (i, field) in spec.fields.iter().enumerate() {
        let mut fields: Vec<&str> = lines[index].split(',').collect();
        if fields.len() <= i + 1 || fields[i + 1].is_empty() {
            continue;
        }
        let expected = match field.required {
            Required::Always | Required::Direction1 => IssueCode::RequiredFieldMissing,
            Required::UnlessOther { field: other, value } if fields[other as usize] != value => {
                IssueCode::ConditionalFieldMissing
            }
            _ => continue,
        };
        fields[i + 1] = "";
        let mut edited = lines.clone();
        let line = fields.join(",");
        edited[index] = &line;
        let p = parse_str(&edited.join("\n")).unwrap();
        let found =
            p.issues.iter().find(|x| x.code == expected && x.field == Some(i as u16 + 1)).unwrap_or_else(|| {
                panic!("record {no} field {}: {:?}", i + 1, p.issues);
            });
        assert_eq!((found.line, found.record_no, found.level), (index as u32 + 1, Some(no), Level::Error));
    }
}

fn block(doc: &Document) -> &Dispensing {
    &doc.dispensings[0]
}

macro_rules! record_tests {
    ($($name:ident: $no:literal => $placed:expr;)*) => {
        $(#[test] fn $name() { check($no, $placed); })*

        #[test]
        fn every_record_type_has_a_test() {
            let tested = [$($no),*];
            for spec in techo_jahis::spec::RECORDS {
                assert!(tested.contains(&spec.no), "record {} has no test", spec.no);
            }
        }
    };
}

record_tests! {
    record_1_patient: 1 => |d| {
        let p = d.patient.as_ref().unwrap();
        assert_eq!((p.name(), p.sex(), p.postal_code()), ("広島 花子", Some(Sex::Female), "730-0011"));
        assert_eq!(p.emergency_contact(), "090-0000-0000");
    };
    record_2_patient_note: 2 => |d| {
        assert_eq!(d.patient_notes[0].kind(), Some(NoteKind::SideEffect));
        assert_eq!(d.patient_notes[0].author(), Some(Author::MedicalProfessional));
    };
    record_3_otc: 3 => |d| {
        let otc = &d.otc[0];
        assert_eq!((otc.name(), otc.serial(), otc.jan()), ("ｶｾﾞｸﾞｽﾘA", "7", "4900000000001"));
        assert_eq!(otc.end_date(), CalendarDate::new(2025, 3, 5));
    };
    record_31_otc_ingredient: 31 => |d| {
        let i = &d.otc[0].ingredients[0];
        assert_eq!((i.name(), i.code_type(), i.code()), ("イブプロフェン", "2", "SDB0001"));
        assert_eq!(i.author(), Some(Author::Patient));
    };
    record_4_memo: 4 => |d| assert_eq!(d.memos[0].text(), "毎朝体重を測る");
    record_5_dispensing_date: 5 => |d| assert_eq!(block(d).dispensed_on(), CalendarDate::new(2025, 4, 14));
    record_11_institution: 11 => |d| {
        let i = block(d).institution.as_ref().unwrap();
        assert_eq!((i.score_table(), i.code(), i.address()), (Some(ScoreTable::Medical), "1234567", "広島県広島市中区白島北町１"));
        assert!(block(d).prescriber_institution.is_none());
    };
    record_15_staff: 15 => |d| {
        let s = block(d).staff.as_ref().unwrap();
        assert_eq!((s.name(), s.detail()), ("医師 三郎", "内科外来"));
    };
    record_51_prescribing_institution: 51 => |d| {
        let i = block(d).prescriber_institution.as_ref().unwrap();
        assert_eq!((i.name(), i.prefecture(), i.code()), ("テスト内科クリニック", "34", "7654321"));
    };
    record_55_doctor: 55 => |d| {
        assert_eq!(block(d).doctors[0].detail(), "内科");
        assert!(block(d).rps.iter().all(|rp| rp.doctor == Some(0)));
    };
    record_201_drug: 201 => |d| {
        let rp = &block(d).rps[0];
        let drug = &rp.drugs[0];
        assert_eq!((drug.code_type(), drug.code()), (Some(DrugCodeType::Yj), "3962002F1010"));
        assert_eq!((drug.generic_name(), drug.generic_code()), ("メトホルミン塩酸塩錠250mg", "ABC123"));
        assert_eq!(rp.dose_of(drug), Some(Dose { thousandths: 3000, meaning: DoseMeaning::Daily }));
        let ointment = &block(d).rps[1];
        assert_eq!(ointment.drugs[0].code_type(), Some(DrugCodeType::Hot));
        assert_eq!(ointment.dose_of(&ointment.drugs[0]), Some(Dose { thousandths: 50_000, meaning: DoseMeaning::Total }));
        assert_eq!(ointment.quantity(), Some(Quantity { amount: 1, unit: QuantityUnit::Once }));
    };
    record_281_drug_supplement: 281 => |d| {
        assert_eq!(block(d).rps[0].drugs[0].supplements().next().unwrap().field(2), "朝１錠、昼１錠、夕１錠");
    };
    record_291_drug_caution: 291 => |d| {
        assert_eq!(block(d).rps[0].drugs[0].cautions().next().unwrap().field(2), "造影剤検査の前は医師に伝える");
    };
    record_301_usage: 301 => |d| {
        let rp = &block(d).rps[0];
        let u = rp.usage.as_ref().unwrap();
        assert_eq!((u.usage_code_type(), u.usage_code()), ("2", "1013044400000000"));
        assert_eq!(rp.quantity(), Some(Quantity { amount: 14, unit: QuantityUnit::Days }));
    };
    record_311_usage_supplement: 311 => |d| {
        assert_eq!(block(d).rps[0].usage.as_ref().unwrap().supplements().next().unwrap().field(2), "食後30分以内");
    };
    record_391_usage_caution: 391 => |d| {
        assert_eq!(block(d).rps[0].usage.as_ref().unwrap().cautions().count(), 1);
    };
    record_401_caution: 401 => |d| assert_eq!(block(d).cautions[0].text(), "車の運転に注意");
    record_411_provided_info: 411 => |d| assert_eq!(block(d).provided_info[0].provided_info_kind(), "30");
    record_421_leftover_check: 421 => |d| assert_eq!(block(d).leftover_checks[0].text(), "残薬は７日分");
    record_501_remark: 501 => |d| assert_eq!(block(d).remarks[0].text(), "次回受診は５月");
    record_601_patient_entry: 601 => |d| {
        assert_eq!(block(d).patient_entries[0].entry_date(), CalendarDate::new(2025, 4, 20));
        assert_eq!(block(d).patient_entries[0].author(), None);
    };
    record_701_pharmacist: 701 => |d| {
        let p = &d.pharmacists[0];
        assert_eq!((p.pharmacy_name(), p.start_date_raw(), p.end_date_raw()), ("テスト薬局 本通店", "20240401", ""));
    };
    record_911_split_control: 911 => |d| assert_eq!(d.split_control[0].field(1), "20250414093000");
}

#[test]
fn every_record_vector_writes_back_byte_for_byte() {
    let bytes = vector("every_record.txt");
    let p = parse(&bytes).unwrap();
    assert!(p.issues.is_empty(), "{:?}", p.issues);
    assert_eq!(write(&p.document, Direction::PharmacyToPatient).bytes, bytes);
}

fn issue_codes(text: &str) -> Vec<(IssueCode, u32)> {
    parse_str(text).unwrap().issues.iter().map(|i| (i.code, i.line)).collect()
}

const BLOCK: &str = "JAHISTC08,1\n5,20250414,1\n11,テスト薬局,34,4,0123456,,,,1\n";

#[test]
fn over_length_is_a_warning_and_the_value_is_kept() {
    let name = "あ".repeat(61);
    let p = parse_str(&format!("{BLOCK}401,{name}{name}{name}{name},1\n")).unwrap();
    assert_eq!(p.issues.len(), 1);
    assert_eq!((p.issues[0].code, p.issues[0].level), (IssueCode::FieldTooLong, Level::Warning));
    assert_eq!(p.document.dispensings[0].cautions[0].text().chars().count(), 244);
    assert!(p.blocks_with_errors().is_empty());
}

#[test]
fn extra_fields_are_kept_with_a_warning() {
    let text = format!("{BLOCK}411,情報,31,1,a,b,c,d,e\n");
    assert_eq!(issue_codes(&text), [(IssueCode::ExtraFields, 4)]);
    let p = parse_str(&text).unwrap();
    assert_eq!(p.document.dispensings[0].provided_info[0].record.field_count(), 8);
    assert_eq!(to_text(&p.document, Direction::PharmacyToPatient), text.replace('\n', "\r\n"));
}

#[test]
fn type_and_code_violations() {
    let text = format!("{BLOCK}2,5,内容,1\n201,1,薬,１,錠,2,12345,3\n301,1,用法,ab,日分,8,1,,1\n");
    assert_eq!(
        issue_codes(&text),
        [
            (IssueCode::UnknownCode, 4),
            (IssueCode::RecordOutOfOrder, 4),
            (IssueCode::NotAlphanumeric, 5),
            (IssueCode::UnknownCode, 5),
            (IssueCode::NotNumeric, 6),
            (IssueCode::UnknownCode, 6),
        ]
    );
}

#[test]
fn structural_problems() {
    // 281 after a 301: no drug directly before it.
    let t = format!("{BLOCK}201,1,薬,1,錠,1,,1\n301,1,用法,7,日分,1,1,,1\n281,1,補足,1\n");
    assert_eq!(issue_codes(&t), [(IssueCode::SupplementWithoutDrug, 6)]);
    // 281 naming another RP than the 201 before it: attached, with a warning.
    let t = format!("{BLOCK}201,1,薬,1,錠,1,,1\n281,2,補足,1\n301,1,用法,7,日分,1,1,,1\n");
    assert_eq!(issue_codes(&t), [(IssueCode::RpNumberMismatch, 5)]);
    // RP without usage, usage without drug, 391 for an RP without a 301.
    let t = format!("{BLOCK}201,1,薬,1,錠,1,,1\n301,2,用法,7,日分,1,1,,1\n391,3,注意,1\n");
    assert_eq!(
        issue_codes(&t),
        [(IssueCode::RpWithoutUsage, 4), (IssueCode::UsageWithoutDrug, 5), (IssueCode::UsageSupplementWithoutUsage, 6)]
    );
    // Block without 11, duplicate 15.
    let t = "JAHISTC08,1\n5,20250414,1\n15,a,,1\n15,b,,1\n";
    assert_eq!(issue_codes(t), [(IssueCode::MissingInstitution, 2), (IssueCode::DuplicateRecord, 4)]);
    let p = parse_str(t).unwrap();
    assert_eq!(p.document.unplaced.len(), 1);
    assert_eq!(p.blocks_with_errors(), [0]);
}

#[test]
fn a_bad_block_does_not_stop_the_good_one() {
    let t =
        format!("{BLOCK}201,1,薬,1,錠,2,,1\n301,1,用法,7,日分,1,1,,1\n5,20250401,1\n11,別の薬局,34,4,0000001,,,,1\n");
    let p = parse_str(&t).unwrap();
    assert_eq!(p.blocks_with_errors(), [0]);
    let good: Vec<usize> = p.importable_dispensings().map(|(i, _)| i).collect();
    assert_eq!(good, [1]);
}

#[test]
fn rps_continue_across_doctors_and_rp_numbers_key_the_rp() {
    let t = format!(
        "{BLOCK}201,1,薬A,1,錠,1,,1\n301,1,用法,7,日分,1,1,,1\n55,医師A,,1\n201,2,薬B,1,錠,1,,1\n301,2,用法,7,日分,1,1,,1\n55,医師B,,1\n201,3,薬C,1,錠,1,,1\n201,3,薬D,1,錠,1,,1\n301,3,用法,7,日分,1,1,,1\n"
    );
    let p = parse_str(&t).unwrap();
    assert!(p.issues.is_empty(), "{:?}", p.issues);
    let d = &p.document.dispensings[0];
    let owners: Vec<_> = d.rps.iter().map(|rp| (rp.number, rp.doctor, rp.drugs.len())).collect();
    assert_eq!(owners, [(1, None, 1), (2, Some(0), 1), (3, Some(1), 2)]);
    assert_eq!(to_text(&p.document, Direction::PharmacyToPatient), t.replace('\n', "\r\n"));
}

#[test]
fn invalid_cp932_is_an_error_on_its_line() {
    let mut bytes = common::crlf_cp932("JAHISTC08,2\n4,メモ,,2\n");
    let at = bytes.len() - 6;
    bytes.insert(at, 0x81);
    bytes.insert(at + 1, 0x20);
    let p = parse(&bytes).unwrap();
    assert!(p.issues.iter().any(|i| i.code == IssueCode::InvalidEncoding && i.line == 2));
}
