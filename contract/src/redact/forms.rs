//! Where a value occurs in bytes, in any form a text may carry it:
//!
//! - character by character, each character in any of these forms, in any mix:
//!   - literal;
//!   - JSON-escaped: `\uXXXX` in either hex case, a surrogate pair beyond the BMP, `\/`,
//!     `\"` and the other short escapes, after any number of backslashes (a string escaped
//!     twice);
//!   - percent-encoded byte by byte: `%XX` in either case, `+` for a space, and encoded
//!     again (`%2573`: the `%` itself encoded, up to `MAX_PERCENT_PASSES` times);
//!   - an HTML character reference: `&#115;`, `&#x73;` or `&#X73;` (any number of leading
//!     zeros, hex digits in either case), or the named ones escapers write for `& < > " '`
//!     (`&amp; &lt; &gt; &quot; &apos;`, and `&AMP; &LT; &GT; &QUOT;`); the closing `;` may
//!     be left out, as browsers read them;
//! - base64, standard or URL-safe: at each of the three alignments a value can have inside
//!   a larger blob, the characters that depend on the value's bits alone; line breaks (CR,
//!   LF, and JSON's `\r` and `\n` escapes) between any two of them, as in a blob wrapped
//!   every 64 or 76 characters (PEM, MIME); each character also percent-encoded (`%2B`,
//!   `%2F`, as in a URL) and `/` also as `\/` (a JSON encoder that escapes slashes).
//!
//! No regular expressions: a match starts only at a byte in `Patterns::starts` (a value's
//! first byte, a base64 core's, or one that opens an escape: `\`, `%`, `&`, and `+` for a
//! value that starts with a space).

mod cores;

use std::ops::Range;

/// Backslashes before an escape, at most: a string escaped three times has 8.
const MAX_BACKSLASHES: usize = 16;

/// Percent-encoding applied this many times at most (`%25252573` for `s`).
const MAX_PERCENT_PASSES: usize = 4;

/// The bytes that open an escape of any character: JSON, percent-encoding and an HTML
/// character reference (a space also has `+`).
const ESCAPES: [u8; 3] = [b'\\', b'%', b'&'];

/// The named HTML character references escapers write, and the character each stands for.
const NAMED_REFERENCES: [(&[u8], char); 9] = [
    (b"amp", '&'),
    (b"lt", '<'),
    (b"gt", '>'),
    (b"quot", '"'),
    (b"apos", '\''),
    (b"AMP", '&'),
    (b"LT", '<'),
    (b"GT", '>'),
    (b"QUOT", '"'),
];

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
    code: char,
    utf8: Vec<u8>,
    utf16: Vec<u16>,
    /// The letter of its JSON short escape (`\"`, `\/`, `\n`, …).
    short: Option<u8>,
}

impl Pattern {
    pub(super) fn new(value: &str) -> Pattern {
        let cores = cores::cores(value);
        let mut starts = [false; 256];
        let first = value.as_bytes().first().copied();
        let plus = (first == Some(b' ')).then_some(b'+');
        let escapes = ESCAPES.into_iter().chain(plus);
        for b in escapes.chain(first).chain(cores.iter().map(|c| c[0])) {
            starts[b as usize] = true;
        }
        let chars = value
            .chars()
            .map(|c| Char {
                code: c,
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
        let first = hay[start];
        let base64 = self
            .cores
            .iter()
            .filter(|c| c[0] == first || first == b'%' || (first == b'\\' && c[0] == b'/'))
            .filter_map(|core| cores::core_at(hay, start, core));
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
            (Some(c), Some(&b)) => {
                b == c.utf8[0] || ESCAPES.contains(&b) || (b == b'+' && c.utf8 == b" ")
            }
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
        if first == self.utf8[0] || first == b'%' || first == b'+' {
            self.bytes(hay, at, ends);
        }
        if first == b'\\' {
            self.json_escapes(hay, at, ends);
        }
        if first == b'&' {
            ends.extend(html_reference(hay, at, self.code));
        }
    }

    /// Its UTF-8 bytes, each literal or percent-encoded.
    fn bytes(&self, hay: &[u8], at: usize, ends: &mut Vec<usize>) {
        if let [b] = self.utf8[..] {
            return byte_forms(hay, at, b, ends);
        }
        let mut byte_ends = vec![at];
        for &b in &self.utf8 {
            let mut next = Vec::new();
            for p in byte_ends {
                byte_forms(hay, p, b, &mut next);
            }
            byte_ends = next;
        }
        ends.extend(byte_ends);
    }

    /// Its JSON escapes at `at`, which holds a backslash.
    fn json_escapes(&self, hay: &[u8], at: usize, ends: &mut Vec<usize>) {
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

/// Pushes the ends of byte `b` at `at`: literal, `+` for a space, or percent-encoded.
fn byte_forms(hay: &[u8], at: usize, b: u8, ends: &mut Vec<usize>) {
    let Some(&first) = hay.get(at) else {
        return;
    };
    if first == b || (b == b' ' && first == b'+') {
        ends.push(at + 1);
    }
    percent_encoded(hay, at, b, ends);
}

/// Pushes the ends of `b` percent-encoded at `at`, once or again: each pass after the first
/// encodes the `%` before the digits as `%25` (`%2573`). For `b` = `%` itself, `%2525` has
/// two readings: both ends.
fn percent_encoded(hay: &[u8], at: usize, b: u8, ends: &mut Vec<usize>) {
    if hay.get(at) != Some(&b'%') {
        return;
    }
    for pass in 0..MAX_PERCENT_PASSES {
        let digits = at + 1 + 2 * pass;
        let Some(v) = hay.get(digits..digits + 2).and_then(hex_value) else {
            return;
        };
        if v == u32::from(b) {
            ends.push(digits + 2);
        }
        if v != 0x25 {
            return;
        }
    }
}

/// The end of an HTML character reference to `c` at `at`: `&#` and decimal digits, `&#x`
/// or `&#X` and hex digits, or a named one (`NAMED_REFERENCES`); `;` after it if there.
fn html_reference(hay: &[u8], at: usize, c: char) -> Option<usize> {
    let name = hay.get(at + 1..)?;
    let (code, end) = if name.first() == Some(&b'#') {
        match name.get(1) {
            Some(b'x' | b'X') => number(hay, at + 3, 16)?,
            _ => number(hay, at + 2, 10)?,
        }
    } else if !NAMED_REFERENCES.iter().any(|&(_, named)| named == c) {
        // Most characters have no named reference: most `&`s are ruled out here.
        return None;
    } else {
        NAMED_REFERENCES
            .iter()
            .find(|(n, _)| name.starts_with(n))
            .map(|&(n, named)| (u32::from(named), at + 1 + n.len()))?
    };
    (code == u32::from(c)).then(|| end + usize::from(hay.get(end) == Some(&b';')))
}

/// The number the digits at `at` spell in `radix` (leading zeros skipped) and where they
/// end; none without a digit or beyond the last code point.
fn number(hay: &[u8], at: usize, radix: u32) -> Option<(u32, usize)> {
    let mut n = 0u32;
    let mut end = at;
    while let Some(d) = hay.get(end).and_then(|&b| char::from(b).to_digit(radix)) {
        n = n * radix + d;
        if n > u32::from(char::MAX) {
            return None;
        }
        end += 1;
    }
    (end > at).then_some((n, end))
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
mod tests;
