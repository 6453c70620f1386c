//! The vectors of domain.md §2.8 (V1, V4, V6), direction-2 input, and the writer on them.

mod common;

use common::{vector, xor};
use techo_jahis::*;

fn codes(p: &Parsed) -> Vec<(IssueCode, Option<u16>, Option<u16>)> {
    p.issues.iter().map(|i| (i.code, i.record_no, i.field)).collect()
}

#[test]
fn v1_length_and_parity() {
    let bytes = vector("v1.txt");
    assert_eq!(bytes.len(), 663);
    assert_eq!(xor(&bytes), 0x88);
}

#[test]
fn v1_parses_with_everything_the_doc_expects() {
    let p = parse(&vector("v1.txt")).unwrap();
    assert!(p.issues.is_empty(), "{:?}", codes(&p));
    let doc = &p.document;
    assert_eq!((doc.version, doc.direction), (8, Direction::PharmacyToPatient));

    let patient = doc.patient.as_ref().unwrap();
    assert_eq!(patient.sex(), Some(Sex::Female));
    assert_eq!(patient.birth_date(), CalendarDate::new(1945, 7, 20));
    assert_eq!(patient.name(), "広島 花子");
    assert_eq!(patient.name_kana(), "ヒロシマ ハナコ");
    assert_eq!(patient.blood_type(), "O+");
    assert_eq!(patient.weight_kg(), "48.5");
    assert_eq!(doc.patient_notes.len(), 1);
    assert_eq!(doc.patient_notes[0].kind(), Some(NoteKind::Allergy));
    assert_eq!(doc.patient_notes[0].text(), "ペニシリン系で発疹");

    assert_eq!(doc.dispensings.len(), 1);
    let d = &doc.dispensings[0];
    assert_eq!(d.dispensed_on(), CalendarDate::new(2025, 4, 14));
    let pharmacy = d.institution.as_ref().unwrap();
    assert_eq!(pharmacy.prefecture(), "34");
    assert_eq!(pharmacy.score_table(), Some(ScoreTable::Pharmacy));
    assert_eq!(pharmacy.code(), "0123456");
    assert_eq!(pharmacy.author(), Some(Author::MedicalProfessional));
    assert_eq!(d.staff.as_ref().unwrap().name(), "薬剤 一郎");
    let prescriber = d.prescriber_institution.as_ref().unwrap();
    assert_eq!(prescriber.code(), "7654321");
    assert_eq!(prescriber.score_table(), Some(ScoreTable::Medical));
    assert_eq!(d.doctors.len(), 1);
    assert_eq!(d.doctors[0].name(), "医師 二郎");
    assert_eq!(d.doctors[0].detail(), "内科");

    assert_eq!(d.rps.len(), 2);
    let rp1 = d.rp(1).unwrap();
    assert_eq!(d.doctor_of(rp1).unwrap().name(), "医師 二郎");
    assert_eq!(rp1.drugs.len(), 2);
    assert_eq!(rp1.dosage_form(), Some(DosageForm::Internal));
    let doses: Vec<_> = rp1.drugs.iter().map(|drug| rp1.dose_of(drug).unwrap()).collect();
    assert_eq!(
        doses,
        [
            Dose { thousandths: 1000, meaning: DoseMeaning::Daily },
            Dose { thousandths: 2000, meaning: DoseMeaning::Daily }
        ]
    );
    assert_eq!(rp1.drugs[0].unit(), "錠");
    assert_eq!(rp1.drugs[0].code_type(), Some(DrugCodeType::ReceiptComputer));
    assert_eq!(rp1.quantity(), Some(Quantity { amount: 28, unit: QuantityUnit::Days }));
    // The 281 qualifies the metformin line, the 201 right before it.
    assert_eq!(rp1.drugs[0].supplements().count(), 0);
    assert_eq!(rp1.drugs[1].name(), "ﾒﾄﾎﾙﾐﾝ塩酸塩錠250mg");
    let supplements: Vec<&str> = rp1.drugs[1].supplements().map(|r| r.field(2)).collect();
    assert_eq!(supplements, ["朝１錠、夕１錠"]);
    assert_eq!(rp1.usage.as_ref().unwrap().name(), "【１日２回 朝夕食後】");

    let rp2 = d.rp(2).unwrap();
    assert_eq!(rp2.dosage_form(), Some(DosageForm::AsNeeded));
    assert_eq!(rp2.dose_of(&rp2.drugs[0]), Some(Dose { thousandths: 1000, meaning: DoseMeaning::PerDose }));
    assert_eq!(rp2.quantity(), Some(Quantity { amount: 10, unit: QuantityUnit::Times }));
    let usage = rp2.usage.as_ref().unwrap();
    let cautions: Vec<&str> = usage.cautions().map(|r| r.field(2)).collect();
    assert_eq!(cautions, ["１日３回まで"]);

    assert_eq!(d.cautions.len(), 1);
    assert_eq!(d.cautions[0].text(), "めまいが出たら相談してください。");
    assert!(p.blocks_with_errors().is_empty());
    assert_eq!(p.importable_dispensings().count(), 1);
    assert!(doc.unknown_records.is_empty() && doc.unplaced.is_empty());
}

