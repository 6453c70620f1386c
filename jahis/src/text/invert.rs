//! CP932's encoder index read off its decoder table, so the phone library ships one table (the
//! decoder's) instead of two: built at run time on the first encode, and by `build.rs`, which
//! checks it against encoding_rs and keeps only the characters it gets wrong.

/// Lead bytes 0x81..=0x9F come first in the decoder table, then 0xE0..=0xFC.
const LOW_LEADS: usize = 0x9F - 0x81 + 1;
/// Trail bytes 0x40..=0x7E come first in each row, then 0x80..=0xFC.
const LOW_TRAILS: usize = 0x7E - 0x40 + 1;
/// Columns per row.
const TRAILS: usize = LOW_TRAILS + (0xFC - 0x80 + 1);
/// WHATWG's encoder skips the pointers of the NEC-selected IBM extensions (lead bytes 0xED and
/// 0xEE), so those characters encode to IBM's own codes (0xFA..=0xFC).
const NEC_SELECTED_IBM: std::ops::RangeInclusive<usize> = 8272..=8835;
/// User-defined characters decode into the Private Use Area, but WHATWG's encoder has no
/// pointer for them.
const PRIVATE_USE: std::ops::RangeInclusive<u16> = 0xE000..=0xF8FF;

/// For every BMP character (the index), its bytes as lead byte high and trail byte low, or 0
/// when the decoder table does not produce it: of a character's codes the first in table order,
/// as WHATWG's "index Shift_JIS pointer" picks. `decode` is the table as `build.rs` writes
/// `DECODE`. A direct table (128 KB, only while exporting) rather than a sorted list: no sort.
pub(crate) fn invert(decode: &[u16]) -> Vec<u16> {
    let mut index = vec![0u16; 1 << 16];
    for (pointer, &unit) in decode.iter().enumerate().rev() {
        if unit == 0 || NEC_SELECTED_IBM.contains(&pointer) || PRIVATE_USE.contains(&unit) {
            continue;
        }
        let (row, column) = (pointer / TRAILS, pointer % TRAILS);
        let lead = if row < LOW_LEADS { 0x81 + row } else { 0xE0 + row - LOW_LEADS };
        let trail = if column < LOW_TRAILS { 0x40 + column } else { 0x80 + column - LOW_TRAILS };
        // Backwards, so the first code in table order is written last and stays.
        index[usize::from(unit)] = u16::try_from(lead << 8 | trail).unwrap_or(0);
    }
    index
}
