//! A QR symbol's module matrix → its error-corrected data codewords (ISO/IEC 18004 §7.5–§7.9 run
//! backwards), for photos of receipts: a detector (the core uses `rqrr`) finds the grid and
//! samples the modules; this reads them.
//!
//! ```text
//! size → version (version information checked for 7+)  format information → EC level, mask
//! function-pattern map → data modules in zig-zag order, unmasked → codewords
//! codewords → blocks (de-interleaved) → Reed–Solomon per block → data codewords → parse_codewords
//! ```
//!
//! Every step is checked arithmetic over the grid the caller hands in: any matrix gives a symbol
//! or a typed error. A grid that fails as given is tried once more transposed (a mirrored image).

use crate::error::{JahisError, Result};
use crate::qr::{QrPayload, parse_codewords};

/// A square matrix of modules as a detector sampled it; `(0, 0)` is the top-left module (the
/// corner with a finder pattern whose neighbours along x and y also have one).
pub trait ModuleGrid {
    /// Modules per side: 21, 25, … 177 for versions 1–40.
    fn size(&self) -> usize;
    /// Whether the module in column `x`, row `y` is dark. Called only with `x, y < size()`.
    fn is_dark(&self, x: usize, y: usize) -> bool;
}

/// A module matrix held in memory, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleMatrix {
    size: usize,
    dark: Vec<bool>,
}

impl ModuleMatrix {
    /// `dark` row by row (`dark[y * size + x]`); `None` unless it holds `size * size` modules.
    pub fn new(size: usize, dark: Vec<bool>) -> Option<Self> {
        (size.checked_mul(size)? == dark.len()).then_some(Self { size, dark })
    }

    /// Copies any grid.
    pub fn from_grid(grid: &dyn ModuleGrid) -> Self {
        let size = grid.size();
        let dark = (0..size).flat_map(|y| (0..size).map(move |x| (x, y))).map(|(x, y)| grid.is_dark(x, y)).collect();
        Self { size, dark }
    }

    /// Inverts one module (tests, damage simulation). Outside the matrix it does nothing.
    pub fn flip(&mut self, x: usize, y: usize) {
        if x < self.size
            && let Some(m) = self.dark.get_mut(y * self.size + x)
        {
            *m = !*m;
        }
    }
}

impl ModuleGrid for ModuleMatrix {
    fn size(&self) -> usize {
        self.size
    }
    fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && self.dark.get(y.saturating_mul(self.size).saturating_add(x)).copied().unwrap_or(false)
    }
}

/// The grid read with x and y swapped: what a mirrored image of the symbol looks like.
struct Transposed<'a>(&'a dyn ModuleGrid);

impl ModuleGrid for Transposed<'_> {
    fn size(&self) -> usize {
        self.0.size()
    }
    fn is_dark(&self, x: usize, y: usize) -> bool {
        self.0.is_dark(y, x)
    }
}

/// Error correction level (§7.5.1): the share of codewords that may be restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QrEcLevel {
    /// About 7 %.
    L,
    /// About 15 %.
    M,
    /// About 25 %.
    Q,
    /// About 30 %.
    H,
}

impl QrEcLevel {
    /// The two format-information bits (Table 12): L 01, M 00, Q 11, H 10.
    fn from_bits(bits: u16) -> Self {
        match bits & 0b11 {
            0b01 => Self::L,
            0b00 => Self::M,
            0b11 => Self::Q,
            _ => Self::H,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::L => 0,
            Self::M => 1,
            Self::Q => 2,
            Self::H => 3,
        }
    }
}

/// One symbol read from its modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedSymbol {
    /// 1–40.
    pub version: u8,
    pub ec_level: QrEcLevel,
    /// Mask pattern reference 0–7.
    pub mask: u8,
    /// The grid was read transposed (a mirrored image).
    pub mirrored: bool,
    /// Data codewords of all blocks in order, after error correction: what
    /// [`crate::parse_codewords`] reads.
    pub data_codewords: Vec<u8>,
    /// Codewords Reed–Solomon changed, over all blocks.
    pub corrected_errors: usize,
}

