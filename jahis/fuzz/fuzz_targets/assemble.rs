//! A scan session: the input is a sequence of scans (Structured Append symbols with arbitrary
//! headers, whole payloads, codeword streams), cut mid-character and out of order at will.
//! Nothing may panic, and every document the assembler releases must parse or be refused with
//! a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use techo_jahis::{Assembler, StructuredAppend, parse};

fuzz_target!(|data: &[u8]| {
    let mut asm = Assembler::new();
    let mut rest = data;
    while let [op, len, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (chunk, next) = tail.split_at(len);
        rest = next;
        let _ = match op % 4 {
            0 => asm.push_payload(chunk),
            1 => asm.push_codewords(chunk, 1 + op / 4 % 40),
            // Structured Append: header from the op byte and the chunk's first two bytes.
            _ => match chunk {
                [a, b, body @ ..] => {
                    let sa = StructuredAppend { position: a >> 4, total: (a & 0x0F) + 1, parity: *b };
                    asm.push_symbol(Some(sa), body)
                }
                _ => asm.push_symbol(None, chunk),
            },
        };
        let progress = asm.progress();
        for group in &progress.pending {
            assert!(group.have < group.total);
        }
    }
    for doc in asm.take_documents() {
        let _ = parse(&doc);
    }
});
