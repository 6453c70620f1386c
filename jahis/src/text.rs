//! CP932 in and out, and the Shift_JIS byte length the spec's maximums count.
//!
//! CP932 / Windows-31J is what WHATWG calls Shift_JIS: NEC and IBM extensions (①, ㈱) decode,
//! and 0x5C stays `\` instead of becoming `¥`. The codec is WHATWG's (as encoding_rs implements
//! it) with the decoder table `build.rs` takes from encoding_rs's `SHIFT_JIS` (linking
//! encoding_rs brought every other encoding's tables into the phone library); the encoder reads
//! that table inverted (`invert`) and a short list of exceptions. The tests compare both ways against
//! encoding_rs, every one- and two-byte input exhaustively.

mod invert;

/// The tables `build.rs` generates: `DECODE` (with `LEAD_ROWS` and `TRAIL_COLUMNS` to index it),
/// `EXCEPTION_CHARS` and `EXCEPTION_BYTES`.
mod tables {
    include!(concat!(env!("OUT_DIR"), "/cp932_tables.rs"));
}

/// The end-of-file byte MS-DOS text may end with.
const EOF_BYTE: u8 = 0x1A;

/// Decodes CP932; invalid sequences become U+FFFD (the parser reports the lines that hold one).
pub fn decode_cp932(bytes: &[u8]) -> String {
    decode_cp932_checked(bytes).0
}

/// Decodes CP932 and says whether anything was replaced.
pub(crate) fn decode_cp932_checked(bytes: &[u8]) -> (String, bool) {
    // No BOM sniffing: JAHIS data is CP932 whatever its first bytes look like.
    decode(strip_eof(bytes))
}

/// The WHATWG Shift_JIS decoder, byte for byte what encoding_rs's `decode_without_bom_handling`
/// gives, including where an error resumes.
fn decode(bytes: &[u8]) -> (String, bool) {
    // Enough for ASCII and double-byte characters (at most one more byte of UTF-8 per non-ASCII
    // byte); only half-width katakana and errors can outgrow it. The parser keeps this string, so
    // a tight bound is memory saved for the document's life.
    let mut out = String::with_capacity(bytes.len() + count_non_ascii(bytes));
    let mut replaced = false;
    let mut rest = bytes;
    while let Some((&b, tail)) = rest.split_first() {
        rest = if b.is_ascii() {
            push_ascii_run(&mut out, rest)
        } else if tables::LEAD_ROWS[usize::from(b)] != tables::NONE {
            match push_double_byte_run(&mut out, rest) {
                decoded if decoded.len() < rest.len() => decoded,
                // The first pair is an error, or the lead byte is the last byte.
                _ => {
                    out.push(char::REPLACEMENT_CHARACTER);
                    replaced = true;
                    match tail.split_first() {
                        // WHATWG hands an ASCII trail back to be read on its own, so one bad
                        // lead byte does not swallow the `,` or line end after it.
                        Some((trail, after)) if !trail.is_ascii() => after,
                        _ => tail,
                    }
                }
            }
        } else {
            match b {
                0x80 => out.push('\u{80}'),
                0xA1..=0xDF => {
                    out.push(char::from_u32(0xFF61 + u32::from(b - 0xA1)).unwrap_or(char::REPLACEMENT_CHARACTER))
                }
                // 0xA0, 0xFD..=0xFF
                _ => {
                    out.push(char::REPLACEMENT_CHARACTER);
                    replaced = true;
                }
            }
            tail
        };
    }
    (out, replaced)
}

/// Pushes the ASCII bytes `bytes` starts with; returns the rest.
fn push_ascii_run<'a>(out: &mut String, bytes: &'a [u8]) -> &'a [u8] {
    // JAHIS text is mostly ASCII (codes, dates, numbers, commas): whole runs at a time.
    let (run, rest) = bytes.split_at(ascii_len(bytes));
    if run.len() < 8 {
        // Short runs (`,1,` between names) cost more to validate than to push.
        run.iter().for_each(|&b| out.push(char::from(b)));
    } else {
        out.push_str(std::str::from_utf8(run).expect("ASCII is UTF-8"));
    }
    rest
}

