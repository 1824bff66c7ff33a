//! A body in a Content-Encoding, undone within a limit. The suite asks for none
//! (`Accept-Encoding: identity`), so a compressed answer is unexpected; but a secret inside
//! it must not pass unseen, so what can be decoded is, and scanned like any body: gzip
//! (`x-gzip` too, members one after another) and deflate (zlib-wrapped as HTTP says, or raw
//! as some servers send it). Any other coding is not decoded.

use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};
use std::io::Read;

/// Why a body's coding could not be undone.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Undecodable {
    /// It decodes to more than the limit (a decompression bomb): decoding stopped there.
    TooLarge,
    /// A coding the suite does not decode (`br`, `zstd`, …).
    Unknown(String),
    /// Not valid in its coding: what the decoder said.
    Corrupt(String),
}

/// The codings a Content-Encoding value lists, in the order they were applied, lower-case,
/// `identity` (no coding) left out.
pub(super) fn codings(header: &str) -> Vec<String> {
    header
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect()
}

/// `bytes` with `coding` undone, at most `limit` bytes of it. What was decoded comes back
/// also when an error stopped it: it is scanned all the same.
pub(super) fn decode(coding: &str, bytes: &[u8], limit: u64) -> (Vec<u8>, Result<(), Undecodable>) {
    let mut out = Vec::new();
    let outcome = match coding {
        _ if bytes.is_empty() => Ok(()),
        "gzip" | "x-gzip" => bounded(MultiGzDecoder::new(bytes), limit, &mut out),
        "deflate" if zlib_header(bytes) => bounded(ZlibDecoder::new(bytes), limit, &mut out),
        "deflate" => bounded(DeflateDecoder::new(bytes), limit, &mut out),
        other => Err(Undecodable::Unknown(other.to_owned())),
    };
    (out, outcome)
}

/// Whether `bytes` start with a zlib header (RFC 1950: method 8, check bits).
fn zlib_header(bytes: &[u8]) -> bool {
    match bytes {
        [cmf, flg, ..] => cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

/// Reads `reader` to its end into `out`, stopping past `limit` bytes.
fn bounded(reader: impl Read, limit: u64, out: &mut Vec<u8>) -> Result<(), Undecodable> {
    match reader.take(limit.saturating_add(1)).read_to_end(out) {
        // What was read before the error is in `out`.
        Err(e) => Err(Undecodable::Corrupt(e.to_string())),
        Ok(_) if out.len() as u64 > limit => {
            out.truncate(limit as usize);
            Err(Undecodable::TooLarge)
        }
        Ok(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    use flate2::Compression;
    use std::io::Write;

    const TEXT: &[u8] = b"{\"detail\": \"OPENAI_API_KEY=sk-decoded-1234\"}";

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn raw_deflate(bytes: &[u8]) -> Vec<u8> {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn the_codings_of_a_header_in_the_order_applied() {
        for (header, expected) in [
            ("gzip", vec!["gzip"]),
            (" GZip ", vec!["gzip"]),
            ("deflate, gzip", vec!["deflate", "gzip"]),
            ("identity", vec![]),
            ("identity, br", vec!["br"]),
            ("", vec![]),
        ] {
            assert_eq!(codings(header), expected, "{header:?}");
        }
    }

    #[test]
    fn gzip_and_deflate_in_every_shape_decode_to_the_text() {
        let members = [gzip(&TEXT[..10]), gzip(&TEXT[10..])].concat();
        for (coding, bytes) in [
            ("gzip", gzip(TEXT)),
            ("x-gzip", gzip(TEXT)),
            // Members one after another: the text of all of them.
            ("gzip", members),
            ("deflate", zlib(TEXT)),
            ("deflate", raw_deflate(TEXT)),
        ] {
            assert_eq!(decode(coding, &bytes, 1 << 20), (TEXT.to_vec(), Ok(())));
        }
        assert_eq!(decode("gzip", b"", 1 << 20), (Vec::new(), Ok(())));
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_limit() {
        let bomb = gzip(&vec![b'a'; 4 << 20]);
        assert!(bomb.len() < 64 << 10, "{}", bomb.len());
        let (out, outcome) = decode("gzip", &bomb, 1 << 20);
        assert_eq!(outcome, Err(Undecodable::TooLarge));
        assert_eq!(out.len(), 1 << 20);
        // Exactly the limit is not too large.
        let (out, outcome) = decode("deflate", &zlib(&vec![b'a'; 1000]), 1000);
        assert_eq!((out.len(), outcome), (1000, Ok(())));
    }

    #[test]
    fn corrupt_or_unknown_codings_say_so_and_keep_what_was_decoded() {
        let mut cut = gzip(TEXT);
        cut.truncate(cut.len() - 4);
        let (out, outcome) = decode("gzip", &cut, 1 << 20);
        assert!(
            matches!(outcome, Err(Undecodable::Corrupt(_))),
            "{outcome:?}"
        );
        assert_eq!(out, TEXT, "the text was whole before the cut trailer");
        let (out, outcome) = decode("gzip", TEXT, 1 << 20);
        assert!(matches!(outcome, Err(Undecodable::Corrupt(_))) && out.is_empty());
        let (out, outcome) = decode("br", &gzip(TEXT), 1 << 20);
        assert_eq!(outcome, Err(Undecodable::Unknown("br".into())));
        assert!(out.is_empty());
    }
}
