//! Where a value occurs in bytes, in any form a text may carry it:
//!
//! - character by character, each one literal, JSON-escaped (`\uXXXX` in either hex case,
//!   a surrogate pair beyond the BMP, `\/`, `\"` and the other short escapes, after any
//!   number of backslashes: a string escaped twice) or percent-encoded byte by byte (`%XX`
//!   in either case), in any mix;
//! - base64, standard or URL-safe: at each of the three alignments a value can have inside
//!   a larger blob, the characters that depend on the value's bits alone.

use base64::Engine as _;
use std::ops::Range;

/// Base64 cores shorter than this are not searched: a few characters occur by chance in
/// any blob. Values of at least 7 bytes have every core at least this long.
const MIN_BASE64_CORE: usize = 8;

/// Backslashes before an escape, at most: a string escaped three times has 8.
const MAX_BACKSLASHES: usize = 16;

/// One value, ready to be searched for.
#[derive(Clone)]
pub(super) struct Pattern {
    value: String,
    /// The base64 characters that carry only the value's bits, per alphabet and alignment.
    cores: Vec<Vec<u8>>,
    /// Bytes at which a match can start.
    starts: [bool; 256],
}

impl Pattern {
    pub(super) fn new(value: &str) -> Pattern {
        let mut cores: Vec<Vec<u8>> = Vec::new();
        for engine in [
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            for offset in 0..3 {
                let mut bytes = vec![0u8; offset];
                bytes.extend_from_slice(value.as_bytes());
                let text = engine.encode(&bytes).into_bytes();
                // Character i holds bits 6i..6i+6; the value holds bits 8·offset..8·len.
                let core = &text[(8 * offset).div_ceil(6)..8 * bytes.len() / 6];
                if core.len() >= MIN_BASE64_CORE && !cores.iter().any(|c| c == core) {
                    cores.push(core.to_vec());
                }
            }
        }
        let mut starts = [false; 256];
        let first = value.as_bytes().first().copied();
        let plus = (first == Some(b' ')).then_some(b'+');
        let escapes = [b'\\', b'%'].into_iter().chain(plus);
        for b in escapes.chain(first).chain(cores.iter().map(|c| c[0])) {
            starts[b as usize] = true;
        }
        Pattern {
            value: value.to_owned(),
            cores,
            starts,
        }
    }

