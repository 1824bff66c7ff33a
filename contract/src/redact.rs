//! The one redactor: replaces known secret values with `[REDACTED]` in anything written,
//! and says which variables it found. Used by the worker (agent logs, result lines) and by
//! the suite (every byte of evidence, reports and output).

pub const REDACTED: &str = "[REDACTED]";

#[derive(Clone, Default)]
pub struct Redactor {
    /// (variable name, value), non-empty values only, longest first so that a value that
    /// contains another is replaced whole.
    pairs: Vec<(&'static str, String)>,
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
        let mut pairs: Vec<_> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        pairs.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
        Redactor { pairs }
    }

    pub fn redact(&self, text: &str) -> Redacted {
        let mut text = text.to_owned();
        let mut found = Vec::new();
        for (name, value) in &self.pairs {
            if text.contains(value.as_str()) {
                text = text.replace(value.as_str(), REDACTED);
                push_unique(&mut found, name);
            }
        }
        Redacted { text, found }
    }

    /// For bytes that need not be UTF-8 (an agent's log, a zip entry): a secret never slips
    /// through because the surrounding bytes are not text.
    pub fn redact_bytes(&self, bytes: &[u8]) -> (Vec<u8>, Vec<&'static str>) {
        let mut out = bytes.to_vec();
        let mut found = Vec::new();
        for (name, value) in &self.pairs {
            if let Some(replaced) = replace_bytes(&out, value.as_bytes(), REDACTED.as_bytes()) {
                out = replaced;
                push_unique(&mut found, name);
            }
        }
        (out, found)
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

fn push_unique(found: &mut Vec<&'static str>, name: &'static str) {
    if !found.contains(&name) {
        found.push(name);
    }
}

/// `None` when `needle` does not occur.
fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut hit = false;
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
            hit = true;
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    hit.then_some(out)
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
    fn debug_shows_names_only() {
        let dbg = format!("{:?}", redactor());
        assert!(
            dbg.contains("OPENAI_API_KEY") && !dbg.contains("sk-abc"),
            "{dbg}"
        );
    }
}