#[test]
fn v1_writes_back_byte_for_byte() {
    let bytes = vector("v1.txt");
    let p = parse(&bytes).unwrap();
    let written = write(&p.document, p.document.direction);
    assert_eq!(written.bytes, bytes);
    assert!(written.issues.is_empty());
}

#[test]
fn lf_and_eof_byte_are_accepted() {
    let crlf = vector("v1.txt");
    let mut lf: Vec<u8> = crlf.iter().copied().filter(|&b| b != b'\r').collect();
    lf.push(0x1A);
    assert_eq!(parse(&lf).unwrap(), parse(&crlf).unwrap());
}

#[test]
fn v4_legacy_parses_without_errors() {
    let p = parse(&vector("v4.txt")).unwrap();
    assert!(!p.has_errors(), "{:?}", codes(&p));
    assert!(p.issues.is_empty(), "{:?}", codes(&p));
    let doc = &p.document;
    assert_eq!(doc.version, 3);
    assert_eq!(doc.patient.as_ref().unwrap().birth_date(), CalendarDate::new(1945, 7, 20));
    assert_eq!(doc.patient.as_ref().unwrap().address(), "");
    let d = &doc.dispensings[0];
    assert_eq!(d.date_raw(), "R070414");
    assert_eq!(d.dispensed_on(), CalendarDate::new(2025, 4, 14));
    let drug = &d.rps[0].drugs[0];
    assert_eq!(drug.name(), "ｱﾑﾛｼﾞﾋﾟﾝ錠5mg｢ﾃｽﾄ｣");
    assert_eq!(drug.generic_name(), "");
    assert_eq!(d.institution.as_ref().unwrap().name(), "ﾃｽﾄﾔｯｷｮｸ ﾎﾝﾄﾞｵﾘﾃﾝ");
}

#[test]
fn v6_prescription_symbol_is_refused_by_name() {
    let err = parse(&vector("v6_prescription_symbol.txt")).unwrap_err();
    assert_eq!(err, JahisError::PrescriptionSymbol);
    assert_eq!(err.to_string(), "not medication-notebook data (JAHIS prescription symbol)");
    assert_eq!(parse(b"JAHIS9,1\r\n").unwrap_err(), JahisError::PrescriptionSymbol);
}

#[test]
fn v6_other_headers_are_typed_errors() {
    assert_eq!(parse(b"").unwrap_err(), JahisError::Empty);
    assert_eq!(parse(b"\r\n\r\n").unwrap_err(), JahisError::Empty);
    assert_eq!(parse(b"hello,world").unwrap_err(), JahisError::NotJahisTc);
    assert_eq!(parse(b"JAHISX").unwrap_err(), JahisError::NotJahisTc);
    assert!(matches!(parse(b"JAHISTC8,1").unwrap_err(), JahisError::InvalidHeader { .. }));
    assert!(matches!(parse(b"JAHISTC08,3").unwrap_err(), JahisError::InvalidHeader { .. }));
    assert!(matches!(parse(b"JAHISTC08").unwrap_err(), JahisError::InvalidHeader { .. }));
    // Any two digits: 12 has been seen in test data.
    assert_eq!(parse(b"JAHISTC12,2").unwrap().document.version, 12);
}

#[test]
fn v6_rp_before_dispensing_date_is_an_error_and_not_attributed() {
    let p = parse(&vector("v6_rp_before_date.txt")).unwrap();
    let before: Vec<_> =
        p.issues.iter().filter(|i| i.code == IssueCode::RecordBeforeDispensingDate).map(|i| i.line).collect();
    assert_eq!(before, [3, 4]);
    assert!(p.issues.iter().all(|i| i.level == Level::Error && i.block.is_none()));
    assert_eq!(p.document.unplaced.len(), 2);
    assert!(p.document.dispensings[0].rps.is_empty());
}

#[test]
fn v6_code_type_without_code_is_an_error_in_its_block() {
    let p = parse(&vector("v6_code_type_without_code.txt")).unwrap();
    assert_eq!(codes(&p), [(IssueCode::ConditionalFieldMissing, Some(201), Some(6))]);
    assert_eq!(p.issues[0].level, Level::Error);
    assert_eq!(p.issues[0].line, 4);
    assert_eq!(p.blocks_with_errors(), [0]);
    assert_eq!(p.importable_dispensings().count(), 0);
}

#[test]
fn v6_split_seq_beyond_total_is_an_error() {
    let p = parse(&vector("v6_split_seq_beyond_total.txt")).unwrap();
    assert_eq!(codes(&p), [(IssueCode::SplitControl, Some(911), Some(3))]);
    let mut asm = Assembler::new();
    assert_eq!(
        asm.push_payload(&vector("v6_split_seq_beyond_total.txt")),
        Err(JahisError::SplitSeqOutOfRange { seq: 3, total: 2 })
    );
}

