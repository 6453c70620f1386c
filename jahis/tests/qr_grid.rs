//! Module grids → data codewords: symbols from the `qr_code` encoder (every version and level,
//! byte and Kanji mode, Structured Append groups of JAHIS bytes), damaged, mirrored and random.

mod common;

use common::crlf_cp932;
use proptest::prelude::*;
use qr_code::bits::{Bits, ExtendedMode};
use qr_code::structured::SplittedQr;
use qr_code::{EcLevel, QrCode, Version};
use techo_jahis::*;

const LEVELS: [(EcLevel, QrEcLevel); 4] =
    [(EcLevel::L, QrEcLevel::L), (EcLevel::M, QrEcLevel::M), (EcLevel::Q, QrEcLevel::Q), (EcLevel::H, QrEcLevel::H)];

const JAHIS_TEXT: &str = "JAHISTC08,1
1,広島 花子,2,19450720,730-8511,広島県広島市中区基町10-52,082-228-2111,,A,,,
5,20240401,1
11,広島中央薬局,34,1,1234567,730-0011,広島県広島市中区基町6-78,082-000-0000,
51,広島 太郎,,
201,1,アムロジピン錠５ｍｇ「サワイ」,1,錠,2,2171022F1010,
301,1,【内服】１日１回朝食後に服用,14,日分,1,
201,2,ロキソプロフェンＮａ錠６０ｍｇ,1,錠,2,1149019F1560,
301,2,【頓服】疼痛時,10,回分,5,
";

fn matrix(code: &QrCode) -> ModuleMatrix {
    ModuleMatrix::new(code.width(), code.to_vec()).unwrap()
}

fn transposed(m: &ModuleMatrix) -> ModuleMatrix {
    let n = m.size();
    let dark = (0..n).flat_map(|y| (0..n).map(move |x| (x, y))).map(|(x, y)| m.is_dark(y, x)).collect();
    ModuleMatrix::new(n, dark).unwrap()
}

fn version_of(code: &QrCode) -> u8 {
    match code.version() {
        Version::Normal(v) => v as u8,
        Version::Micro(_) => unreachable!("only normal symbols are made here"),
    }
}

/// Offsets between the two bytes of a CP932 double-byte character.
fn mid_character_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if matches!(bytes[i], 0x81..=0x9F | 0xE0..=0xFC) {
            out.push(i + 1);
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

/// A deterministic stream of numbers for picking modules.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// `count` distinct data modules right of the left finders' column (so never remainder bits).
fn data_modules(code: &QrCode, count: usize, seed: u64) -> Vec<(usize, usize)> {
    let n = code.width();
    let mut rng = XorShift(seed | 1);
    let mut picked = Vec::new();
    while picked.len() < count {
        let (x, y) = (9 + rng.below(n - 9), rng.below(n));
        if !code.is_functional(x, y) && !picked.contains(&(x, y)) {
            picked.push((x, y));
        }
    }
    picked
}

/// The largest byte string of `fill` that fits `version` at `level` in byte mode.
fn byte_mode_symbol(version: u8, level: EcLevel, fill: &[u8]) -> (QrCode, Vec<u8>) {
    let bits = |len: usize| {
        let mut bits = Bits::new(Version::Normal(i16::from(version)));
        let data: Vec<u8> = fill.iter().copied().cycle().take(len).collect();
        bits.push_byte_data(&data).ok()?;
        bits.push_terminator(level).ok()?;
        Some((bits, data))
    };
    let (mut lo, mut hi) = (1usize, 3000usize);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if bits(mid).is_some() { lo = mid } else { hi = mid - 1 }
    }
    let (bits, data) = bits(lo).unwrap();
    (QrCode::with_bits(bits, level).unwrap(), data)
}