/// Reads a symbol's data codewords from its modules; on failure tries the transposed grid.
pub fn decode_grid(grid: &dyn ModuleGrid) -> Result<DecodedSymbol> {
    let first = match decode_oriented(grid) {
        Ok(symbol) => return Ok(symbol),
        Err(e) => e,
    };
    if matches!(first, JahisError::QrGridSize { .. }) {
        return Err(first);
    }
    match decode_oriented(&Transposed(grid)) {
        Ok(symbol) => Ok(DecodedSymbol { mirrored: true, ..symbol }),
        // The attempt that got further names the problem better: a format error as given and
        // anything later transposed means the image is mirrored and damaged.
        Err(second) if matches!(first, JahisError::QrFormat) => Err(second),
        Err(_) => Err(first),
    }
}

/// [`decode_grid`] and then [`crate::parse_codewords`] over the data codewords.
pub fn decode_grid_payload(grid: &dyn ModuleGrid) -> Result<(DecodedSymbol, QrPayload)> {
    let symbol = decode_grid(grid)?;
    let payload = parse_codewords(&symbol.data_codewords, symbol.version)?;
    Ok((symbol, payload))
}

fn decode_oriented(grid: &dyn ModuleGrid) -> Result<DecodedSymbol> {
    let size = grid.size();
    let version = version_from_size(size).ok_or(JahisError::QrGridSize { size })?;
    if version >= 7 {
        check_version_information(grid, size, version)?;
    }
    let (ec_level, mask) = read_format(grid, size)?;
    let layout = BlockLayout::of(version, ec_level);
    let function = function_map(version, size);
    let codewords = read_codewords(grid, size, &function, mask, layout.total_codewords())?;
    let mut data_codewords = Vec::with_capacity(layout.data_codewords());
    let mut corrected_errors = 0;
    for (index, mut block) in layout.deinterleave(&codewords).into_iter().enumerate() {
        let max_errors = (layout.ec_per_block.saturating_sub(layout.misdecode_protection)) / 2;
        corrected_errors += rs_correct(&mut block, layout.ec_per_block, max_errors)
            .ok_or(JahisError::QrUncorrectable { block: index })?;
        let data_len = block.len().saturating_sub(layout.ec_per_block);
        data_codewords.extend_from_slice(block.get(..data_len).unwrap_or_default());
    }
    Ok(DecodedSymbol { version, ec_level, mask, mirrored: false, data_codewords, corrected_errors })
}

fn version_from_size(size: usize) -> Option<u8> {
    let v = size.checked_sub(17)?;
    if !v.is_multiple_of(4) {
        return None;
    }
    u8::try_from(v / 4).ok().filter(|v| (1..=40).contains(v))
}

// --- format and version information (§7.9, §7.10, Annex C and D)

/// The valid 15-bit format codewords, indexed by the 5 data bits (EC level << 3 | mask): BCH(15,5)
/// with generator x¹⁰+x⁸+x⁵+x⁴+x²+x+1 (0x537), XORed with 0x5412.
fn format_codeword(data: u16) -> u16 {
    let mut rem = data << 10;
    for bit in (10..15).rev() {
        if rem & (1 << bit) != 0 {
            rem ^= 0x537 << (bit - 10);
        }
    }
    ((data << 10) | rem) ^ 0x5412
}

/// The 18-bit version codeword: BCH(18,6) with generator x¹²+x¹¹+x¹⁰+x⁹+x⁸+x⁵+x²+1 (0x1F25).
fn version_codeword(version: u32) -> u32 {
    let mut rem = version << 12;
    for bit in (12..18).rev() {
        if rem & (1 << bit) != 0 {
            rem ^= 0x1F25 << (bit - 12);
        }
    }
    (version << 12) | rem
}

/// Where format bit `i` (0 = least significant) sits in each of the two copies, as (x, y).
fn format_positions(size: usize) -> [[(usize, usize); 15]; 2] {
    let mut around_finder = [(0, 0); 15];
    let mut split = [(0, 0); 15];
    for (i, (a, b)) in around_finder.iter_mut().zip(split.iter_mut()).enumerate() {
        // Copy 1: up column 8 (skipping the timing row), then left along row 8 (skipping the timing column).
        *a = match i {
            0..=5 => (8, i),
            6 => (8, 7),
            7 => (8, 8),
            8 => (7, 8),
            _ => (14 - i, 8),
        };
        // Copy 2: bits 0–7 along row 8 under the top-right finder, 8–14 down column 8 beside the
        // bottom-left one.
        *b = if i < 8 { (size - 1 - i, 8) } else { (8, size - 15 + i) };
    }
    [around_finder, split]
}

