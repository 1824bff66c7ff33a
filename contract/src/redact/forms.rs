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

/// Several values (a redactor's), searched for in one pass.
#[derive(Clone)]
pub(super) struct Patterns {
    each: Vec<(&'static str, Pattern)>,
    /// Bytes at which a match of any of them can start.
    starts: [bool; 256],
}

impl Default for Patterns {
    fn default() -> Self {
        Patterns::new(&[])
    }
}

impl Patterns {
    pub(super) fn new(values: &[(&'static str, String)]) -> Patterns {
        let each: Vec<_> = values
            .iter()
            .map(|(name, value)| (*name, Pattern::new(value)))
            .collect();
        let mut starts = [false; 256];
        for (b, start) in starts.iter_mut().enumerate() {
            *start = each.iter().any(|(_, p)| p.starts[b]);
        }
        Patterns { each, starts }
    }

    /// Where any of the values occurs in `hay`, ordered, overlapping occurrences (a value
    /// that contains another) joined into one range; and the names of the values found.
    pub(super) fn find_all(&self, hay: &[u8]) -> (Vec<Range<usize>>, Vec<&'static str>) {
        let mut hits: Vec<Range<usize>> = Vec::new();
        let mut names = Vec::new();
        let mut frontier = Frontier::default();
        for (i, &b) in hay.iter().enumerate() {
            if !self.starts[b as usize] {
                continue;
            }
            for (name, pattern) in &self.each {
                if !pattern.starts[b as usize] {
                    continue;
                }
                let Some(end) = pattern.match_at(hay, i, &mut frontier) else {
                    continue;
                };
                if !names.contains(name) {
                    names.push(*name);
                }
                match hits.last_mut() {
                    Some(last) if i < last.end => last.end = last.end.max(end),
                    _ => hits.push(i..end),
                }
            }
        }
        (hits, names)
    }
}

/// One value, ready to be searched for.
#[derive(Clone)]
pub(super) struct Pattern {
    /// Its characters, each with the forms it can take.
    chars: Vec<Char>,
    /// The base64 characters that carry only the value's bits, per alphabet and alignment.
    cores: Vec<Vec<u8>>,
    /// Bytes at which a match can start.
    starts: [bool; 256],
}

/// One character of a value, ready to be matched in any of its forms.
#[derive(Clone)]
struct Char {
    utf8: Vec<u8>,
    utf16: Vec<u16>,
    /// The letter of its JSON short escape (`\"`, `\/`, `\n`, …).
    short: Option<u8>,
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
                let core = text.get((8 * offset).div_ceil(6)..8 * bytes.len() / 6);
                let core = core.filter(|c| c.len() >= MIN_BASE64_CORE);
                if let Some(core) = core.filter(|core| !cores.iter().any(|c| c == core)) {
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
        let chars = value
            .chars()
            .map(|c| Char {
                utf8: c.to_string().into_bytes(),
                utf16: c.encode_utf16(&mut [0; 2]).to_vec(),
                short: short_escape(c),
            })
            .collect();
        Pattern {
            chars,
            cores,
            starts,
        }
    }

    fn match_at(&self, hay: &[u8], start: usize, frontier: &mut Frontier) -> Option<usize> {
        let base64 = self
            .cores
            .iter()
            .filter(|core| core[0] == hay[start] && hay[start..].starts_with(core))
            .map(|core| start + core.len());
        let chars = self
            .may_start(hay, start)
            .then(|| self.chars_at(hay, start, frontier))
            .flatten();
        chars.into_iter().chain(base64).max()
    }

    /// Whether the first two characters can be there, each literal or starting an escape:
    /// most places where the first byte alone matches are ruled out without more work.
    fn may_start(&self, hay: &[u8], start: usize) -> bool {
        let can_be = |c: Option<&Char>, at: usize| match (c, hay.get(at)) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(c), Some(&b)) => b == c.utf8[0] || b == b'\\' || b == b'%' || b == b'+',
        };
        can_be(self.chars.first(), start)
            && (hay[start] != self.chars[0].utf8[0]
                || self.chars[0].utf8.len() > 1
                || can_be(self.chars.get(1), start + 1))
    }

    /// The end of the longest match of the value, character by character, at `start`.
    fn chars_at(&self, hay: &[u8], start: usize, frontier: &mut Frontier) -> Option<usize> {
        if self.chars.is_empty() {
            return None;
        }
        frontier.ends.clear();
        frontier.ends.push(start);
        for c in &self.chars {
            frontier.next.clear();
            for &at in &frontier.ends {
                c.forms(hay, at, &mut frontier.next);
            }
            if frontier.next.is_empty() {
                return None;
            }
            frontier.next.sort_unstable();
            frontier.next.dedup();
            std::mem::swap(&mut frontier.ends, &mut frontier.next);
        }
        frontier.ends.last().copied()
    }
}

/// Where the matches under way stand: reused from one start to the next.
#[derive(Default)]
struct Frontier {
    ends: Vec<usize>,
    next: Vec<usize>,
}

impl Char {
    /// Pushes the end of every form of this character found at `at`.
    fn forms(&self, hay: &[u8], at: usize, ends: &mut Vec<usize>) {
        let Some(&first) = hay.get(at) else {
            return;
        };
        if first != b'\\' && first != b'%' && first != self.utf8[0] && first != b'+' {
            return;
        }
        if let [b] = self.utf8[..] {
            ends.extend(byte_forms(hay, at, b));
        } else {
            let mut byte_ends = vec![at];
            for &b in &self.utf8 {
                byte_ends = byte_ends
                    .into_iter()
                    .flat_map(|p| byte_forms(hay, p, b))
                    .collect();
            }
            ends.extend(byte_ends);
        }
        if first != b'\\' {
            return;
        }
        if self.utf8 == b"\\" {
            // `\\` escaped once, `\\\\` twice.
            ends.extend([at + 2, at + 4].into_iter().filter(|&end| {
                hay.get(at..end)
                    .is_some_and(|s| s.iter().all(|&b| b == b'\\'))
            }));
        }
        if let Some(end) = self
            .utf16
            .iter()
            .try_fold(at, |p, &unit| unicode_escape(hay, p, unit))
        {
            ends.push(end);
        }
        if let Some(letter) = self.short {
            if let Some(after) = backslashes(hay, at) {
                if hay.get(after) == Some(&letter) {
                    ends.push(after + 1);
                }
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
    digits.iter().try_fold(0u32, |n, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        Some(n * 16 + v as u32)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-proj/ABC+xyz_0123456789";

    fn find(value: &str, hay: &[u8]) -> Vec<Range<usize>> {
        Patterns::new(&[("KEY", value.to_owned())]).find_all(hay).0
    }

    fn found(hay: &str) -> Vec<&str> {
        find(KEY, hay.as_bytes())
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
                let hits = find(KEY, blob.as_bytes());
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
        let hay = "x key-\\ud83d\\uDE00-end y";
        let hits = find("key-\u{1F600}-end", hay.as_bytes());
        assert_eq!(hits.len(), 1);
        assert_eq!(&hay[hits[0].clone()], "key-\\ud83d\\uDE00-end");
    }

    #[test]
    fn short_values_have_no_base64_cores() {
        assert!(Pattern::new("abcd").cores.is_empty());
        assert!(find("", b"anything").is_empty());
        assert_eq!(Pattern::new("abcdefg").cores.len(), 3);
    }
}