#[test]
fn byte_mode_every_version_and_level_filled_to_capacity() {
    let fill = crlf_cp932(JAHIS_TEXT);
    for version in 1..=40u8 {
        for (level, expected_level) in LEVELS {
            let (code, data) = byte_mode_symbol(version, level, &fill);
            let (symbol, payload) = decode_grid_payload(&matrix(&code)).unwrap();
            let what = format!("version {version} {level:?}");
            assert_eq!(symbol.version, version, "{what}");
            assert_eq!(symbol.ec_level, expected_level, "{what}");
            assert_eq!(symbol.corrected_errors, 0, "{what}");
            assert!(!symbol.mirrored, "{what}");
            assert_eq!(symbol.data_codewords[0] >> 4, 0b0100, "{what}: byte mode");
            assert_eq!(payload.data, data, "{what}");
            assert_eq!(payload.structured_append, None);
        }
    }
}

#[test]
fn encoder_chosen_segments_in_the_listed_versions() {
    let (text, _) = encode_cp932("JAHISTC08,1\r\n1,広島 花子,2,19450720\r\n");
    for version in [1u8, 2, 7, 10, 27, 40] {
        for (level, _) in LEVELS {
            let data = match version {
                1 => b"JAHIS".to_vec(),
                2 => b"JAHISTC08".to_vec(),
                _ => text.clone(),
            };
            let code = QrCode::with_version(&data, Version::Normal(i16::from(version)), level).unwrap();
            let (symbol, payload) = decode_grid_payload(&matrix(&code)).unwrap();
            assert_eq!(symbol.version, version);
            assert_eq!(payload.data, data, "version {version} {level:?}");
        }
    }
}

#[test]
fn kanji_mode_symbols() {
    let (sjis, _) = encode_cp932("広島花子点茗薬局錠日分服用");
    for version in [1u8, 2, 7, 10, 27, 40] {
        for (level, _) in LEVELS {
            let mut bits = Bits::new(Version::Normal(i16::from(version)));
            // Version 1-H holds 9 codewords (4 characters fit), 2-H 16 (8 characters).
            let text = match version {
                1 => &sjis[..8],
                2 => &sjis[..16],
                _ => &sjis[..],
            };
            bits.push_kanji_data(text).unwrap();
            bits.push_terminator(level).unwrap();
            let code = QrCode::with_bits(bits, level).unwrap();
            let (symbol, payload) = decode_grid_payload(&matrix(&code)).unwrap();
            assert_eq!(symbol.data_codewords[0] >> 4, 0b1000, "Kanji mode");
            assert_eq!(payload.data, text, "version {version} {level:?}");
        }
    }
}

/// Structured Append symbols of `bytes` cut at `cuts`, one `version`, `level`.
fn structured_append(bytes: &[u8], cuts: &[usize], version: u8, level: EcLevel) -> Vec<QrCode> {
    let parity = bytes.iter().fold(0, |a, b| a ^ b);
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(bytes.len());
    let total = bounds.len() - 1;
    bounds
        .windows(2)
        .enumerate()
        .map(|(i, w)| {
            let mut bits = Bits::new(Version::Normal(i16::from(version)));
            bits.push_mode_indicator(ExtendedMode::StructuredAppend).unwrap();
            bits.push_number_checked(4, i).unwrap();
            bits.push_number_checked(4, total - 1).unwrap();
            bits.push_number_checked(8, usize::from(parity)).unwrap();
            bits.push_byte_data(&bytes[w[0]..w[1]]).unwrap();
            bits.push_terminator(level).unwrap();
            QrCode::with_bits(bits, level).unwrap()
        })
        .collect()
}

/// Decodes every symbol from its modules and assembles them in `order`; the assembled document.
fn assemble_from_grids(codes: &[QrCode], order: &[usize]) -> Vec<Vec<u8>> {
    let mut asm = Assembler::new();
    for (n, &i) in order.iter().enumerate() {
        let symbol = decode_grid(&matrix(&codes[i])).unwrap();
        assert_eq!(symbol.version, version_of(&codes[i]));
        let added = asm.push_codewords(&symbol.data_codewords, symbol.version).unwrap();
        let expected = if n + 1 == order.len() { Added::Completed } else { Added::Pending };
        assert_eq!(added, expected);
    }
    asm.take_documents()
}