/// EC level and mask from the nearer of the two copies to a valid codeword (≤ 3 bits apart).
fn read_format(grid: &dyn ModuleGrid, size: usize) -> Result<(QrEcLevel, u8)> {
    let mut best: Option<(u32, u16)> = None;
    for copy in format_positions(size) {
        let read = copy.iter().enumerate().fold(0u16, |acc, (i, &(x, y))| acc | (u16::from(grid.is_dark(x, y)) << i));
        for data in 0..32u16 {
            let distance = (format_codeword(data) ^ read).count_ones();
            if best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, data));
            }
        }
    }
    match best {
        Some((distance, data)) if distance <= 3 => Ok((QrEcLevel::from_bits(data >> 3), (data & 0b111) as u8)),
        _ => Err(JahisError::QrFormat),
    }
}

/// Version information bit `i` sits at (size − 11 + i % 3, i / 3) above the top-right finder and
/// transposed beside the bottom-left one. Either copy decoding (≤ 3 bits from a valid codeword)
/// to the version the size gives is enough; when neither decodes at all the size decides, and a
/// copy that clearly names another version is refused.
fn check_version_information(grid: &dyn ModuleGrid, size: usize, version: u8) -> Result<()> {
    let mut named_other = None;
    for transposed in [false, true] {
        let mut read = 0u32;
        for i in 0..18 {
            let (a, b) = (size - 11 + i % 3, i / 3);
            let dark = if transposed { grid.is_dark(b, a) } else { grid.is_dark(a, b) };
            read |= u32::from(dark) << i;
        }
        let nearest = (7..=40u8).map(|v| ((version_codeword(u32::from(v)) ^ read).count_ones(), v)).min();
        match nearest {
            Some((distance, v)) if distance <= 3 && v == version => return Ok(()),
            Some((distance, v)) if distance <= 3 => named_other = Some(v),
            _ => {}
        }
    }
    match named_other {
        Some(read) => Err(JahisError::QrVersionInformation { from_size: version, read }),
        None => Ok(()),
    }
}

// --- function patterns and data placement (§6.3, §7.7)

/// Alignment pattern centre coordinates (Annex E), the same list for rows and columns.
fn alignment_centres(version: u8) -> &'static [usize] {
    const TABLE: [&[usize]; 40] = [
        &[],
        &[6, 18],
        &[6, 22],
        &[6, 26],
        &[6, 30],
        &[6, 34],
        &[6, 22, 38],
        &[6, 24, 42],
        &[6, 26, 46],
        &[6, 28, 50],
        &[6, 30, 54],
        &[6, 32, 58],
        &[6, 34, 62],
        &[6, 26, 46, 66],
        &[6, 26, 48, 70],
        &[6, 26, 50, 74],
        &[6, 30, 54, 78],
        &[6, 30, 56, 82],
        &[6, 30, 58, 86],
        &[6, 34, 62, 90],
        &[6, 28, 50, 72, 94],
        &[6, 26, 50, 74, 98],
        &[6, 30, 54, 78, 102],
        &[6, 28, 54, 80, 106],
        &[6, 32, 58, 84, 110],
        &[6, 30, 58, 86, 114],
        &[6, 34, 62, 90, 118],
        &[6, 26, 50, 74, 98, 122],
        &[6, 30, 54, 78, 102, 126],
        &[6, 26, 52, 78, 104, 130],
        &[6, 30, 56, 82, 108, 134],
        &[6, 34, 60, 86, 112, 138],
        &[6, 30, 58, 86, 114, 142],
        &[6, 34, 62, 90, 118, 146],
        &[6, 30, 54, 78, 102, 126, 150],
        &[6, 24, 50, 76, 102, 128, 154],
        &[6, 28, 54, 80, 106, 132, 158],
        &[6, 32, 58, 84, 110, 136, 162],
        &[6, 26, 54, 82, 110, 138, 166],
        &[6, 30, 58, 86, 114, 142, 170],
    ];
    TABLE.get(usize::from(version).wrapping_sub(1)).copied().unwrap_or(&[])
}