#[test]
fn v6_unknown_record_is_kept_with_a_warning() {
    let bytes = vector("v6_unknown_record.txt");
    let p = parse(&bytes).unwrap();
    assert_eq!(codes(&p), [(IssueCode::UnknownRecord, Some(999), None)]);
    assert_eq!(p.issues[0].level, Level::Warning);
    assert_eq!(p.document.unknown_records[0].as_line(), "999,x");
    assert_eq!(write(&p.document, Direction::PharmacyToPatient).bytes, bytes);
}

#[test]
fn direction2_with_empty_direction1_fields_601_and_otc() {
    let bytes = vector("direction2.txt");
    let p = parse(&bytes).unwrap();
    assert!(p.issues.is_empty(), "{:?}", codes(&p));
    let doc = &p.document;
    assert_eq!(doc.direction, Direction::PatientToPharmacy);
    let otc = &doc.otc[0];
    assert_eq!(otc.author(), Some(Author::Patient));
    assert_eq!(otc.jan(), "4900000000000");
    assert_eq!(otc.start_date(), CalendarDate::new(2025, 4, 1));
    assert_eq!(otc.ingredients.len(), 1);
    assert_eq!(otc.ingredients[0].name(), "アセトアミノフェン");
    assert_eq!(otc.ingredients[0].code(), "");
    let d = &doc.dispensings[0];
    assert_eq!(d.institution.as_ref().unwrap().code(), "");
    assert_eq!(d.patient_entries[0].text(), "飲み忘れが一回あった");
    assert_eq!(d.patient_entries[0].entry_date(), CalendarDate::new(2025, 4, 20));
    assert_eq!(d.rps[0].quantity(), None);
    assert_eq!(write(doc, Direction::PatientToPharmacy).bytes, bytes);

    // The same content claimed as direction 1 misses what only direction 1 requires.
    let as_dir1 = parse_str(&to_text(doc, Direction::PharmacyToPatient)).unwrap();
    let missing: Vec<_> = as_dir1
        .issues
        .iter()
        .filter(|i| i.code == IssueCode::RequiredFieldMissing)
        .map(|i| (i.record_no.unwrap(), i.field.unwrap()))
        .collect();
    assert_eq!(
        missing,
        [(11, 2), (11, 3), (11, 4), (201, 3), (201, 4), (201, 5), (301, 3), (301, 4), (301, 5), (301, 6)]
    );
}

#[test]
fn an_ingredient_naming_no_otc_is_an_issue() {
    let text = "JAHISTC08,2\n3,ｶｾﾞｸﾞｽﾘ,,,2,1\n31,2,アセトアミノフェン,1,,2\n";
    let p = parse_str(text).unwrap();
    assert_eq!(codes(&p), [(IssueCode::OtcIngredientWithoutOtc, Some(31), Some(1))]);
    assert_eq!(p.document.unplaced.len(), 1);
    assert!(p.document.otc[0].ingredients.is_empty());
}

#[test]
fn export_from_direction1_data_as_direction2() {
    let p = parse(&vector("v1.txt")).unwrap();
    let written = write(&p.document, Direction::PatientToPharmacy);
    assert!(written.issues.is_empty());
    let again = parse(&written.bytes).unwrap();
    assert_eq!(again.document.direction, Direction::PatientToPharmacy);
    assert_eq!(again.document.dispensings, p.document.dispensings);
    assert!(written.bytes.starts_with(b"JAHISTC08,2\r\n"));
}

#[test]
fn unencodable_characters_are_reported_not_dropped() {
    let mut doc = Document::new(Direction::PatientToPharmacy);
    doc.memos.push(Memo { record: Record::new(4, &["薬😀メモ", "20250101", "2"]) });
    let written = write(&doc, Direction::PatientToPharmacy);
    let issue = written.issues.iter().find(|i| i.code == IssueCode::UnencodableCharacter).unwrap();
    assert_eq!((issue.line, issue.record_no, issue.field), (2, Some(4), Some(1)));
    assert_eq!(parse(&written.bytes).unwrap().document.memos[0].text(), "薬？メモ");
}

#[test]
fn issues_and_errors_never_carry_values() {
    let text = "JAHISTC08,1\n1,秘密の名前秘密の名前秘密の名前秘密の名前秘密の名前,3,秘密\n5,秘密,1\n201,1,秘密\n";
    let p = parse_str(text).unwrap();
    assert!(!p.issues.is_empty());
    for issue in &p.issues {
        assert!(!issue.to_string().contains("秘密"));
        assert!(!format!("{issue:?}").contains("秘密"));
    }
    assert!(!format!("{:?}", p.document).contains("秘密"));
}