#[test]
fn structured_append_groups_split_inside_a_character_in_both_scan_orders() {
    let bytes = crlf_cp932(JAHIS_TEXT);
    let splits = mid_character_offsets(&bytes);
    for (total, version, level) in [(2, 10, EcLevel::L), (3, 8, EcLevel::M), (4, 7, EcLevel::M), (4, 10, EcLevel::H)] {
        // The first cut falls inside a character, the others near even shares.
        let share = bytes.len() / total;
        let first = *splits.iter().min_by_key(|&&s| s.abs_diff(share)).unwrap();
        let mut cuts = vec![first];
        cuts.extend((2..total).map(|k| share * k));
        let codes = structured_append(&bytes, &cuts, version, level);
        assert_eq!(codes.len(), total);
        let forward: Vec<usize> = (0..total).collect();
        let backward: Vec<usize> = (0..total).rev().collect();
        for order in [forward, backward] {
            assert_eq!(
                assemble_from_grids(&codes, &order),
                std::slice::from_ref(&bytes),
                "{total} symbols, order {order:?}"
            );
        }
        // Each symbol carries its header; the first ends on a lead byte.
        let (_, payload) = decode_grid_payload(&matrix(&codes[0])).unwrap();
        let sa = payload.structured_append.unwrap();
        assert_eq!((sa.position, sa.total), (0, total as u8));
        assert!(matches!(payload.data.last(), Some(0x81..=0x9F | 0xE0..=0xFC)));
    }
}

#[test]
fn structured_append_as_the_encoder_splits_it() {
    let bytes = crlf_cp932(JAHIS_TEXT);
    let mut split_a_character = false;
    let mut groups = 0;
    for version in 3..=12i16 {
        let codes = SplittedQr::new(bytes.clone(), version).unwrap().split().unwrap();
        if !(2..=4).contains(&codes.len()) {
            continue;
        }
        groups += 1;
        let mut ends = 0;
        for code in &codes[..codes.len() - 1] {
            ends += decode_grid_payload(&matrix(code)).unwrap().1.data.len();
            split_a_character |= mid_character_offsets(&bytes).contains(&ends);
        }
        let forward: Vec<usize> = (0..codes.len()).collect();
        let backward: Vec<usize> = (0..codes.len()).rev().collect();
        for order in [forward, backward] {
            assert_eq!(assemble_from_grids(&codes, &order), std::slice::from_ref(&bytes), "version {version}");
        }
    }
    assert!(groups >= 2, "some versions give groups of 2–4");
    assert!(split_a_character, "some group splits a double-byte character");
}

/// Codeword errors one block of (version, level) can take: (EC codewords − misdecode
/// protection) / 2.
const CAPACITY: [(u8, EcLevel, usize); 6] = [
    (1, EcLevel::L, 2),
    (1, EcLevel::H, 8),
    (5, EcLevel::Q, 9),
    (10, EcLevel::M, 13),
    (27, EcLevel::L, 15),
    (40, EcLevel::H, 15),
];

#[test]
fn damage_up_to_the_capacity_is_corrected() {
    let fill = crlf_cp932(JAHIS_TEXT);
    for (version, level, capacity) in CAPACITY {
        let (code, data) = byte_mode_symbol(version, level, &fill);
        for seed in 1..=5 {
            let mut m = matrix(&code);
            // Every block meets at most `capacity` of these.
            for (x, y) in data_modules(&code, capacity, seed) {
                m.flip(x, y);
            }
            let (symbol, payload) = decode_grid_payload(&m).unwrap();
            assert!((1..=capacity).contains(&symbol.corrected_errors), "version {version} {level:?}");
            assert_eq!(payload.data, data);
        }
    }
}

#[test]
fn one_block_damaged_to_exactly_its_capacity() {
    // Version 1-H is one block of 26 codewords; the bottom-right columns hold codewords 0, 1, …
    // whole: rows 20..=17 of columns 20 and 19 are codeword 0, rows 16..=13 codeword 1, and so on.
    let code = QrCode::with_version(b"JAHIS", Version::Normal(1), EcLevel::H).unwrap();
    let mut m = matrix(&code);
    let mut flipped = 0;
    // Columns 20/19 upwards hold codewords 0–2, 18/17 downwards 3–5, 16/15 upwards 6–8.
    for (x, y) in [(20, 20), (20, 16), (20, 12), (18, 9), (18, 13), (18, 17), (16, 20), (16, 16)] {
        m.flip(x, y);
        flipped += 1;
    }
    let symbol = decode_grid(&m).unwrap();
    assert_eq!(symbol.corrected_errors, flipped);
    m.flip(16, 12);
    assert_eq!(decode_grid(&m), Err(JahisError::QrUncorrectable { block: 0 }));
}

