//! The one redactor: replaces known secret values with `[REDACTED]` in anything written,
//! and says which variables it found. Used by the worker (agent logs, result lines) and by
//! the suite (every answer of the target, every byte of evidence, reports and output).
//!
//! A value is found in every form `forms` knows: character by character literal,
//! JSON-escaped (also escaped twice), percent-encoded (also twice), as HTML character
//! references, in any mix of these; and base64, also wrapped over lines.

mod forms;

use forms::Patterns;

pub const REDACTED: &str = "[REDACTED]";

#[derive(Clone, Default)]
pub struct Redactor {
    /// (variable name, value), non-empty values only.
    pairs: Vec<(&'static str, String)>,
    /// The same values, searched in one pass in every form.
    patterns: Patterns,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: a redactor is full of secrets.
        f.debug_list()
            .entries(self.pairs.iter().map(|(k, _)| k))
            .finish()
    }
}

/// Redacted text plus the names of the variables whose values were found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub found: Vec<&'static str>,
}

impl Redactor {
    pub fn new(pairs: impl IntoIterator<Item = (&'static str, String)>) -> Self {
        let pairs: Vec<_> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        let patterns = Patterns::new(&pairs);
        Redactor { pairs, patterns }
    }

    pub fn redact(&self, text: &str) -> Redacted {
        let (bytes, found) = self.redact_bytes(text.as_bytes());
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            // Every form replaced is ASCII or the whole value: the text stays UTF-8.
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        Redacted { text, found }
    }

    /// For bytes that need not be UTF-8 (an answer, an agent's log, a zip entry): a secret
    /// never slips through because the surrounding bytes are not text.
    /// Overlapping occurrences (a value that contains another) are replaced as one.
    pub fn redact_bytes(&self, bytes: &[u8]) -> (Vec<u8>, Vec<&'static str>) {
        let (hits, found) = self.patterns.find_all(bytes);
        (replace_ranges(bytes, &hits), found)
    }

    /// Length of the longest tail of `bytes` that is a proper prefix of a secret: what to cut
    /// when output is truncated mid-secret, so that no part of a value is kept.
    pub fn partial_tail_len(&self, bytes: &[u8]) -> usize {
        self.pairs
            .iter()
            .flat_map(|(_, v)| (1..v.len()).map(move |k| &v.as_bytes()[..k]))
            .filter(|prefix| bytes.ends_with(prefix))
            .map(<[u8]>::len)
            .max()
            .unwrap_or(0)
    }
}

/// `bytes` with each of `hits` (sorted by start, not overlapping) replaced by `REDACTED`.
fn replace_ranges(bytes: &[u8], hits: &[std::ops::Range<usize>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut kept = 0;
    for hit in hits {
        out.extend_from_slice(&bytes[kept..hit.start]);
        out.extend_from_slice(REDACTED.as_bytes());
        kept = hit.end;
    }
    out.extend_from_slice(&bytes[kept..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        Redactor::new([
            ("OPENAI_API_KEY", "sk-abc-123".to_string()),
            ("OPENAI_ORG_ID", "org-9".to_string()),
            ("OPENAI_PROJECT", String::new()),
        ])
    }

    #[test]
    fn replaces_every_occurrence_and_names_the_variables() {
        let r = redactor().redact("key sk-abc-123 org org-9 again sk-abc-123");
        assert_eq!(r.text, "key [REDACTED] org [REDACTED] again [REDACTED]");
        assert_eq!(r.found, ["OPENAI_API_KEY", "OPENAI_ORG_ID"]);
        assert!(redactor().redact("OPENAI_API_KEY=present").found.is_empty());
    }

    #[test]
    fn a_value_containing_another_is_replaced_whole() {
        let r = Redactor::new([
            ("OPENAI_ORG_ID", "abcd".into()),
            ("OPENAI_API_KEY", "xxabcdxx".into()),
        ]);
        assert_eq!(r.redact("xxabcdxx").text, "[REDACTED]");
    }

    #[test]
    fn redacts_bytes_that_are_not_utf8() {
        let (out, found) = redactor().redact_bytes(b"\xff sk-abc-123\n\xfe");
        assert_eq!(out, b"\xff [REDACTED]\n\xfe".to_vec());
        assert_eq!(found, ["OPENAI_API_KEY"]);
    }

    #[test]
    fn finds_a_secret_cut_at_the_end() {
        assert_eq!(redactor().partial_tail_len(b"log: sk-ab"), 5);
        assert_eq!(redactor().partial_tail_len(b"log: done"), 0);
    }

    #[test]
    fn encoded_forms_are_replaced_and_the_text_stays_json() {
        let r = Redactor::new([("OPENAI_API_KEY", "sk-abc-123456".to_string())]);
        let text = r#"{"a": "\u0073\u006B-abc-123456", "b": "%73k-abc-123456", "n": 1e999}"#;
        let out = r.redact(text);
        assert_eq!(
            out.text,
            r#"{"a": "[REDACTED]", "b": "[REDACTED]", "n": 1e999}"#
        );
        assert_eq!(out.found, ["OPENAI_API_KEY"]);
    }

    #[test]
    fn html_escaped_and_wrapped_forms_are_replaced_with_what_surrounds_them_kept() {
        let r = Redactor::new([("OPENAI_API_KEY", "sk-abc-123456".to_string())]);
        let wrapped = "c2stYWJj\nLTEyMzQ1\nNg==";
        let text = format!("<p>&#115;k-&#x61;bc&#X2D;123456 &amp;</p> {wrapped}");
        let out = r.redact(&text);
        assert_eq!(out.text, "<p>[REDACTED] &amp;</p> [REDACTED]g==");
        assert_eq!(out.found, ["OPENAI_API_KEY"]);
    }

    #[test]
    fn debug_shows_names_only() {
        let dbg = format!("{:?}", redactor());
        assert!(
            dbg.contains("OPENAI_API_KEY") && !dbg.contains("sk-abc"),
            "{dbg}"
        );
    }
}
