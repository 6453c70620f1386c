//! Helpers the integration tests share: vectors as a producer writes them, and a QR bit
//! stream encoder (ISO/IEC 18004 §7.4, written for these tests) to feed the segment parser.
#![allow(dead_code)]

use std::path::PathBuf;

/// `tests/vectors/<name>` (UTF-8, LF) as CP932 with CRLF after every line.
pub fn vector(name: &str) -> Vec<u8> {
    crlf_cp932(&vector_text(name))
}

pub fn vector_text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Lines of `text` (LF or CRLF) re-joined with CRLF after each, encoded as CP932.
pub fn crlf_cp932(text: &str) -> Vec<u8> {
    let mut joined = String::new();
    for line in text.lines() {
        joined.push_str(line);
        joined.push_str("\r\n");
    }
    let (bytes, unmappable) = techo_jahis::encode_cp932(&joined);
    assert!(unmappable.is_empty(), "vector holds characters CP932 cannot encode");
    bytes
}

pub fn xor(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |a, b| a ^ b)
}

/// Bits, most significant first.
#[derive(Default)]
pub struct BitWriter {
    pub bytes: Vec<u8>,
    bits: usize,
}

impl BitWriter {
    pub fn put(&mut self, value: u32, n: usize) {
        for i in (0..n).rev() {
            if self.bits.is_multiple_of(8) {
                self.bytes.push(0);
            }
            let bit = ((value >> i) & 1) as u8;
            let last = self.bytes.len() - 1;
            self.bytes[last] |= bit << (7 - self.bits % 8);
            self.bits += 1;
        }
    }
    pub fn len_bits(&self) -> usize {
        self.bits
    }
}

pub enum Segment<'a> {
    StructuredAppend {
        position: u8,
        total: u8,
        parity: u8,
    },
    Bytes(&'a [u8]),
    /// Shift_JIS pairs, each in 0x8140–0x9FFC or 0xE040–0xEBBF.
    Kanji(&'a [u8]),
    Numeric(&'a str),
    Alphanumeric(&'a str),
    Eci(u32),
}

fn widths(version: u8) -> [usize; 4] {
    match version {
        1..=9 => [10, 9, 8, 8],
        10..=26 => [12, 11, 16, 10],
        _ => [14, 13, 16, 12],
    }
}

/// Encodes segments, a terminator and pad codewords up to `capacity` bytes (if larger).
pub fn encode(segments: &[Segment<'_>], version: u8, capacity: usize) -> Vec<u8> {
    let w = widths(version);
    let mut b = BitWriter::default();
    for s in segments {
        match *s {
            Segment::StructuredAppend { position, total, parity } => {
                b.put(0b0011, 4);
                b.put(position.into(), 4);
                b.put((total - 1).into(), 4);
                b.put(parity.into(), 8);
            }
            Segment::Bytes(data) => {
                b.put(0b0100, 4);
                b.put(data.len() as u32, w[2]);
                data.iter().for_each(|&x| b.put(x.into(), 8));
            }
            Segment::Kanji(sjis) => {
                b.put(0b1000, 4);
                b.put((sjis.len() / 2) as u32, w[3]);
                for pair in sjis.chunks(2) {
                    let code = u32::from(pair[0]) << 8 | u32::from(pair[1]);
                    let t = if code <= 0x9FFC { code - 0x8140 } else { code - 0xC140 };
                    b.put((t >> 8) * 0xC0 + (t & 0xFF), 13);
                }
            }
            Segment::Numeric(digits) => {
                b.put(0b0001, 4);
                b.put(digits.len() as u32, w[0]);
                for chunk in digits.as_bytes().chunks(3) {
                    let v: u32 = std::str::from_utf8(chunk).unwrap().parse().unwrap();
                    b.put(v, [0, 4, 7, 10][chunk.len()]);
                }
            }
            Segment::Alphanumeric(text) => {
                const TABLE: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
                let idx = |c: &u8| TABLE.iter().position(|t| t == c).unwrap() as u32;
                b.put(0b0010, 4);
                b.put(text.len() as u32, w[1]);
                for pair in text.as_bytes().chunks(2) {
                    match pair {
                        [x, y] => b.put(idx(x) * 45 + idx(y), 11),
                        [x] => b.put(idx(x), 6),
                        _ => unreachable!(),
                    }
                }
            }
            Segment::Eci(v) => {
                b.put(0b0111, 4);
                match v {
                    0..=127 => b.put(v, 8),
                    128..=16383 => b.put(0b10 << 14 | v, 16),
                    _ => b.put(0b110 << 21 | v, 24),
                }
            }
        }
    }
    // Terminator (shortened at the end of capacity), bit padding, pad codewords.
    let left = (capacity * 8).saturating_sub(b.len_bits());
    b.put(0, left.min(4));
    let fill = (8 - b.len_bits() % 8) % 8;
    b.put(0, fill);
    let mut pad = [0xEC, 0x11].into_iter().cycle();
    while b.bytes.len() < capacity {
        b.bytes.push(pad.next().unwrap());
    }
    b.bytes
}

/// Encodes CP932 bytes the way a printer might: runs of Kanji-mode pairs as Kanji segments,
/// everything else as byte segments. Returns the segments' codewords.
pub fn encode_mixed(data: &[u8], sa: Option<(u8, u8, u8)>, version: u8) -> Vec<u8> {
    let mut segments = Vec::new();
    if let Some((position, total, parity)) = sa {
        segments.push(Segment::StructuredAppend { position, total, parity });
    }
    let is_kanji = |hi: u8, lo: u8| {
        let code = u16::from(hi) << 8 | u16::from(lo);
        ((0x8140..=0x9FFC).contains(&code) || (0xE040..=0xEBBF).contains(&code)) && lo >= 0x40 && lo != 0x7F
    };
    let mut i = 0;
    let mut start = 0;
    while i < data.len() {
        if i + 1 < data.len() && is_kanji(data[i], data[i + 1]) {
            let k = i;
            while i + 1 < data.len() && is_kanji(data[i], data[i + 1]) {
                i += 2;
            }
            if start < k {
                segments.push(Segment::Bytes(&data[start..k]));
            }
            segments.push(Segment::Kanji(&data[k..i]));
            start = i;
        } else {
            // A lead byte of a non-Kanji pair (or half-width kana, ASCII) goes out as bytes,
            // with its trail byte so the pair check restarts at a character boundary.
            let lead = matches!(data[i], 0x81..=0x9F | 0xE0..=0xFC);
            i += if lead { 2 } else { 1 };
        }
    }
    if start < data.len() {
        segments.push(Segment::Bytes(&data[start..data.len().min(data.len())]));
    }
    encode(&segments, version, 0)
}