/// Pushes the valid double-byte characters `bytes` starts with; returns the rest.
fn push_double_byte_run<'a>(out: &mut String, mut bytes: &'a [u8]) -> &'a [u8] {
    // A loop of its own: names and addresses are runs of these, and going back through the
    // decoder's dispatch for each character measured clearly slower (parse bench).
    while let [lead, trail, rest @ ..] = bytes {
        // Rows and columns come from tables rather than range tests: real text alternates
        // between leads 0x81..=0x9F and 0xE0..=0xFC, and between trails below and above 0x7F,
        // and the branches telling them apart were mispredicted (measured slower). 0 in `DECODE`
        // is an error, and ends the run like a byte that is no lead or trail.
        let row = tables::LEAD_ROWS[usize::from(*lead)];
        let column = tables::TRAIL_COLUMNS[usize::from(*trail)];
        if row == tables::NONE || column == tables::NONE {
            break;
        }
        let unit = tables::DECODE[usize::from(row) * tables::TRAILS_PER_LEAD + usize::from(column)];
        let Some(c) = char::from_u32(u32::from(unit)).filter(|&c| c != '\0') else { break };
        out.push(c);
        bytes = rest;
    }
    bytes
}

/// How many bytes of `bytes` are not ASCII.
fn count_non_ascii(bytes: &[u8]) -> usize {
    // Counted in a u8 per chunk of 255 bytes (so it cannot overflow), which the compiler
    // vectorises well; counting into a usize per byte made this pass a fifth of the decoding time.
    bytes.chunks(255).map(|chunk| usize::from(chunk.iter().fold(0u8, |n, b| n + (b >> 7)))).sum()
}

/// How many ASCII bytes `bytes` starts with, looking at eight at a time.
fn ascii_len(bytes: &[u8]) -> usize {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let mut words = bytes.chunks_exact(8);
    let mut len = 0;
    for word in &mut words {
        let high = u64::from_le_bytes(word.try_into().expect("chunks of 8")) & HIGH_BITS;
        if high != 0 {
            // Little-endian: the lowest set bit is the first non-ASCII byte.
            return len + high.trailing_zeros() as usize / 8;
        }
        len += 8;
    }
    len + words.remainder().iter().take_while(|b| b.is_ascii()).count()
}

/// Drops the end-of-file byte: a 0x1A that is the last byte, or that stands on a line of its
/// own at the end (only line ends after it, `\r` and `\n` in any number). A 0x1A at the end of a
/// record's line (`…,x\x1a\r\n`) is data and stays: taking it would make a written document read
/// back differently (found by fuzzing).
pub fn strip_eof(bytes: &[u8]) -> &[u8] {
    if let [rest @ .., EOF_BYTE] = bytes {
        return rest;
    }
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    match bytes[..end] {
        [EOF_BYTE] => &[],
        [.., b'\n', EOF_BYTE] => &bytes[..end - 1],
        _ => bytes,
    }
}

/// Whether a line (as the parser splits them: without its `\n` and one `\r` before it) is an
/// end-of-file byte on a line of its own: 0x1A and nothing after it but `\r`s. The same lines
/// [`strip_eof`] takes for the end of the file, so the parser holds none of them as a record
/// and a writer cannot put one last (`\x1a\r` kept as a record was written as `\x1a\r\r\n`,
/// which the next read dropped, so write∘parse was not stable).
pub(crate) fn is_eof_line(line: &[u8]) -> bool {
    matches!(line, [EOF_BYTE, rest @ ..] if rest.iter().all(|&b| b == b'\r'))
}

/// Encodes to CP932. Characters CP932 cannot hold become `？` (0x81 0x48); their byte offsets
/// in `text` are returned so the caller can say which field lost something.
pub fn encode_cp932(text: &str) -> (Vec<u8>, Vec<usize>) {
    // CP932 never takes more bytes than UTF-8 for the same character.
    let mut out = Vec::with_capacity(text.len());
    let mut unmappable = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let run = ascii_len(&text.as_bytes()[i..]);
        out.extend_from_slice(&text.as_bytes()[i..i + run]);
        i += run;
        let Some(c) = text[i..].chars().next() else { break };
        match encode_char(c) {
            Some(single @ 0..=0xFF) => out.push(single as u8),
            Some(double) => out.extend_from_slice(&double.to_be_bytes()),
            None => {
                unmappable.push(i);
                out.extend_from_slice(&[0x81, 0x48]);
            }
        }
        i += c.len_utf8();
    }
    (out, unmappable)
}