#[test]
fn damage_beyond_the_capacity_is_a_typed_error() {
    let fill = crlf_cp932(JAHIS_TEXT);
    for (version, level, _) in CAPACITY {
        let (code, _) = byte_mode_symbol(version, level, &fill);
        let mut m = matrix(&code);
        let n = code.width();
        // About a third of the data modules: every block gets far more than it can take.
        for (x, y) in data_modules(&code, (n - 9) * n / 3, 7) {
            m.flip(x, y);
        }
        let err = decode_grid(&m).unwrap_err();
        assert!(matches!(err, JahisError::QrUncorrectable { .. }), "version {version} {level:?}: {err:?}");
    }
}

#[test]
fn mirrored_grids_decode_transposed() {
    let fill = crlf_cp932(JAHIS_TEXT);
    for (version, level) in [(1, EcLevel::M), (7, EcLevel::Q), (27, EcLevel::H), (40, EcLevel::L)] {
        let (code, data) = byte_mode_symbol(version, level, &fill);
        let mirrored = transposed(&matrix(&code));
        let (symbol, payload) = decode_grid_payload(&mirrored).unwrap();
        assert!(symbol.mirrored);
        assert_eq!(symbol.version, version);
        assert_eq!(payload.data, data);
        // And damaged as well.
        let mut damaged = matrix(&code);
        for (x, y) in data_modules(&code, 2, 3) {
            damaged.flip(x, y);
        }
        let symbol = decode_grid(&transposed(&damaged)).unwrap();
        assert!(symbol.mirrored && symbol.corrected_errors > 0);
    }
}

/// Format bit `i`'s modules in the two copies (x, y), as the standard places them.
fn format_modules(size: usize, i: usize) -> [(usize, usize); 2] {
    let first = match i {
        0..=5 => (8, i),
        6 => (8, 7),
        7 => (8, 8),
        8 => (7, 8),
        _ => (14 - i, 8),
    };
    let second = if i < 8 { (size - 1 - i, 8) } else { (8, size - 15 + i) };
    [first, second]
}

#[test]
fn format_information_survives_three_errors_per_copy_or_one_lost_copy() {
    let fill = crlf_cp932(JAHIS_TEXT);
    let (code, data) = byte_mode_symbol(5, EcLevel::Q, &fill);
    let n = code.width();
    let mut m = matrix(&code);
    for i in [0, 7, 14] {
        let [a, b] = format_modules(n, i);
        m.flip(a.0, a.1);
        m.flip(b.0, b.1);
    }
    assert_eq!(decode_grid_payload(&m).unwrap().1.data, data);
    let mut m = matrix(&code);
    for i in 0..15 {
        let [a, _] = format_modules(n, i);
        if i % 2 == 0 {
            m.flip(a.0, a.1);
        }
    }
    let symbol = decode_grid(&m).unwrap();
    assert_eq!((symbol.ec_level, symbol.mirrored), (QrEcLevel::Q, false));
}

#[test]
fn version_information_one_copy_lost_still_reads() {
    let fill = crlf_cp932(JAHIS_TEXT);
    let (code, data) = byte_mode_symbol(10, EcLevel::M, &fill);
    let n = code.width();
    let mut m = matrix(&code);
    for i in 0..18 {
        m.flip(n - 11 + i % 3, i / 3);
    }
    assert_eq!(decode_grid_payload(&m).unwrap().1.data, data);
}

#[test]
fn grids_of_other_sizes_are_refused() {
    for size in [0, 20, 22, 24, 181] {
        let m = ModuleMatrix::new(size, vec![false; size * size]).unwrap();
        assert_eq!(decode_grid(&m), Err(JahisError::QrGridSize { size }));
    }
    assert!(ModuleMatrix::new(21, vec![false; 20]).is_none());
}

