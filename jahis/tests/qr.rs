//! QR bit streams: every mode, Structured Append, padding and the typed errors.

mod common;

use common::{Segment, encode, encode_mixed, vector};
use proptest::prelude::*;
use techo_jahis::*;

#[test]
fn byte_mode_with_structured_append_and_padding() {
    let cw = encode(
        &[Segment::StructuredAppend { position: 1, total: 3, parity: 0x88 }, Segment::Bytes(b"JAHISTC08,1")],
        1,
        19,
    );
    assert_eq!(cw.len(), 19);
    let p = parse_codewords(&cw, 1).unwrap();
    assert_eq!(p.structured_append, Some(StructuredAppend { position: 1, total: 3, parity: 0x88 }));
    assert_eq!(p.data, b"JAHISTC08,1");
}

#[test]
fn kanji_mode_gives_shift_jis_bytes() {
    let (sjis, _) = encode_cp932("広島点茗");
    let cw = encode(&[Segment::Kanji(&sjis)], 5, 0);
    assert_eq!(parse_codewords(&cw, 5).unwrap().data, sjis);
}

#[test]
fn numeric_alphanumeric_and_eci() {
    let segments = [
        Segment::Eci(20),
        Segment::Numeric("0123456"),
        Segment::Alphanumeric("JAHIS TC-08"),
        Segment::Eci(1000),
        Segment::Numeric("12"),
        Segment::Eci(100_000),
    ];
    for version in [1, 10, 27, 40] {
        let p = parse_codewords(&encode(&segments, version, 0), version).unwrap();
        assert_eq!(p.data, b"0123456JAHIS TC-0812");
        assert_eq!(p.eci, [20, 1000, 100_000]);
    }
}

#[test]
fn character_count_widths_follow_the_version() {
    for version in [9, 10, 26, 27] {
        // Byte counts are 8 bits wide up to version 9, 16 bits above.
        let data = vec![b'a'; if version <= 9 { 255 } else { 300 }];
        let cw = encode(&[Segment::Bytes(&data)], version, 0);
        assert_eq!(parse_codewords(&cw, version).unwrap().data, data, "version {version}");
    }
}

#[test]
fn v1_mixed_kanji_and_byte_segments_round_trip() {
    let v1 = vector("v1.txt");
    let cw = encode_mixed(&v1, None, 20);
    assert_eq!(parse_codewords(&cw, 20).unwrap().data, v1);
}

#[test]
fn truncated_and_invalid_streams_are_typed_errors() {
    let cw = encode(&[Segment::Bytes(b"hello")], 1, 0);
    assert_eq!(parse_codewords(&cw[..3], 1), Err(JahisError::QrTruncated { mode: "byte" }));
    // Mode 0110 does not exist.
    assert_eq!(parse_codewords(&[0b0110_0000, 0], 1), Err(JahisError::QrUnsupportedMode { mode: 0b0110 }));
    // Hanzi mode (GB 2312) is not for Japanese symbols.
    assert_eq!(parse_codewords(&[0b1101_0000, 0], 1), Err(JahisError::QrUnsupportedMode { mode: 0b1101 }));
    // Numeric group 999 < value: 1111111111 (1023).
    assert_eq!(
        parse_codewords(&[0b0001_0000, 0b0011_1111, 0b1111_1000], 1),
        Err(JahisError::QrInvalidValue { mode: "numeric" })
    );
    let sa = Segment::StructuredAppend { position: 0, total: 2, parity: 0 };
    assert_eq!(
        parse_codewords(&encode(&[sa, Segment::StructuredAppend { position: 1, total: 2, parity: 0 }], 1, 0), 1),
        Err(JahisError::QrDuplicateStructuredAppend)
    );
    assert_eq!(parse_codewords(&[], 1), Ok(QrPayload::default()));
}

proptest! {
    #[test]
    fn random_byte_segments_round_trip(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..256), 0..5), version in 1u8..=40) {
        let segments: Vec<Segment<'_>> = chunks.iter().map(|c| Segment::Bytes(c)).collect();
        let cw = encode(&segments, version, 0);
        let expected: Vec<u8> = chunks.concat();
        prop_assert_eq!(parse_codewords(&cw, version).unwrap().data, expected);
    }

    #[test]
    fn arbitrary_codewords_never_panic(cw in proptest::collection::vec(any::<u8>(), 0..200), version in 0u8..=45) {
        let _ = parse_codewords(&cw, version);
    }
}