/// `true` for every module that is not data: finders with separators and format areas, timing
/// patterns, alignment patterns, version areas and the dark module. Row by row.
fn function_map(version: u8, size: usize) -> Vec<bool> {
    let mut map = vec![false; size * size];
    let mut mark = |x: usize, y: usize| {
        if x < size
            && let Some(m) = map.get_mut(y * size + x)
        {
            *m = true;
        }
    };
    let far = size - 8;
    for y in 0..size {
        for x in 0..size {
            let top_left = x <= 8 && y <= 8;
            let top_right = x >= far && y <= 8;
            // Column 8 up to the dark module (size − 8) belongs to the format area too.
            let bottom_left = x <= 8 && y >= far;
            let timing = x == 6 || y == 6;
            let version_area =
                version >= 7 && ((x >= size - 11 && x < far && y < 6) || (y >= size - 11 && y < far && x < 6));
            if top_left || top_right || bottom_left || timing || version_area {
                mark(x, y);
            }
        }
    }
    let centres = alignment_centres(version);
    let last = centres.last().copied();
    for &cy in centres {
        for &cx in centres {
            // The three corners where a finder pattern sits.
            let first = Some(6);
            if (Some(cx) == first && Some(cy) == first)
                || (Some(cx) == first && Some(cy) == last)
                || (Some(cx) == last && Some(cy) == first)
            {
                continue;
            }
            for y in cy - 2..=cy + 2 {
                for x in cx - 2..=cx + 2 {
                    mark(x, y);
                }
            }
        }
    }
    map
}

/// Whether mask `mask` inverts the module in row `y`, column `x` (Table 10).
fn masked(mask: u8, x: usize, y: usize) -> bool {
    match mask {
        0 => (y + x).is_multiple_of(2),
        1 => y.is_multiple_of(2),
        2 => x.is_multiple_of(3),
        3 => (y + x).is_multiple_of(3),
        4 => (y / 2 + x / 3).is_multiple_of(2),
        5 => (y * x) % 2 + (y * x) % 3 == 0,
        6 => ((y * x) % 2 + (y * x) % 3).is_multiple_of(2),
        _ => ((y + x) % 2 + (y * x) % 3).is_multiple_of(2),
    }
}

/// The first `count` codewords in placement order: two-module-wide columns from the right edge,
/// alternately upwards and downwards, the right module of a pair first, the vertical timing
/// column skipped; each codeword most significant bit first. Bits past them are remainder bits.
fn read_codewords(grid: &dyn ModuleGrid, size: usize, function: &[bool], mask: u8, count: usize) -> Result<Vec<u8>> {
    let mut codewords = Vec::with_capacity(count);
    let (mut byte, mut bits) = (0u8, 0);
    let mut right = size - 1;
    let mut upward = true;
    'columns: loop {
        for step in 0..size {
            let y = if upward { size - 1 - step } else { step };
            for x in [right, right - 1] {
                if function.get(y * size + x).copied().unwrap_or(true) {
                    continue;
                }
                byte = (byte << 1) | u8::from(grid.is_dark(x, y) ^ masked(mask, x, y));
                bits += 1;
                if bits == 8 {
                    codewords.push(byte);
                    (byte, bits) = (0, 0);
                    if codewords.len() == count {
                        break 'columns;
                    }
                }
            }
        }
        upward = !upward;
        right = match right {
            // The pair left of the vertical timing pattern is columns 5 and 4.
            8 => 5,
            r if r >= 3 => r - 2,
            _ => break,
        };
    }
    if codewords.len() == count {
        Ok(codewords)
    } else {
        // Only a wrong block table could get here; refuse rather than read garbage.
        Err(JahisError::QrGridSize { size })
    }
}

// --- blocks (§7.5.2, Table 9)

/// EC codewords per block, then blocks and data codewords per block of group 1 and of group 2.
type BlockRow = (u8, u8, u8, u8, u8);