    /// Every occurrence in `hay`, left to right, without overlap (the longest at each start).
    pub(super) fn find_all(&self, hay: &[u8]) -> Vec<Range<usize>> {
        let mut found = Vec::new();
        let mut i = 0;
        while i < hay.len() {
            if self.starts[hay[i] as usize] {
                if let Some(end) = self.match_at(hay, i) {
                    found.push(i..end);
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        found
    }

    fn match_at(&self, hay: &[u8], start: usize) -> Option<usize> {
        let base64 = self
            .cores
            .iter()
            .filter(|core| hay[start..].starts_with(core))
            .map(|core| start + core.len());
        self.chars_at(hay, start).into_iter().chain(base64).max()
    }

    /// The end of the longest match of the value, character by character, at `start`.
    fn chars_at(&self, hay: &[u8], start: usize) -> Option<usize> {
        if self.value.is_empty() {
            return None;
        }
        let mut ends = vec![start];
        for c in self.value.chars() {
            let mut next = Vec::new();
            for &at in &ends {
                char_forms(hay, at, c, &mut next);
            }
            next.sort_unstable();
            next.dedup();
            if next.is_empty() {
                return None;
            }
            ends = next;
        }
        ends.last().copied()
    }
}

/// Pushes the end of every form of `c` found at `at`.
fn char_forms(hay: &[u8], at: usize, c: char, ends: &mut Vec<usize>) {
    let mut utf8 = [0u8; 4];
    let mut byte_ends = vec![at];
    for &b in c.encode_utf8(&mut utf8).as_bytes() {
        byte_ends = byte_ends
            .into_iter()
            .flat_map(|p| byte_forms(hay, p, b))
            .collect();
    }
    ends.extend(byte_ends);
    if c == '\\' {
        // `\\` escaped once, `\\\\` twice.
        ends.extend([at + 2, at + 4].into_iter().filter(|&end| {
            hay.get(at..end)
                .is_some_and(|s| s.iter().all(|&b| b == b'\\'))
        }));
    }
    let mut utf16 = [0u16; 2];
    let units = c.encode_utf16(&mut utf16);
    if let Some(end) = units
        .iter()
        .try_fold(at, |p, &unit| unicode_escape(hay, p, unit))
    {
        ends.push(end);
    }
    if let Some(letter) = short_escape(c) {
        if let Some(after) = backslashes(hay, at) {
            if hay.get(after) == Some(&letter) {
                ends.push(after + 1);
            }
        }
    }
}

/// The ends of byte `b` at `at`: literal, `%XX`, or `+` for a space.
fn byte_forms(hay: &[u8], at: usize, b: u8) -> impl Iterator<Item = usize> {
    let literal =
        (hay.get(at) == Some(&b) || (b == b' ' && hay.get(at) == Some(&b'+'))).then_some(at + 1);
    let percent = (hay.get(at) == Some(&b'%')
        && hay.get(at + 1..at + 3).and_then(hex_value) == Some(b as u32))
    .then_some(at + 3);
    literal.into_iter().chain(percent)
}

/// The end of `\uXXXX` (after one or more backslashes) for `unit` at `at`.
fn unicode_escape(hay: &[u8], at: usize, unit: u16) -> Option<usize> {
    let after = backslashes(hay, at)?;
    (hay.get(after) == Some(&b'u')
        && hay.get(after + 1..after + 5).and_then(hex_value) == Some(unit as u32))
    .then_some(after + 5)
}

/// The position after a run of 1 to `MAX_BACKSLASHES` backslashes at `at`.
fn backslashes(hay: &[u8], at: usize) -> Option<usize> {
    let run = hay
        .get(at..)?
        .iter()
        .take(MAX_BACKSLASHES + 1)
        .take_while(|&&b| b == b'\\')
        .count();
    (1..=MAX_BACKSLASHES).contains(&run).then_some(at + run)
}

/// The letter of JSON's short escape for `c` (`\"`, `\/`, `\n`, …).
fn short_escape(c: char) -> Option<u8> {
    Some(match c {
        '"' => b'"',
        '/' => b'/',
        '\u{8}' => b'b',
        '\u{c}' => b'f',
        '\n' => b'n',
        '\r' => b'r',
        '\t' => b't',
        _ => return None,
    })
}

/// Hex digits in either case.
fn hex_value(digits: &[u8]) -> Option<u32> {
    std::str::from_utf8(digits)
        .ok()
        .and_then(|d| u32::from_str_radix(d, 16).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-proj/ABC+xyz_0123456789";

    fn found(hay: &str) -> Vec<&str> {
        Pattern::new(KEY)
            .find_all(hay.as_bytes())
            .into_iter()
            .map(|r| &hay[r])
            .collect()
    }

    fn escaped(upper: bool, skip_every: usize) -> String {
        KEY.chars()
            .enumerate()
            .map(|(i, c)| match (upper, i % skip_every == skip_every - 1) {
                (_, true) => c.to_string(),
                (true, _) => format!("\\u{:04X}", c as u32),
                (false, _) => format!("\\u{:04x}", c as u32),
            })
            .collect()
    }

    #[test]
    fn finds_the_literal_and_every_escaped_mix() {
        for form in [
            KEY.to_owned(),
            escaped(false, usize::MAX),
            escaped(true, usize::MAX),
            escaped(true, 3),
            KEY.replace('/', "\\/"),
            // Escaped twice: a JSON string inside a JSON string.
            escaped(false, usize::MAX).replace('\\', "\\\\"),
        ] {
            let hay = format!("{{\"a\": \"x {form} y\"}}");
            assert_eq!(found(&hay), [form.as_str()], "{hay}");
        }
    }

    #[test]
    fn finds_percent_encoding_in_either_case_and_mixed_with_escapes() {
        let upper: String = KEY.bytes().map(|b| format!("%{b:02X}")).collect();
        let lower = upper.to_lowercase();
        let mixed = "%73k\\u002dproj%2fABC%2Bxyz_0123456789".to_string();
        for form in [upper, lower, mixed] {
            let hay = format!("GET /x?key={form}&y=1");
            assert_eq!(found(&hay), [form.as_str()], "{hay}");
        }
    }

    #[test]
    fn finds_base64_at_every_alignment_and_in_either_alphabet() {
        for engine in [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE,
        ] {
            for prefix in ["", "a", "ab", "abc"] {
                let blob = engine.encode(format!("{prefix}{KEY} trailing bytes"));
                let hits = Pattern::new(KEY).find_all(blob.as_bytes());
                assert_eq!(hits.len(), 1, "{prefix:?} {blob}");
                // What is left around the hit carries at most a few bits of the value.
                assert!(hits[0].len() >= 8 * KEY.len() / 6 - 2, "{blob}");
            }
        }
    }

    #[test]
    fn a_near_miss_is_not_found() {
        for hay in [
            "sk-proj/ABC+xyz_012345678",
            "\\u0073k-proj/ABC+xyz_012345678X",
            "%7",
            "\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\u0073",
        ] {
            assert!(found(hay).is_empty(), "{hay}");
        }
    }

    #[test]
    fn non_bmp_characters_match_as_surrogate_pairs() {
        let p = Pattern::new("key-\u{1F600}-end");
        let hay = "x key-\\ud83d\\uDE00-end y";
        let hits = p.find_all(hay.as_bytes());
        assert_eq!(hits.len(), 1);
        assert_eq!(&hay[hits[0].clone()], "key-\\ud83d\\uDE00-end");
    }

    #[test]
    fn short_values_have_no_base64_cores() {
        assert!(Pattern::new("abcd").cores.is_empty());
        assert_eq!(Pattern::new("abcdefg").cores.len(), 3);
    }
}
