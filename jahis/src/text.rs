//! CP932 in and out, and the Shift_JIS byte length the spec's maximums count.
//!
//! `encoding_rs::SHIFT_JIS` is the WHATWG Shift_JIS, which is CP932 / Windows-31J: NEC and IBM
//! extensions (①, ㈱) decode, and 0x5C stays `\` instead of becoming `¥`.

use encoding_rs::{EncoderResult, SHIFT_JIS};

/// The end-of-file byte MS-DOS text may end with.
const EOF_BYTE: u8 = 0x1A;

/// Decodes CP932; invalid sequences become U+FFFD (the parser reports the lines that hold one).
pub fn decode_cp932(bytes: &[u8]) -> String {
    decode_cp932_checked(bytes).0
}

/// Decodes CP932 and says whether anything was replaced.
pub(crate) fn decode_cp932_checked(bytes: &[u8]) -> (String, bool) {
    // No BOM sniffing: JAHIS data is CP932 whatever its first bytes look like.
    let (text, replaced) = SHIFT_JIS.decode_without_bom_handling(strip_eof(bytes));
    (text.into_owned(), replaced)
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
    let mut encoder = SHIFT_JIS.new_encoder();
    let mut out = Vec::with_capacity(text.len());
    let mut unmappable = Vec::new();
    let mut read_total = 0;
    let mut buf = [0u8; 4096];
    loop {
        let (result, read, written) = encoder.encode_from_utf8_without_replacement(&text[read_total..], &mut buf, true);
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
    use super::*;

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