/// Per version 1–40 and level L, M, Q, H (Table 9).
const BLOCKS: [[BlockRow; 4]; 40] = [
    [(7, 1, 19, 0, 0), (10, 1, 16, 0, 0), (13, 1, 13, 0, 0), (17, 1, 9, 0, 0)],
    [(10, 1, 34, 0, 0), (16, 1, 28, 0, 0), (22, 1, 22, 0, 0), (28, 1, 16, 0, 0)],
    [(15, 1, 55, 0, 0), (26, 1, 44, 0, 0), (18, 2, 17, 0, 0), (22, 2, 13, 0, 0)],
    [(20, 1, 80, 0, 0), (18, 2, 32, 0, 0), (26, 2, 24, 0, 0), (16, 4, 9, 0, 0)],
    [(26, 1, 108, 0, 0), (24, 2, 43, 0, 0), (18, 2, 15, 2, 16), (22, 2, 11, 2, 12)],
    [(18, 2, 68, 0, 0), (16, 4, 27, 0, 0), (24, 4, 19, 0, 0), (28, 4, 15, 0, 0)],
    [(20, 2, 78, 0, 0), (18, 4, 31, 0, 0), (18, 2, 14, 4, 15), (26, 4, 13, 1, 14)],
    [(24, 2, 97, 0, 0), (22, 2, 38, 2, 39), (22, 4, 18, 2, 19), (26, 4, 14, 2, 15)],
    [(30, 2, 116, 0, 0), (22, 3, 36, 2, 37), (20, 4, 16, 4, 17), (24, 4, 12, 4, 13)],
    [(18, 2, 68, 2, 69), (26, 4, 43, 1, 44), (24, 6, 19, 2, 20), (28, 6, 15, 2, 16)],
    [(20, 4, 81, 0, 0), (30, 1, 50, 4, 51), (28, 4, 22, 4, 23), (24, 3, 12, 8, 13)],
    [(24, 2, 92, 2, 93), (22, 6, 36, 2, 37), (26, 4, 20, 6, 21), (28, 7, 14, 4, 15)],
    [(26, 4, 107, 0, 0), (22, 8, 37, 1, 38), (24, 8, 20, 4, 21), (22, 12, 11, 4, 12)],
    [(30, 3, 115, 1, 116), (24, 4, 40, 5, 41), (20, 11, 16, 5, 17), (24, 11, 12, 5, 13)],
    [(22, 5, 87, 1, 88), (24, 5, 41, 5, 42), (30, 5, 24, 7, 25), (24, 11, 12, 7, 13)],
    [(24, 5, 98, 1, 99), (28, 7, 45, 3, 46), (24, 15, 19, 2, 20), (30, 3, 15, 13, 16)],
    [(28, 1, 107, 5, 108), (28, 10, 46, 1, 47), (28, 1, 22, 15, 23), (28, 2, 14, 17, 15)],
    [(30, 5, 120, 1, 121), (26, 9, 43, 4, 44), (28, 17, 22, 1, 23), (28, 2, 14, 19, 15)],
    [(28, 3, 113, 4, 114), (26, 3, 44, 11, 45), (26, 17, 21, 4, 22), (26, 9, 13, 16, 14)],
    [(28, 3, 107, 5, 108), (26, 3, 41, 13, 42), (30, 15, 24, 5, 25), (28, 15, 15, 10, 16)],
    [(28, 4, 116, 4, 117), (26, 17, 42, 0, 0), (28, 17, 22, 6, 23), (30, 19, 16, 6, 17)],
    [(28, 2, 111, 7, 112), (28, 17, 46, 0, 0), (30, 7, 24, 16, 25), (24, 34, 13, 0, 0)],
    [(30, 4, 121, 5, 122), (28, 4, 47, 14, 48), (30, 11, 24, 14, 25), (30, 16, 15, 14, 16)],
    [(30, 6, 117, 4, 118), (28, 6, 45, 14, 46), (30, 11, 24, 16, 25), (30, 30, 16, 2, 17)],
    [(26, 8, 106, 4, 107), (28, 8, 47, 13, 48), (30, 7, 24, 22, 25), (30, 22, 15, 13, 16)],
    [(28, 10, 114, 2, 115), (28, 19, 46, 4, 47), (28, 28, 22, 6, 23), (30, 33, 16, 4, 17)],
    [(30, 8, 122, 4, 123), (28, 22, 45, 3, 46), (30, 8, 23, 26, 24), (30, 12, 15, 28, 16)],
    [(30, 3, 117, 10, 118), (28, 3, 45, 23, 46), (30, 4, 24, 31, 25), (30, 11, 15, 31, 16)],
    [(30, 7, 116, 7, 117), (28, 21, 45, 7, 46), (30, 1, 23, 37, 24), (30, 19, 15, 26, 16)],
    [(30, 5, 115, 10, 116), (28, 19, 47, 10, 48), (30, 15, 24, 25, 25), (30, 23, 15, 25, 16)],
    [(30, 13, 115, 3, 116), (28, 2, 46, 29, 47), (30, 42, 24, 1, 25), (30, 23, 15, 28, 16)],
    [(30, 17, 115, 0, 0), (28, 10, 46, 23, 47), (30, 10, 24, 35, 25), (30, 19, 15, 35, 16)],
    [(30, 17, 115, 1, 116), (28, 14, 46, 21, 47), (30, 29, 24, 19, 25), (30, 11, 15, 46, 16)],
    [(30, 13, 115, 6, 116), (28, 14, 46, 23, 47), (30, 44, 24, 7, 25), (30, 59, 16, 1, 17)],
    [(30, 12, 121, 7, 122), (28, 12, 47, 26, 48), (30, 39, 24, 14, 25), (30, 22, 15, 41, 16)],
    [(30, 6, 121, 14, 122), (28, 6, 47, 34, 48), (30, 46, 24, 10, 25), (30, 2, 15, 64, 16)],
    [(30, 17, 122, 4, 123), (28, 29, 46, 14, 47), (30, 49, 24, 10, 25), (30, 24, 15, 46, 16)],
    [(30, 4, 122, 18, 123), (28, 13, 46, 32, 47), (30, 48, 24, 14, 25), (30, 42, 15, 32, 16)],
    [(30, 20, 117, 4, 118), (28, 40, 47, 7, 48), (30, 43, 24, 22, 25), (30, 10, 15, 67, 16)],
    [(30, 19, 118, 6, 119), (28, 18, 47, 31, 48), (30, 34, 24, 34, 25), (30, 20, 15, 61, 16)],
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BlockLayout {
    ec_per_block: usize,
    /// (blocks, data codewords per block); group 2's blocks are one codeword longer.
    groups: [(usize, usize); 2],
    /// Codewords of each block's EC part kept for misdecode protection rather than correction
    /// (the "p" of Table 9, non-zero only in the smallest symbols).
    misdecode_protection: usize,
}

impl BlockLayout {
    fn of(version: u8, level: QrEcLevel) -> Self {
        let (ec, b1, d1, b2, d2) = BLOCKS
            .get(usize::from(version).wrapping_sub(1))
            .and_then(|row| row.get(level.index()))
            .copied()
            .unwrap_or((0, 0, 0, 0, 0));
        let misdecode_protection = match (version, level) {
            (1, QrEcLevel::L) => 3,
            (1, QrEcLevel::M) | (2, QrEcLevel::L) => 2,
            (1, QrEcLevel::Q) | (3, QrEcLevel::L) => 1,
            _ => 0,
        };
        Self {
            ec_per_block: usize::from(ec),
            groups: [(usize::from(b1), usize::from(d1)), (usize::from(b2), usize::from(d2))],
            misdecode_protection,
        }
    }

    fn data_codewords(&self) -> usize {
        self.groups.iter().map(|&(blocks, data)| blocks * data).sum()
    }

    fn total_codewords(&self) -> usize {
        self.groups.iter().map(|&(blocks, data)| blocks * (data + self.ec_per_block)).sum()
    }

    /// Interleaved codewords → each block's data then EC codewords. Data codewords went out
    /// column by column over the blocks (shorter blocks run out first), then EC codewords alike.
    fn deinterleave(&self, codewords: &[u8]) -> Vec<Vec<u8>> {
        let data_lens: Vec<usize> =
            self.groups.iter().flat_map(|&(blocks, data)| std::iter::repeat_n(data, blocks)).collect();
        let mut blocks: Vec<Vec<u8>> = data_lens.iter().map(|&d| Vec::with_capacity(d + self.ec_per_block)).collect();
        let mut next = codewords.iter().copied();
        let longest = data_lens.iter().copied().max().unwrap_or(0);
        for i in 0..longest {
            for (block, &len) in blocks.iter_mut().zip(&data_lens) {
                if i < len {
                    block.extend(next.next());
                }
            }
        }
        for _ in 0..self.ec_per_block {
            for block in &mut blocks {
                block.extend(next.next());
            }
        }
        blocks
    }
}

// --- Reed–Solomon over GF(256), primitive polynomial x⁸+x⁴+x³+x²+1 (0x11D), generator roots
// α⁰ … α^(ec−1) (§7.5.2, Annex B)

struct Gf {
    exp: [u8; 512],
    log: [u8; 256],
}

static GF: Gf = {
    let mut exp = [0u8; 512];
    let mut log = [0u8; 256];
    let mut x: u16 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = x as u8;
        exp[i + 255] = x as u8;
        log[x as usize] = i as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= 0x11D;
        }
        i += 1;
    }
    // exp[510], exp[511] never read: products index at most 254 + 254.
    Gf { exp, log }
};

