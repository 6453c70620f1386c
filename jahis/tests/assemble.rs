//! Multi-part input: Structured Append groups, 911 splits (V3) and independent documents.

mod common;

use common::{encode_mixed, vector, xor};
use proptest::prelude::*;
use techo_jahis::*;

fn sa(position: u8, total: u8, parity: u8) -> Option<StructuredAppend> {
    Some(StructuredAppend { position, total, parity })
}

/// Cuts `bytes` at `cuts` into Structured Append symbols.
fn symbols(bytes: &[u8], cuts: &[usize]) -> Vec<(StructuredAppend, Vec<u8>)> {
    let parity = xor(bytes);
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(bytes.len());
    let total = (bounds.len() - 1) as u8;
    bounds
        .windows(2)
        .enumerate()
        .map(|(i, w)| (StructuredAppend { position: i as u8, total, parity }, bytes[w[0]..w[1]].to_vec()))
        .collect()
}

/// An offset in V1 that falls between the two bytes of a double-byte character.
fn mid_character(bytes: &[u8]) -> usize {
    let text = String::from_utf8(common::vector_text("v1.txt").into_bytes()).unwrap();
    let prefix = &text[..text.find("広島県").unwrap()];
    let (encoded, _) = encode_cp932(&prefix.replace('\n', "\r\n"));
    let cut = encoded.len() + 1;
    assert!(bytes[cut - 1] >= 0x81, "the cut must follow a lead byte");
    cut
}

#[test]
fn structured_append_split_inside_a_character_in_both_orders() {
    let v1 = vector("v1.txt");
    let cut = mid_character(&v1);
    let parts = symbols(&v1, &[cut, 400]);
    for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
        let mut asm = Assembler::new();
        for (n, &i) in order.iter().enumerate() {
            let (header, data) = &parts[i];
            let added = asm.push_symbol(Some(*header), data).unwrap();
            if n < 2 {
                assert_eq!(added, Added::Pending);
                let progress = asm.progress();
                assert_eq!(progress.documents_ready, 0);
                assert_eq!(
                    progress.pending,
                    [GroupProgress { kind: GroupKind::StructuredAppend, have: n as u16 + 1, total: 3 }]
                );
            } else {
                assert_eq!(added, Added::Completed);
            }
        }
        let docs = asm.take_documents();
        assert_eq!(docs, std::slice::from_ref(&v1));
        assert!(asm.is_idle());
        assert!(parse(&docs[0]).unwrap().issues.is_empty());
    }
}

#[test]
fn structured_append_from_codewords_with_kanji_mode() {
    let v1 = vector("v1.txt");
    let cut = mid_character(&v1);
    let parts = symbols(&v1, &[cut]);
    let mut asm = Assembler::new();
    for (header, data) in parts.iter().rev() {
        let codewords = encode_mixed(data, Some((header.position, header.total, header.parity)), 20);
        asm.push_codewords(&codewords, 20).unwrap();
    }
    assert_eq!(asm.take_documents(), [v1]);
}

#[test]
fn wrong_parity_is_an_error_and_imports_nothing() {
    let v1 = vector("v1.txt");
    let mut parts = symbols(&v1, &[300]);
    for p in &mut parts {
        p.0.parity ^= 0xFF;
    }
    let mut asm = Assembler::new();
    assert_eq!(asm.push_symbol(Some(parts[0].0), &parts[0].1), Ok(Added::Pending));
    assert_eq!(asm.push_symbol(Some(parts[1].0), &parts[1].1), Err(JahisError::ParityMismatch));
    assert!(asm.take_documents().is_empty());
    assert!(asm.is_idle());
}

#[test]
fn a_missing_symbol_leaves_the_group_incomplete() {
    let v1 = vector("v1.txt");
    let parts = symbols(&v1, &[200, 400]);
    let mut asm = Assembler::new();
    asm.push_symbol(Some(parts[0].0), &parts[0].1).unwrap();
    asm.push_symbol(Some(parts[2].0), &parts[2].1).unwrap();
    assert_eq!(
        asm.progress(),
        Progress {
            documents_ready: 0,
            pending: vec![GroupProgress { kind: GroupKind::StructuredAppend, have: 2, total: 3 }]
        }
    );
    assert!(asm.take_documents().is_empty());
}

#[test]
fn a_symbol_of_another_receipt_is_rejected() {
    let v1 = vector("v1.txt");
    let parts = symbols(&v1, &[300]);
    let other = symbols(&vector("every_record.txt"), &[100, 200]);
    let mut asm = Assembler::new();
    asm.push_symbol(Some(parts[0].0), &parts[0].1).unwrap();
    assert_eq!(asm.push_symbol(Some(other[1].0), &other[1].1), Err(JahisError::OtherGroup));
    // Same total, other parity.
    let mut same_total = parts[1].clone();
    same_total.0.parity ^= 1;
    assert_eq!(asm.push_symbol(Some(same_total.0), &same_total.1), Err(JahisError::OtherGroup));
    assert_eq!(asm.push_symbol(Some(parts[1].0), &parts[1].1), Ok(Added::Completed));
    assert_eq!(asm.take_documents(), [v1]);
}