/// The grid in the `qr_grid` fuzz target's input format: version − 1, then the modules row by
/// row, one bit each, most significant first.
fn fuzz_input(m: &ModuleMatrix) -> Vec<u8> {
    let n = m.size();
    let mut out = vec![((n - 17) / 4 - 1) as u8];
    out.resize(1 + (n * n).div_ceil(8), 0);
    for i in 0..n * n {
        if m.is_dark(i % n, i / n) {
            out[1 + i / 8] |= 0x80 >> (i % 8);
        }
    }
    out
}

/// Writes `jahis/fuzz/seeds/qr_grid/` (committed; scripts/fuzz.sh copies it into the corpus):
/// `cargo test -p techo-jahis --test qr_grid -- --ignored write_fuzz_seeds`.
#[test]
#[ignore = "writes the fuzz seeds"]
fn write_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/qr_grid");
    std::fs::create_dir_all(&dir).unwrap();
    let bytes = crlf_cp932(JAHIS_TEXT);
    let mut seeds = vec![
        ("v1-m-byte", QrCode::with_version(b"JAHIS", Version::Normal(1), EcLevel::M).unwrap()),
        ("v2-h-byte", QrCode::with_version(b"JAHISTC08", Version::Normal(2), EcLevel::H).unwrap()),
        ("v7-q-jahis", QrCode::with_version(&bytes[..60], Version::Normal(7), EcLevel::Q).unwrap()),
    ];
    let mut kanji = Bits::new(Version::Normal(3));
    kanji.push_kanji_data(&encode_cp932("広島花子").0).unwrap();
    kanji.push_terminator(EcLevel::L).unwrap();
    seeds.push(("v3-l-kanji", QrCode::with_bits(kanji, EcLevel::L).unwrap()));
    let sa = structured_append(&bytes[..100], &[51], 4, EcLevel::M);
    seeds.extend(sa.into_iter().zip(["v4-m-sa-1", "v4-m-sa-2"]).map(|(code, name)| (name, code)));
    for (name, code) in seeds {
        let input = fuzz_input(&matrix(&code));
        // What the target reads back is this very symbol.
        let n = code.width();
        let dark = (0..n * n).map(|i| input[1 + i / 8] & (0x80 >> (i % 8)) != 0).collect();
        assert!(decode_grid(&ModuleMatrix::new(n, dark).unwrap()).is_ok());
        std::fs::write(dir.join(name), input).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any modules at any valid size: a symbol or a typed error, never a panic.
    #[test]
    fn arbitrary_grids_never_panic(version in 1usize..=40, seed in any::<u64>(), density in 1u64..=7) {
        let size = 17 + 4 * version;
        let mut rng = XorShift(seed | 1);
        let dark = (0..size * size).map(|_| (rng.below(8) as u64) < density).collect();
        let m = ModuleMatrix::new(size, dark).unwrap();
        let _ = decode_grid_payload(&m);
    }

    /// A real symbol with arbitrary modules flipped anywhere (function patterns included):
    /// decodes to the original data or fails with a typed error, never a panic.
    #[test]
    fn damaged_symbols_never_panic(version in 1u8..=10, level in 0usize..4, flips in prop::collection::vec((0usize..57, 0usize..57), 0..60)) {
        let code = QrCode::with_version(b"JAHIS", Version::Normal(i16::from(version)), LEVELS[level].0).unwrap();
        let mut m = matrix(&code);
        let n = code.width();
        for (x, y) in flips {
            m.flip(x % n, y % n);
        }
        let _ = decode_grid_payload(&m);
    }

    /// Up to a block's capacity of flipped data modules always gives back the data.
    #[test]
    fn damage_within_capacity_always_decodes(case in 0usize..CAPACITY.len(), seed in any::<u64>(), share in 1usize..=100) {
        let (version, level, capacity) = CAPACITY[case];
        let code = QrCode::with_version(b"JAHIS", Version::Normal(i16::from(version)), level).unwrap();
        let mut m = matrix(&code);
        for (x, y) in data_modules(&code, (capacity * share).div_ceil(100), seed) {
            m.flip(x, y);
        }
        let (symbol, payload) = decode_grid_payload(&m).unwrap();
        prop_assert_eq!(payload.data, b"JAHIS".to_vec());
        prop_assert!(symbol.corrected_errors <= capacity);
    }
}