/// A non-ASCII character's CP932 bytes (high byte 0 for a single byte), `None` if it has none.
fn encode_char(c: char) -> Option<u16> {
    // Only exporting to a pharmacy encodes: the index is built then, not shipped (30 KB).
    static INDEX: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();
    let unit = u16::try_from(u32::from(c)).ok()?;
    if let Ok(i) = tables::EXCEPTION_CHARS.binary_search(&unit) {
        return Some(tables::EXCEPTION_BYTES[i]).filter(|&b| b != 0);
    }
    let index = INDEX.get_or_init(|| invert::invert(&tables::DECODE));
    Some(index[usize::from(unit)]).filter(|&b| b != 0)
}

/// Bytes `s` takes in CP932, without encoding it: ASCII and half-width katakana take one byte,
/// every other character CP932 holds takes two. Exact for text that came from CP932.
pub fn sjis_len(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.chars()
        .map(|c| match c {
            '\0'..='\u{80}' | '\u{FF61}'..='\u{FF9F}' | '\u{A5}' | '\u{203E}' => 1,
            _ => 2,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use encoding_rs::{EncoderResult, SHIFT_JIS};
    use proptest::prelude::*;

    use super::*;

    /// What `decode` replaced: encoding_rs's WHATWG Shift_JIS.
    fn reference_decode(bytes: &[u8]) -> (String, bool) {
        let (text, replaced) = SHIFT_JIS.decode_without_bom_handling(bytes);
        (text.into_owned(), replaced)
    }

    /// What `encode_cp932` replaced, as it was written with encoding_rs.
    fn reference_encode(text: &str) -> (Vec<u8>, Vec<usize>) {
        let mut encoder = SHIFT_JIS.new_encoder();
        let mut out = Vec::with_capacity(text.len());
        let mut unmappable = Vec::new();
        let mut read_total = 0;
        let mut buf = [0u8; 4096];
        loop {
            let (result, read, written) =
                encoder.encode_from_utf8_without_replacement(&text[read_total..], &mut buf, true);
            out.extend_from_slice(&buf[..written]);
            read_total += read;
            match result {
                EncoderResult::InputEmpty => break,
                EncoderResult::OutputFull => {}
                EncoderResult::Unmappable(c) => {
                    unmappable.push(read_total - c.len_utf8());
                    out.extend_from_slice(&[0x81, 0x48]);
                }
            }
        }
        (out, unmappable)
    }

    #[test]
    fn every_one_and_two_byte_input_decodes_as_encoding_rs() {
        for b in 0..=u8::MAX {
            assert_eq!(decode(&[b]), reference_decode(&[b]), "{b:02X}");
        }
        for lead in 0..=u8::MAX {
            for trail in 0..=u8::MAX {
                let pair = [lead, trail];
                assert_eq!(decode(&pair), reference_decode(&pair), "{lead:02X} {trail:02X}");
            }
        }
    }

    #[test]
    fn every_character_encodes_as_encoding_rs() {
        // Shift_JIS keeps no state between characters, so one string of every scalar value (each
        // after an ASCII byte and before a non-ASCII one, to cross the fast path both ways)
        // checks each table entry and each miss.
        let text: String = (0..=u32::from(char::MAX)).filter_map(char::from_u32).flat_map(|c| ['a', c, 'é']).collect();
        let (ours, reference) = (encode_cp932(&text), reference_encode(&text));
        assert!(ours.1 == reference.1, "unmappable offsets differ");
        assert!(ours.0 == reference.0, "bytes differ");
    }

    /// Byte strings made mostly of what Shift_JIS decoding branches on.
    fn sjis_like_bytes() -> impl Strategy<Value = Vec<u8>> {
        let lead = prop_oneof![0x81u8..=0x9F, 0xE0u8..=0xFC];
        let trail = prop_oneof![0x40u8..=0x7E, 0x80u8..=0xFC];
        let piece = prop_oneof![
            4 => (lead.clone(), trail).prop_map(|(l, t)| vec![l, t]),
            3 => proptest::collection::vec(0x00u8..=0x7F, 1..12),
            2 => (0xA1u8..=0xDF).prop_map(|b| vec![b]),
            // A lead byte on its own: before ASCII, another lead, a single byte or the end.
            2 => lead.prop_map(|l| vec![l]),
            1 => prop_oneof![Just(0x7Fu8), Just(0x80), Just(0xA0), 0xFDu8..=0xFF, 0x00u8..0x40].prop_map(|b| vec![b]),
            1 => any::<u8>().prop_map(|b| vec![b]),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    /// Strings of ASCII, Japanese, the characters CP932 maps specially, and what it cannot hold.
    fn text_to_encode() -> impl Strategy<Value = String> {
        let special = prop::sample::select(vec![
            '\u{80}', '\u{A5}', '\u{A6}', '\u{A7}', '\u{203E}', '\u{2212}', '\u{FF0D}', '\u{FF5E}', '\u{301C}',
            '\u{2016}', '\u{2225}', '\u{FFE0}', '\u{FFE2}', '\u{FFE4}', '①', '㈱', '№', '髙', '﨑', '\u{E000}',
            '\u{E757}', '\u{FFFD}', '😀', '𠮷',
        ]);
        let c = prop_oneof![
            4 => prop::char::range('\0', '\u{7F}'),
            4 => prop::char::range('\u{3040}', '\u{30FF}'),
            4 => prop::char::range('\u{4E00}', '\u{9FFF}'),
            2 => prop::char::range('\u{FF01}', '\u{FFEF}'),
            2 => special,
            1 => prop::char::range('\u{80}', '\u{FFFF}'),
            1 => any::<char>(),
        ];
        proptest::collection::vec(c, 0..40).prop_map(String::from_iter)
    }

    proptest! {
        // Cheap cases, and the comparison is the whole contract: more of them than the default.
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn decodes_as_encoding_rs(bytes in sjis_like_bytes()) {
            prop_assert_eq!(decode(&bytes), reference_decode(&bytes));
        }

        #[test]
        fn encodes_as_encoding_rs(text in text_to_encode()) {
            prop_assert_eq!(encode_cp932(&text), reference_encode(&text));
        }
    }

    #[test]
    fn cp932_extensions_round_trip() {
        let text = "①㈱～－ｱｲｳ\\";
        let (bytes, bad) = encode_cp932(text);
        assert!(bad.is_empty());
        assert_eq!(decode_cp932(&bytes), text);
        assert_eq!(sjis_len(text), bytes.len());
    }

    #[test]
    fn unmappable_becomes_full_width_question_mark() {
        let (bytes, bad) = encode_cp932("a😀b");
        assert_eq!(bytes, b"a\x81\x48b");
        assert_eq!(bad, vec![1]);
    }

    #[test]
    fn eof_byte_only_at_the_end() {
        assert_eq!(strip_eof(b"ab\r\n\x1a"), b"ab\r\n");
        assert_eq!(strip_eof(b"ab\r\n\x1a\r\n"), b"ab\r\n");
        assert_eq!(strip_eof(b"a\x1ab"), b"a\x1ab");
        assert_eq!(strip_eof(b"ab\x1a"), b"ab");
        assert_eq!(strip_eof(b"\x1a\r\n"), b"");
        assert_eq!(strip_eof(b"ab\x1a\r\n"), b"ab\x1a\r\n");
        assert_eq!(strip_eof(b"ab\r\n\x1a\r\r\n"), b"ab\r\n");
    }

    #[test]
    fn eof_lines_are_the_ones_strip_eof_takes() {
        for line in [&b"\x1a"[..], b"\x1a\r", b"\x1a\r\r"] {
            assert!(is_eof_line(line));
            let mut file = b"ab\r\n".to_vec();
            file.extend_from_slice(line);
            file.extend_from_slice(b"\r\n");
            assert_eq!(strip_eof(&file), b"ab\r\n");
        }
        for line in [&b""[..], b"\r", b"\x1a\x1a", b"\x1a ", b"\r\x1a", b"a\x1a", b"\x1a\ra"] {
            assert!(!is_eof_line(line));
        }
    }
}
