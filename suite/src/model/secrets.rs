//! The known secrets (`OPENAI_API_KEY`, `OPENAI_ORG_ID`, `OPENAI_PROJECT`) and the one
//! redactor that every byte the suite writes goes through.
//!
//! Values come from the process environment, then from `.env.live` for any variable the
//! environment leaves unset or empty. They are handed to the backend's environment and never
//! printed: `Debug` shows presence only.

use crate::sys::bounded_read::{self, ENV_FILE_LIMIT};
use anyhow::{Context, Result};
use codex_contract::SECRET_VARS;
pub(crate) use codex_contract::{Redactor, REDACTED};
use std::path::Path;

/// Values shorter than this are not redacted: replacing every `1` or `a` in the evidence would
/// destroy it without protecting anything (such a value is no secret). Reported at start-up.
pub(crate) const MIN_REDACT_LEN: usize = 4;

/// Words the suite writes in its own reports (verdicts, modes), compared case-insensitively.
pub(crate) const SUITE_WORDS: [&str; 6] = ["PASS", "FAIL", "SKIP", "ERROR", "live", "mocked"];

/// What [`Secrets::completed_by`] makes of an env file that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfAbsent {
    /// The default `.env.live`: nothing to complete.
    Skip,
    /// A file the user named: an error naming it.
    Refuse,
}

#[derive(Clone, Default)]
pub struct Secrets {
    /// (variable name, value), only for variables with a non-empty value.
    known: Vec<(&'static str, String)>,
    /// The part that came from the environment (or the test's lookup), which another env
    /// file only completes (`completed_by`).
    environment: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.presence()).finish()
    }
}