fn mul(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 { 0 } else { GF.exp[usize::from(GF.log[usize::from(a)]) + usize::from(GF.log[usize::from(b)])] }
}

/// a / b; b is never 0 where it is called (0 is returned if it were).
fn div(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        0
    } else {
        GF.exp[usize::from(GF.log[usize::from(a)]) + 255 - usize::from(GF.log[usize::from(b)])]
    }
}

/// α^e for any e ≥ 0.
fn pow_alpha(e: usize) -> u8 {
    GF.exp[e % 255]
}

/// p(x) with p[i] the coefficient of xⁱ.
fn eval(poly: &[u8], x: u8) -> u8 {
    poly.iter().rev().fold(0, |acc, &c| mul(acc, x) ^ c)
}

/// Corrects `block` (data then `ec` EC codewords, first codeword the highest power) in place.
/// Returns the number of codewords changed, or `None` when more than `max_errors` codewords are
/// wrong or the errors cannot be located consistently.
fn rs_correct(block: &mut [u8], ec: usize, max_errors: usize) -> Option<usize> {
    let n = block.len();
    if ec == 0 || n > 255 || ec >= n {
        return None;
    }
    // r(x) = Σ block[k]·x^(n−1−k); S_j = r(α^j).
    let syndrome = |block: &[u8], j: usize| block.iter().fold(0u8, |acc, &c| mul(acc, pow_alpha(j)) ^ c);
    let syndromes: Vec<u8> = (0..ec).map(|j| syndrome(block, j)).collect();
    if syndromes.iter().all(|&s| s == 0) {
        return Some(0);
    }

    // Berlekamp–Massey: the shortest LFSR Λ(x) generating the syndromes.
    let mut lambda = vec![1u8];
    let mut prev = vec![1u8];
    let mut len = 0usize;
    let mut shift = 1usize;
    let mut prev_discrepancy = 1u8;
    for k in 0..ec {
        let mut d = syndromes[k];
        for i in 1..=len.min(k) {
            d ^= mul(lambda.get(i).copied().unwrap_or(0), syndromes[k - i]);
        }
        if d == 0 {
            shift += 1;
            continue;
        }
        let scale = div(d, prev_discrepancy);
        let mut next = lambda.clone();
        if next.len() < prev.len() + shift {
            next.resize(prev.len() + shift, 0);
        }
        for (i, &p) in prev.iter().enumerate() {
            next[i + shift] ^= mul(scale, p);
        }
        if 2 * len <= k {
            prev = std::mem::replace(&mut lambda, next);
            len = k + 1 - len;
            prev_discrepancy = d;
            shift = 1;
        } else {
            lambda = next;
            shift += 1;
        }
    }
    lambda.truncate(len + 1);
    if len == 0 || len > max_errors || lambda.len() != len + 1 || lambda[len] == 0 {
        return None;
    }

    // Chien search: codeword k is wrong when Λ(X⁻¹) = 0 for its locator X = α^(n−1−k).
    let positions: Vec<usize> = (0..n).filter(|&k| eval(&lambda, pow_alpha(255 - (n - 1 - k) % 255)) == 0).collect();
    if positions.len() != len {
        return None;
    }

    // Forney: Ω(x) = S(x)·Λ(x) mod x^ec; e = X·Ω(X⁻¹)/Λ'(X⁻¹) (first root α⁰).
    let mut omega = vec![0u8; ec];
    for (i, &l) in lambda.iter().enumerate() {
        for (j, &s) in syndromes.iter().enumerate() {
            if let Some(o) = omega.get_mut(i + j) {
                *o ^= mul(l, s);
            }
        }
    }
    // Formal derivative in characteristic 2: only odd powers survive, each one degree lower.
    let derivative: Vec<u8> = lambda.iter().enumerate().skip(1).map(|(i, &c)| if i % 2 == 1 { c } else { 0 }).collect();
    for &k in &positions {
        let x = pow_alpha(n - 1 - k);
        let x_inv = div(1, x);
        let denominator = eval(&derivative, x_inv);
        if denominator == 0 {
            return None;
        }
        let magnitude = mul(x, div(eval(&omega, x_inv), denominator));
        block[k] ^= magnitude;
    }
    if (0..ec).any(|j| syndrome(block, j) != 0) {
        return None;
    }
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The data modules the map leaves, in whole codewords, are exactly what Table 9 spends,
    /// and the remainder bits are those of Table 1 (0, 3, 4 or 7).
    #[test]
    fn block_table_fills_the_data_modules_of_every_version() {
        for version in 1..=40u8 {
            let size = 17 + 4 * usize::from(version);
            let data_modules = function_map(version, size).iter().filter(|f| !**f).count();
            let remainder = match version {
                2..=6 => 7,
                14..=20 | 28..=34 => 3,
                21..=27 => 4,
                _ => 0,
            };
            for level in [QrEcLevel::L, QrEcLevel::M, QrEcLevel::Q, QrEcLevel::H] {
                let layout = BlockLayout::of(version, level);
                assert_eq!(layout.total_codewords() * 8 + remainder, data_modules, "version {version} {level:?}");
                let (b1, d1) = layout.groups[0];
                let (b2, d2) = layout.groups[1];
                assert!(b1 > 0 && (b2 == 0 || d2 == d1 + 1), "version {version} {level:?}");
            }
        }
    }

    #[test]
    fn format_and_version_codewords_match_the_standard_examples() {
        // Annex C: M, mask 101 → 100000011001110.
        assert_eq!(format_codeword(0b00101), 0b100000011001110);
        // Annex D: version 7 → 000111110010010100.
        assert_eq!(version_codeword(7), 0b000111110010010100);
    }

    #[test]
    fn reed_solomon_corrects_up_to_capacity_and_refuses_beyond() {
        // A codeword of the generator with roots α⁰…α⁹: encode by polynomial division.
        let data = b"JAHISTC08,1\r\n1,";
        let ec = 10;
        let mut generator = vec![1u8];
        for j in 0..ec {
            let mut next = vec![0u8; generator.len() + 1];
            for (i, &g) in generator.iter().enumerate() {
                next[i] ^= g;
                next[i + 1] ^= mul(g, pow_alpha(j));
            }
            generator = next;
        }
        let mut rem = data.to_vec();
        rem.resize(data.len() + ec, 0);
        for i in 0..data.len() {
            let c = rem[i];
            for (k, &g) in generator.iter().enumerate() {
                rem[i + k] ^= mul(c, g);
            }
        }
        let mut block = data.to_vec();
        block.extend_from_slice(&rem[data.len()..]);
        assert_eq!(rs_correct(&mut block.clone(), ec, 5), Some(0));
        let mut damaged = block.clone();
        for k in [0, 3, 7, 16, 24] {
            damaged[k] ^= 0x5A;
        }
        assert_eq!(rs_correct(&mut damaged, ec, 5), Some(5));
        assert_eq!(damaged, block);
        let mut hopeless = block.clone();
        for k in [0, 3, 7, 16, 20, 24] {
            hopeless[k] ^= 0xA5;
        }
        assert_eq!(rs_correct(&mut hopeless, ec, 5), None);
    }

    /// A 15-bit word at least 4 bits from every format codeword, in both copies: refused as a
    /// format error, as given and transposed.
    #[test]
    fn unreadable_format_information_is_a_format_error() {
        let far = (0..1u16 << 15)
            .find(|&w| (0..32).all(|d| (format_codeword(d) ^ w).count_ones() >= 4))
            .expect("the code's covering radius is above 3");
        let size = 21;
        let mut grid = ModuleMatrix { size, dark: vec![false; size * size] };
        for copy in format_positions(size) {
            for (i, (x, y)) in copy.into_iter().enumerate() {
                grid.dark[y * size + x] = far & (1 << i) != 0;
            }
        }
        assert_eq!(decode_grid(&grid), Err(JahisError::QrFormat));
    }

    /// Both version areas naming version 8 on a version 7 grid.
    #[test]
    fn version_information_naming_another_version_is_refused() {
        let size = 45;
        let mut grid = ModuleMatrix { size, dark: vec![false; size * size] };
        let word = version_codeword(8);
        for i in 0..18 {
            let (a, b) = (size - 11 + i % 3, i / 3);
            let dark = word & (1 << i) != 0;
            grid.dark[b * size + a] = dark;
            grid.dark[a * size + b] = dark;
        }
        assert_eq!(decode_grid(&grid), Err(JahisError::QrVersionInformation { from_size: 7, read: 8 }));
        // Version 7's own codeword (Annex D: 0x07C94) passes the check.
        assert_eq!(version_codeword(7), 0x07C94);
        assert_eq!(version_codeword(8), 0x085BC);
    }

    #[test]
    fn sizes_outside_the_versions_are_refused() {
        for size in [0, 1, 17, 20, 22, 181, usize::MAX] {
            let grid = ModuleMatrix { size, dark: Vec::new() };
            assert_eq!(decode_grid(&grid), Err(JahisError::QrGridSize { size }));
        }
    }
}
