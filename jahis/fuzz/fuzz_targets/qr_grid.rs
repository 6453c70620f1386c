//! Any module grid: the first byte picks the version (size 4·v + 17, v = 1 + byte % 40), the
//! rest are the modules row by row, one per bit, most significant first (missing bits light).
//! `decode_grid` returns a symbol or a typed error, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use techo_jahis::{ModuleMatrix, decode_grid_payload};

fuzz_target!(|data: &[u8]| {
    let Some((first, bits)) = data.split_first() else { return };
    let size = 4 * (1 + usize::from(first % 40)) + 17;
    let dark = (0..size * size).map(|i| bits.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0)).collect();
    let Some(grid) = ModuleMatrix::new(size, dark) else { return };
    if let Ok((symbol, payload)) = decode_grid_payload(&grid) {
        assert!((1..=40).contains(&symbol.version));
        assert_eq!(4 * usize::from(symbol.version) + 17, size);
        assert!(payload.data.len() <= symbol.data_codewords.len() * 8);
    }
});