impl Secrets {
    /// From the environment, completed by `<dir>/.env.live` when that file exists.
    pub fn load(dir: &Path) -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
            .completed_by(&dir.join(".env.live"), IfAbsent::Skip)
    }

    /// The environment's values (kept from `load`, though `main` then clears the
    /// environment), completed by `file`: a `live-suite.toml`'s `env_file` in place of
    /// `.env.live`. The file is read only when it is a regular file of at most
    /// [`ENV_FILE_LIMIT`] bytes (a FIFO or `/dev/zero` is refused naming it); when it does
    /// not exist, `if_absent` says whether that is an error.
    pub fn completed_by(&self, file: &Path, if_absent: IfAbsent) -> Result<Self> {
        let exists = std::fs::symlink_metadata(file).is_ok();
        let from_file: Vec<(String, String)> = match (exists, if_absent) {
            (false, IfAbsent::Skip) => Vec::new(),
            (false, IfAbsent::Refuse) => anyhow::bail!(
                "the env file {} does not exist; fix: create it, or correct its path",
                file.display()
            ),
            (true, _) => {
                let bytes = bounded_read::read(file, ENV_FILE_LIMIT)
                    .with_context(|| format!("reading the env file {}", file.display()))?;
                dotenvy::from_read_iter(bytes.as_slice())
                    .collect::<Result<_, _>>()
                    // dotenvy's message quotes the bad line, which may hold a secret: drop it.
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "could not parse {}: every line must be NAME=value, a comment or \
                             blank (the line is not shown because it may hold a secret)",
                            file.display()
                        )
                    })?
            }
        };
        let file_value = |name: &str| {
            from_file
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let mut secrets = Self::from_lookup(|name| {
            let from_env = self.environment.iter().find(|(k, _)| *k == name);
            from_env
                .map(|(_, v)| v.clone())
                .or_else(|| file_value(name))
        });
        secrets.environment = self.environment.clone();
        secrets.refuse_suite_words()?;
        Ok(secrets)
    }

    /// A value equal to a word the suite writes itself would be redacted out of every
    /// verdict and summary (`PASS` → `[REDACTED]`) while the run still passes: refused.
    pub fn refuse_suite_words(&self) -> Result<()> {
        for (name, value) in &self.known {
            if let Some(word) = SUITE_WORDS.iter().find(|w| w.eq_ignore_ascii_case(value)) {
                anyhow::bail!(
                    "the value of {name} is the word `{word}`, which the suite writes itself \
                     (verdicts, modes): redacting it would hide the results. Set {name} to the \
                     real value, or unset it (the environment or .env.live)"
                );
            }
        }
        Ok(())
    }

    /// From any lookup (tests use a closure instead of the real environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let known = SECRET_VARS
            .iter()
            .filter_map(|&name| lookup(name).filter(|v| !v.is_empty()).map(|v| (name, v)))
            .collect::<Vec<_>>();
        Secrets {
            environment: known.clone(),
            known,
        }
    }

    /// `NAME=present|absent` for each secret variable.
    pub fn presence(&self) -> Vec<String> {
        codex_contract::presence_lines(|name| self.value(name).map(str::to_owned))
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.known
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// (name, value) pairs to set on a child process's environment. Never print these.
    pub fn env_pairs(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.known.iter().map(|(k, v)| (*k, v.as_str()))
    }

    /// Values that are too short to redact safely (names only), for a start-up warning.
    pub fn too_short_to_redact(&self) -> Vec<&'static str> {
        self.known
            .iter()
            .filter(|(_, v)| v.len() < MIN_REDACT_LEN)
            .map(|(k, _)| *k)
            .collect()
    }

    /// Raw values, for `::add-mask::` only.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.known.iter().map(|(_, v)| v.as_str())
    }

    /// Values shorter than `MIN_REDACT_LEN` are left out (see there).
    pub fn redactor(&self) -> Redactor {
        Redactor::new(
            self.known
                .iter()
                .filter(|(_, v)| v.len() >= MIN_REDACT_LEN)
                .cloned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `live-suite.toml`'s env file completes what the environment gave, even after `main`
    /// cleared the environment; the environment's value wins, `.env.live`'s does not carry over.
    #[test]
    fn another_env_file_completes_the_environments_values() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env.live"),
            "OPENAI_PROJECT=from-env-live\n",
        )
        .unwrap();
        let theirs = dir.path().join(".env.byo");
        std::fs::write(
            &theirs,
            "OPENAI_API_KEY=from-byo-file\nOPENAI_ORG_ID=org-from-byo\n",
        )
        .unwrap();
        let env = Secrets::from_lookup(|n| (n == "OPENAI_API_KEY").then(|| "key-from-env".into()));
        let ours = env
            .completed_by(&dir.path().join(".env.live"), IfAbsent::Skip)
            .unwrap();
        assert_eq!(ours.value("OPENAI_PROJECT"), Some("from-env-live"));
        let byo = ours.completed_by(&theirs, IfAbsent::Refuse).unwrap();
        assert_eq!(byo.value("OPENAI_API_KEY"), Some("key-from-env"));
        assert_eq!(byo.value("OPENAI_ORG_ID"), Some("org-from-byo"));
        assert_eq!(byo.value("OPENAI_PROJECT"), None);
    }

    fn planted() -> Secrets {
        Secrets::from_lookup(|n| match n {
            "OPENAI_API_KEY" => Some("sk-test-PLANTED-1234567890".into()),
            "OPENAI_ORG_ID" => Some("org-PLANTED".into()),
            _ => None,
        })
    }

    #[test]
    fn debug_and_presence_never_show_a_value() {
        let s = planted();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("PLANTED"), "{dbg}");
        assert_eq!(
            s.presence(),
            [
                "OPENAI_API_KEY=present",
                "OPENAI_ORG_ID=present",
                "OPENAI_PROJECT=absent"
            ]
        );
    }

    #[test]
    fn redactor_replaces_every_occurrence_and_names_the_variable() {
        let r = planted().redactor();
        let out = r.redact("key sk-test-PLANTED-1234567890 and again sk-test-PLANTED-1234567890");
        assert_eq!(out.text, "key [REDACTED] and again [REDACTED]");
        assert_eq!(out.found, ["OPENAI_API_KEY"]);
        let clean = r.redact("OPENAI_API_KEY=present");
        assert!(clean.found.is_empty());
        assert_eq!(clean.text, "OPENAI_API_KEY=present");
    }

    #[test]
    fn redactor_handles_non_utf8_bytes() {
        let r = planted().redactor();
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend_from_slice(b"org-PLANTED");
        bytes.push(0xff);
        let (out, found) = r.redact_bytes(&bytes);
        assert_eq!(found, ["OPENAI_ORG_ID"]);
        assert_eq!(&out[2..out.len() - 1], REDACTED.as_bytes());
    }

    #[test]
    fn a_value_equal_to_a_suite_word_is_refused_naming_the_variable_not_the_value() {
        for value in ["PASS", "pass", "Error", "LIVE", "mocked"] {
            let s = Secrets::from_lookup(|n| (n == "OPENAI_ORG_ID").then(|| value.to_string()));
            let err = s.refuse_suite_words().unwrap_err().to_string();
            assert!(
                err.contains("OPENAI_ORG_ID") && err.contains("unset"),
                "{err}"
            );
        }
        assert!(planted().refuse_suite_words().is_ok());
        let near = Secrets::from_lookup(|n| (n == "OPENAI_ORG_ID").then(|| "PASSED".to_string()));
        assert!(near.refuse_suite_words().is_ok());
    }

    #[test]
    fn short_values_are_reported_not_redacted() {
        let s = Secrets::from_lookup(|n| (n == "OPENAI_PROJECT").then(|| "p1".to_string()));
        assert_eq!(s.too_short_to_redact(), ["OPENAI_PROJECT"]);
        assert!(s.redactor().redact("p1 p1").found.is_empty());
    }

    #[test]
    fn env_live_completes_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env.live"),
            "# comment\nOPENAI_PROJECT=proj-from-file-xyz\nUNRELATED=1\n",
        )
        .unwrap();
        let s = Secrets::load(dir.path()).unwrap();
        // Only the variables of the contract are taken; the file's value is redacted.
        assert!(s.env_pairs().any(|(k, v)| k == "OPENAI_PROJECT"
            && (v == "proj-from-file-xyz" || std::env::var("OPENAI_PROJECT").is_ok())));
        assert!(s.env_pairs().all(|(k, _)| k != "UNRELATED"));
    }

    #[test]
    fn malformed_env_live_is_a_clear_error_without_the_value() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env.live"),
            "OPENAI_API_KEY='unterminated-SECRETVALUE\n",
        )
        .unwrap();
        let err = format!("{:#}", Secrets::load(dir.path()).unwrap_err());
        assert!(err.contains(".env.live"), "{err}");
        assert!(!err.contains("SECRETVALUE"), "{err}");
    }
}
