//! Any bytes: parse never panics, and a document read back after one write is stable
//! (what is written a second time reads as the first write did).
#![no_main]

use libfuzzer_sys::fuzz_target;
use techo_jahis::{parse, write};

fuzz_target!(|data: &[u8]| {
    let Ok(first) = parse(data) else { return };
    let _ = first.blocks_with_errors();
    let second = parse(&write(&first.document, first.document.direction).bytes).expect("written output parses");
    let third = parse(&write(&second.document, second.document.direction).bytes).expect("written output parses");
    assert_eq!(third.document, second.document);
});
