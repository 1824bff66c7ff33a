//! The base64 form of a value: its cores (the characters that depend on the value's bits
//! alone, per alphabet and alignment) and where one occurs, wrapped over lines or with its
//! characters escaped.

use super::{backslashes, percent_encoded};
use base64::Engine as _;

/// Base64 cores shorter than this are not searched: a few characters occur by chance in
/// any blob. Values of at least 7 bytes have every core at least this long.
const MIN_BASE64_CORE: usize = 8;

/// The cores of `value`, standard and URL-safe, at each of the three alignments it can
/// have inside a larger blob; each once, none shorter than `MIN_BASE64_CORE`.
pub(super) fn cores(value: &str) -> Vec<Vec<u8>> {
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
    cores
}

/// The end of a base64 `core` at `start`: each of its characters literal, percent-encoded
/// or (`/`) JSON-escaped, with line breaks between them.
pub(super) fn core_at(hay: &[u8], start: usize, core: &[u8]) -> Option<usize> {
    let mut at = start;
    for (i, &c) in core.iter().enumerate() {
        if i > 0 {
            at = after_line_breaks(hay, at);
        }
        at = match hay.get(at)? {
            &b if b == c => at + 1,
            b'%' => {
                let mut ends = Vec::new();
                percent_encoded(hay, at, c, &mut ends);
                *ends.first()?
            }
            b'\\' if c == b'/' => {
                let slash = backslashes(hay, at)?;
                (hay.get(slash) == Some(&b'/')).then_some(slash + 1)?
            }
            _ => return None,
        };
    }
    Some(at)
}

/// The position after any line breaks at `at`: CR, LF, and JSON's `\r` and `\n` (after
/// one or more backslashes).
fn after_line_breaks(hay: &[u8], mut at: usize) -> usize {
    loop {
        at = match hay.get(at) {
            Some(b'\r' | b'\n') => at + 1,
            Some(b'\\') => match backslashes(hay, at) {
                Some(p) if matches!(hay.get(p), Some(b'r' | b'n')) => p + 1,
                _ => return at,
            },
            _ => return at,
        };
    }
}
