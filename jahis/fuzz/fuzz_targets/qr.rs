//! Any codewords and version: the bit-stream parser returns a payload or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use techo_jahis::parse_codewords;

fuzz_target!(|data: &[u8]| {
    let Some((version, codewords)) = data.split_first() else { return };
    if let Ok(payload) = parse_codewords(codewords, version % 42) {
        // Output can never be longer than what 8 bits per input bit could give.
        assert!(payload.data.len() <= codewords.len() * 8);
    }
});
