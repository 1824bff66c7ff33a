//! The secret values the worker knows (`SECRET_VARS` from its environment): reported by
//! presence only, and replaced by `[REDACTED]` in anything the worker writes.

use codex_contract::{presence_lines, Redactor, SECRET_VARS};

pub use codex_contract::REDACTED;

#[derive(Clone, Default)]
pub struct Secrets {
    redactor: Redactor,
    presence: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.presence).finish()
    }
}

impl Secrets {
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Self {
        Secrets {
            redactor: Redactor::new(
                SECRET_VARS
                    .iter()
                    .filter_map(|&name| lookup(name).map(|v| (name, v))),
            ),
            presence: presence_lines(lookup),
        }
    }

    /// The three `NAME=present|absent` lines.
    pub fn presence(&self) -> &[String] {
        &self.presence
    }

    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text).text
    }

    /// Byte-wise, for output that need not be UTF-8 (an agent's log).
    pub fn redact_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        self.redactor.redact_bytes(bytes).0
    }

    /// Length of the longest tail of `bytes` that is a proper prefix of a secret: what to cut
    /// when output is truncated mid-secret, so that no part of a value is kept.
    pub fn partial_tail_len(&self, bytes: &[u8]) -> usize {
        self.redactor.partial_tail_len(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::from_lookup(&|name| match name {
            "OPENAI_API_KEY" => Some("sk-abc-123".into()),
            "OPENAI_ORG_ID" => Some("org-9".into()),
            _ => None,
        })
    }

    #[test]
    fn presence_only_and_debug_shows_no_value() {
        let s = secrets();
        assert_eq!(
            s.presence(),
            [
                "OPENAI_API_KEY=present",
                "OPENAI_ORG_ID=present",
                "OPENAI_PROJECT=absent"
            ]
        );
        let dbg = format!("{s:?}");
        assert!(
            !dbg.contains("sk-abc-123") && !dbg.contains("org-9"),
            "{dbg}"
        );
    }

    #[test]
    fn redacts_text_and_bytes() {
        let s = secrets();
        assert_eq!(
            s.redact("key sk-abc-123 org org-9."),
            "key [REDACTED] org [REDACTED]."
        );
        let bytes = b"\xff sk-abc-123\n\xfe";
        assert_eq!(s.redact_bytes(bytes), b"\xff [REDACTED]\n\xfe".to_vec());
    }

    #[test]
    fn finds_a_secret_cut_at_the_end() {
        let s = secrets();
        assert_eq!(s.partial_tail_len(b"log: sk-ab"), 5);
        assert_eq!(s.partial_tail_len(b"log: done"), 0);
    }
}
