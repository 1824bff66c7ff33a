//! `init`: a commented `live-suite.toml` for a backend run as a command, a compose stack or
//! a running URL (`--stack`), with the JSON schema editors validate it by; with
//! `--gitignore`, the evidence folder added to `.gitignore`. Never overwrites a file.

mod templates;

use super::{EXIT_PASS, EXIT_SETUP};
use crate::cli::{InitArgs, InitStack, DEFAULT_OUT};
use crate::model::events::Events;
use crate::stack::suite_config::{schema_url, FILE_NAME};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// The text `init` writes for `stack`; for a process, `command` (split at spaces) and `env`
/// in place of the example's.
pub(crate) fn template(
    stack: InitStack,
    command: Option<&str>,
    env: &[(String, String)],
) -> Result<String, String> {
    let body = match stack {
        InitStack::Process => process(command, env),
        _ if command.is_some() || !env.is_empty() => {
            return Err("--command and --env describe a --stack process".into())
        }
        InitStack::Compose => templates::COMPOSE.to_owned(),
        InitStack::Url => templates::URL.to_owned(),
    };
    Ok(format!("#:schema {}\n{body}", schema_url()))
}

/// The process template with `command` and `env`, each value a TOML string.
fn process(command: Option<&str>, env: &[(String, String)]) -> String {
    let quoted = |s: &str| serde_json::to_string(s).expect("a string serializes");
    let mut body = templates::PROCESS.to_owned();
    if let Some(command) = command {
        let words: Vec<String> = command.split_whitespace().map(quoted).collect();
        let line = body
            .lines()
            .find(|l| l.starts_with("command = "))
            .expect("the template has a command")
            .to_owned();
        body = body.replacen(&line, &format!("command = [{}]", words.join(", ")), 1);
    }
    if !env.is_empty() {
        let lines: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{k} = {}", quoted(v)))
            .collect();
        body = body.replacen("DATA_DIR = \"{data}\"", &lines.join("\n"), 1);
    }
    body
}

impl InitArgs {
    pub fn run(self, dir: &Path, events: &Events) -> Result<i32> {
        let text = match template(self.stack, self.command.as_deref(), &self.env) {
            Ok(text) => text,
            Err(why) => {
                events.line(format!("init: {why}; nothing was written"));
                return Ok(EXIT_SETUP);
            }
        };
        let file = dir.join(FILE_NAME);
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&file);
        let mut f = match created {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                events.line(format!(
                    "init: {} exists already, and init never overwrites; fix: edit it, or \
                     remove it and run init again",
                    file.display()
                ));
                return Ok(EXIT_SETUP);
            }
            Err(e) => return Err(e).with_context(|| format!("creating {}", file.display())),
        };
        f.write_all(text.as_bytes())
            .with_context(|| format!("writing {}", file.display()))?;
        events.line(format!(
            "init: wrote {} ({}); {}",
            file.display(),
            self.stack.describe(),
            self.stack.next_step()
        ));
        if self.gitignore {
            events.line(ignore_evidence(dir)?);
        }
        events.line(
            "then: `codex-live-suite doctor` checks what a run needs, `codex-live-suite` runs \
             the suite",
        );
        Ok(EXIT_PASS)
    }
}

/// The evidence folder (`--out`'s default) in `dir/.gitignore`, once; what was done.
fn ignore_evidence(dir: &Path) -> Result<String> {
    let path = dir.join(".gitignore");
    let line = format!("/{DEFAULT_OUT}/");
    let old = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if old
        .lines()
        .any(|l| l.trim() == line || l.trim() == &line[1..])
    {
        return Ok(format!("init: {} ignores {line} already", path.display()));
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let sep = if old.is_empty() || old.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    write!(
        f,
        "{sep}# codex-live-suite's evidence: a run folder and a zip per run\n{line}\n"
    )
    .with_context(|| format!("writing {}", path.display()))?;
    Ok(format!("init: {} now ignores {line}", path.display()))
}

#[cfg(test)]
mod tests;
