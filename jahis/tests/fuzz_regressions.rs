//! Inputs the fuzz targets found, kept as regression tests (raw bytes, as the fuzzer wrote them),
//! and cases next to them written by hand (said at their test).

use techo_jahis::*;

fn input(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fuzz_regressions/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// What the `parse` target asserts: after one write, writing again reads back the same.
fn stable_after_one_write(bytes: &[u8]) {
    let Ok(first) = parse(bytes) else { return };
    let w1 = write(&first.document, first.document.direction).bytes;
    let second = parse(&w1).unwrap();
    let w2 = write(&second.document, second.document.direction).bytes;
    let third = parse(&w2).unwrap();
    if third.document != second.document {
        let (a, b) = (decode_cp932(&w1), decode_cp932(&w2));
        for (x, y) in a.lines().zip(b.lines()) {
            if x != y {
                panic!("first difference:\n{x:?}\n{y:?}");
            }
        }
        panic!("documents differ");
    }
}

#[test]
fn parse_stability_1() {
    stable_after_one_write(&input("parse-stability-1.bin"));
}

#[test]
fn parse_stability_2() {
    stable_after_one_write(&input("parse-stability-2.bin"));
}

/// Not from the fuzzer: the case next to `parse-stability-2` (an end-of-file byte alone on a
/// line, here with a stray `\r` after it, three times). Each write put one such line last and
/// the next read took it for the end of the file, so every round lost one record.
#[test]
fn parse_stability_3() {
    stable_after_one_write(&input("parse-stability-3.bin"));
}
