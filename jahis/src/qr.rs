//! A QR symbol's data codewords → Structured Append header and raw bytes (ISO/IEC 18004 §7.4).
//!
//! The input is what iOS's `CIQRCodeDescriptor.errorCorrectedPayload` gives: the data codewords
//! after error correction, mode indicators and padding included. The output is bytes, never
//! text: Kanji-mode characters become their Shift_JIS bytes, so a symbol can be concatenated
//! with the others of its group before anything is decoded.

use crate::error::{JahisError, Result};

/// The Structured Append header of one symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StructuredAppend {
    /// 0-based position in the group.
    pub position: u8,
    /// Symbols in the group (1–16).
    pub total: u8,
    /// XOR of every data byte of the whole message.
    pub parity: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QrPayload {
    pub structured_append: Option<StructuredAppend>,
    /// Data of every segment in order; Kanji as Shift_JIS, numeric and alphanumeric as ASCII.
    pub data: Vec<u8>,
    /// ECI designators met, in order (their bytes are passed through unchanged).
    pub eci: Vec<u32>,
}

const ALPHANUMERIC: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Parses the data codewords of a symbol of `version` (1–40; it sets the count widths).
pub fn parse_codewords(codewords: &[u8], version: u8) -> Result<QrPayload> {
    if !(1..=40).contains(&version) {
        return Err(JahisError::QrVersion { version });
    }
    // Character count indicator widths: numeric, alphanumeric, byte, kanji (Table 3).
    let widths: [usize; 4] = match version {
        1..=9 => [10, 9, 8, 8],
        10..=26 => [12, 11, 16, 10],
        _ => [14, 13, 16, 12],
    };
    let mut bits = Bits { data: codewords, pos: 0 };
    let mut out = QrPayload::default();
    // Fewer than 4 bits left is an implied terminator.
    while bits.remaining() >= 4 {
        let mode = bits.read(4, "mode")? as u8;
        match mode {
            0b0000 => break,
            0b0011 => {
                if out.structured_append.is_some() {
                    return Err(JahisError::QrDuplicateStructuredAppend);
                }
                let position = bits.read(4, "Structured Append")? as u8;
                let total = bits.read(4, "Structured Append")? as u8 + 1;
                let parity = bits.read(8, "Structured Append")? as u8;
                out.structured_append = Some(StructuredAppend { position, total, parity });
            }
            0b0111 => out.eci.push(read_eci(&mut bits)?),
            // FNC1 in first position carries nothing; in second position an application indicator.
            0b0101 => {}
            0b1001 => {
                bits.read(8, "FNC1")?;
            }
            0b0100 => {
                let count = bits.read(widths[2], "byte")?;
                bits.need(count * 8, "byte")?;
                out.data.reserve(count);
                for _ in 0..count {
                    out.data.push(bits.read(8, "byte")? as u8);
                }
            }
            0b1000 => {
                let count = bits.read(widths[3], "kanji")?;
                bits.need(count * 13, "kanji")?;
                for _ in 0..count {
                    out.data.extend_from_slice(&kanji_to_sjis(bits.read(13, "kanji")?)?);
                }
            }
            0b0001 => {
                let count = bits.read(widths[0], "numeric")?;
                numeric(&mut bits, count, &mut out.data)?;
            }
            0b0010 => {
                let count = bits.read(widths[1], "alphanumeric")?;
                alphanumeric(&mut bits, count, &mut out.data)?;
            }
            other => return Err(JahisError::QrUnsupportedMode { mode: other }),
        }
    }
    Ok(out)
}

/// 13 bits → a Shift_JIS pair (§7.4.6 run backwards).
fn kanji_to_sjis(v: usize) -> Result<[u8; 2]> {
    let packed = ((v / 0xC0) << 8) | (v % 0xC0);
    let sjis = if packed + 0x8140 <= 0x9FFC { packed + 0x8140 } else { packed + 0xC140 };
    let [hi, lo] = u16::try_from(sjis).map_err(|_| JahisError::QrInvalidValue { mode: "kanji" })?.to_be_bytes();
    if !(0x81..=0x9F).contains(&hi) && !(0xE0..=0xEB).contains(&hi) {
        return Err(JahisError::QrInvalidValue { mode: "kanji" });
    }
    Ok([hi, lo])
}

fn numeric(bits: &mut Bits<'_>, mut count: usize, out: &mut Vec<u8>) -> Result<()> {
    let mode = "numeric";
    while count > 0 {
        let (digits, width, max) = match count {
            1 => (1, 4, 9),
            2 => (2, 7, 99),
            _ => (3, 10, 999),
        };
        let v = bits.read(width, mode)?;
        if v > max {
            return Err(JahisError::QrInvalidValue { mode });
        }
        let text = format!("{v:0digits$}");
        out.extend_from_slice(text.as_bytes());
        count -= digits;
    }
    Ok(())
}

fn alphanumeric(bits: &mut Bits<'_>, mut count: usize, out: &mut Vec<u8>) -> Result<()> {
    let mode = "alphanumeric";
    let char_at = |i: usize| ALPHANUMERIC.get(i).copied().ok_or(JahisError::QrInvalidValue { mode });
    while count >= 2 {
        let v = bits.read(11, mode)?;
        out.push(char_at(v / 45)?);
        out.push(char_at(v % 45)?);
        count -= 2;
    }
    if count == 1 {
        out.push(char_at(bits.read(6, mode)?)?);
    }
    Ok(())
}

fn read_eci(bits: &mut Bits<'_>) -> Result<u32> {
    let first = bits.read(8, "ECI")?;
    let value = if first & 0x80 == 0 {
        first
    } else if first & 0xC0 == 0x80 {
        ((first & 0x3F) << 8) | bits.read(8, "ECI")?
    } else if first & 0xE0 == 0xC0 {
        ((first & 0x1F) << 16) | bits.read(16, "ECI")?
    } else {
        return Err(JahisError::QrInvalidValue { mode: "ECI" });
    };
    Ok(value as u32)
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn remaining(&self) -> usize {
        self.data.len() * 8 - self.pos
    }

    fn need(&self, n: usize, mode: &'static str) -> Result<()> {
        if n > self.remaining() { Err(JahisError::QrTruncated { mode }) } else { Ok(()) }
    }

    /// Reads `n` ≤ 24 bits, most significant first.
    fn read(&mut self, n: usize, mode: &'static str) -> Result<usize> {
        self.need(n, mode)?;
        let mut v = 0usize;
        for _ in 0..n {
            let byte = self.data[self.pos / 8];
            v = (v << 1) | usize::from((byte >> (7 - self.pos % 8)) & 1);
            self.pos += 1;
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kanji_values_map_to_both_shift_jis_ranges() {
        // 点 = 0x935F → 0x1AAA → 0x0D9F (the standard's example).
        assert_eq!(kanji_to_sjis(0x0D9F).ok(), Some([0x93, 0x5F]));
        // 茗 = 0xE4AA → 0x24AA → 0x1AAA.
        assert_eq!(kanji_to_sjis(0x1AAA).ok(), Some([0xE4, 0xAA]));
    }

    #[test]
    fn version_out_of_range() {
        assert_eq!(parse_codewords(&[], 0), Err(JahisError::QrVersion { version: 0 }));
        assert_eq!(parse_codewords(&[], 41), Err(JahisError::QrVersion { version: 41 }));
    }
}