#[test]
fn duplicates_are_ignored_before_and_after_completion() {
    let v1 = vector("v1.txt");
    let parts = symbols(&v1, &[300]);
    let mut asm = Assembler::new();
    assert_eq!(asm.push_symbol(Some(parts[0].0), &parts[0].1), Ok(Added::Pending));
    assert_eq!(asm.push_symbol(Some(parts[0].0), &parts[0].1), Ok(Added::Duplicate));
    assert_eq!(asm.push_symbol(Some(parts[1].0), &parts[1].1), Ok(Added::Completed));
    assert_eq!(asm.push_symbol(Some(parts[0].0), &parts[0].1), Ok(Added::Duplicate));
    assert_eq!(asm.push_symbol(Some(parts[1].0), &parts[1].1), Ok(Added::Duplicate));
    assert!(asm.is_idle());
    assert_eq!(asm.take_documents().len(), 1);
}

#[test]
fn conflicting_symbol_and_bad_positions() {
    let mut asm = Assembler::new();
    asm.push_symbol(sa(0, 2, 7), b"abc").unwrap();
    assert_eq!(asm.push_symbol(sa(0, 2, 7), b"abd"), Err(JahisError::ConflictingSymbol { position: 0 }));
    assert_eq!(asm.push_symbol(sa(2, 2, 7), b"x"), Err(JahisError::PositionOutOfRange { position: 2, total: 2 }));
    assert_eq!(asm.push_symbol(sa(0, 0, 7), b"x"), Err(JahisError::PositionOutOfRange { position: 0, total: 0 }));
}

#[test]
fn v3_911_parts_in_any_order_with_duplicates() {
    let a = vector("v3_part_a.txt");
    let b = vector("v3_part_b.txt");
    let mut asm = Assembler::new();
    assert_eq!(asm.push_payload(&b), Ok(Added::Pending));
    assert_eq!(asm.push_payload(&b), Ok(Added::Duplicate));
    assert_eq!(asm.progress().pending, [GroupProgress { kind: GroupKind::Split, have: 1, total: 2 }]);
    assert!(asm.take_documents().is_empty());
    assert_eq!(asm.push_payload(&a), Ok(Added::Completed));
    assert_eq!(asm.push_payload(&a), Ok(Added::Duplicate));
    assert_eq!(asm.take_documents(), [vector("v1.txt")]);
}

#[test]
fn v3_part_b_alone_is_not_attributed() {
    let p = parse(&vector("v3_part_b.txt")).unwrap();
    assert!(p.issues.iter().any(|i| i.code == IssueCode::RecordBeforeDispensingDate));
    assert!(p.document.dispensings.is_empty());
    assert_eq!(p.document.split_control.len(), 1);
    // Part A alone is a readable document (partial display), its 911 kept.
    let a = parse(&vector("v3_part_a.txt")).unwrap();
    assert_eq!(a.document.split_control.len(), 1);
    assert_eq!(a.document.dispensings.len(), 1);
}

#[test]
fn v3_parts_arriving_as_structured_append_groups() {
    let a = vector("v3_part_a.txt");
    let b = vector("v3_part_b.txt");
    let mut asm = Assembler::new();
    for (h, d) in symbols(&b, &[50]).iter().rev() {
        asm.push_symbol(Some(*h), d).unwrap();
    }
    assert_eq!(asm.progress().pending, [GroupProgress { kind: GroupKind::Split, have: 1, total: 2 }]);
    for (h, d) in symbols(&a, &[7, 99]) {
        asm.push_symbol(Some(h), &d).unwrap();
    }
    assert_eq!(asm.take_documents(), [vector("v1.txt")]);
}

#[test]
fn split_parts_that_disagree_are_errors() {
    let b = vector("v3_part_b.txt");
    let text = common::vector_text("v3_part_b.txt");
    let mut asm = Assembler::new();
    asm.push_payload(&b).unwrap();
    let other_total = common::crlf_cp932(&text.replace(",2,2", ",3,2"));
    assert_eq!(asm.push_payload(&other_total), Err(JahisError::SplitTotalMismatch));
    let other_header = common::crlf_cp932(&text.replace("JAHISTC08,1", "JAHISTC07,1").replace(",2,2", ",2,1"));
    assert_eq!(asm.push_payload(&other_header), Err(JahisError::SplitHeaderMismatch));
    let conflicting = common::crlf_cp932(&text.replace("１日３回まで", "１日２回まで"));
    assert_eq!(asm.push_payload(&conflicting), Err(JahisError::ConflictingPart { seq: 2 }));
    let bad = common::crlf_cp932("JAHISTC08,1\n911,abc,2,1\n");
    assert!(matches!(asm.push_payload(&bad), Err(JahisError::InvalidSplitControl { .. })));
}

#[test]
fn independent_complete_documents_are_each_ready() {
    let mut asm = Assembler::new();
    assert_eq!(asm.push_payload(&vector("v1.txt")), Ok(Added::Completed));
    assert_eq!(asm.push_symbol(None, &vector("v4.txt")), Ok(Added::Completed));
    assert_eq!(asm.push_payload(&vector("v1.txt")), Ok(Added::Duplicate));
    let docs = asm.take_documents();
    assert_eq!(docs.len(), 2);
    assert_eq!(parse(&docs[1]).unwrap().document.version, 3);
}

proptest! {
    /// Whatever the cut offsets and scan order, the assembled bytes are the source's.
    #[test]
    fn any_cuts_any_order(cuts in proptest::collection::btree_set(1usize..663, 0..15), seed in any::<u64>()) {
        let v1 = vector("v1.txt");
        let cuts: Vec<usize> = cuts.into_iter().collect();
        let mut parts = symbols(&v1, &cuts);
        // A deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..parts.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            parts.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let mut asm = Assembler::new();
        for (h, d) in &parts {
            asm.push_symbol(Some(*h), d).unwrap();
        }
        prop_assert_eq!(asm.take_documents(), vec![v1]);
    }
}
