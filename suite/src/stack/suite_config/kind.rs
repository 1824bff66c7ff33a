//! Which stack a `live-suite.toml` describes: a backend run as a command (`[process]`), a
//! running backend (`base_url`), or a compose stack (`compose_files`, the default). One
//! file describes one; keys of another kind are refused with the key and the fix.

use super::schema_url;
use anyhow::{bail, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `[process]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProcessFile {
    command: Vec<String>,
    cwd: Option<PathBuf>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

/// A backend run as a command. `{port}` (a free loopback port chosen per start) and
/// `{data}` (a private folder kept across the rollback) are replaced in `command`, `cwd`
/// and the values of `env`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessConfig {
    pub command: Vec<String>,
    /// Where the command runs: absolute, or relative to the config file's folder.
    pub cwd: PathBuf,
    pub env: BTreeMap<String, String>,
}

/// A backend someone else runs: the file's `base_url` (and its mocked twin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct External {
    pub base_url: String,
    pub mocked_base_url: Option<String>,
}

/// The stack keys of a file, before they are checked against each other.
pub(super) struct StackKeys<'a> {
    pub process: Option<ProcessFile>,
    pub base_url: Option<String>,
    pub mocked_base_url: Option<String>,
    /// The compose keys the file sets, by name (`compose_files`, `service`, …).
    pub compose_keys: Vec<&'a str>,
}

/// The stack the keys describe: `(process, external)`, both `None` for compose. More than
/// one kind is an error naming the keys of each.
pub(super) fn which_stack(
    keys: StackKeys,
    path: &Path,
    folder: &Path,
) -> Result<(Option<ProcessConfig>, Option<External>)> {
    let mut kinds = Vec::new();
    if keys.process.is_some() {
        kinds.push("[process]".to_owned());
    }
    if keys.base_url.is_some() {
        kinds.push("base_url".to_owned());
    }
    if !keys.compose_keys.is_empty() {
        kinds.push(keys.compose_keys.join(", "));
    }
    if kinds.len() > 1 {
        bail!(
            "{}: describes more than one stack ({}); fix: keep one of `[process]` (a backend \
             run as a command), `base_url` (a backend already running) or the compose keys \
             (see {})",
            path.display(),
            kinds.join(" and "),
            schema_url()
        );
    }
    if keys.mocked_base_url.is_some() && keys.base_url.is_none() {
        bail!(
            "{}: `mocked_base_url` without `base_url`; fix: add `base_url`, the live backend, \
             or remove `mocked_base_url`",
            path.display()
        );
    }
    let external = match keys.base_url {
        Some(url) => Some(External {
            base_url: checked_url(&url, "base_url", path)?,
            mocked_base_url: keys
                .mocked_base_url
                .map(|u| checked_url(&u, "mocked_base_url", path))
                .transpose()?,
        }),
        None => None,
    };
    let process = keys
        .process
        .map(|p| process_config(p, path, folder))
        .transpose()?;
    Ok((process, external))
}

fn checked_url(url: &str, key: &str, path: &Path) -> Result<String> {
    crate::target::client::parse_base_url(url).map_err(|e| {
        anyhow::anyhow!(
            "{}: `{key}` = {url:?}: {e:#}; fix: give http(s)://host[:port]",
            path.display()
        )
    })
}

fn process_config(p: ProcessFile, path: &Path, folder: &Path) -> Result<ProcessConfig> {
    if p.command
        .first()
        .is_none_or(|program| program.trim().is_empty())
    {
        bail!(
            "{}: `[process] command` is empty; fix: give the program and its arguments, e.g. \
             [\"python3\", \"-m\", \"uvicorn\", \"app.main:app\", \"--port\", \"{{port}}\"]",
            path.display()
        );
    }
    if let Some(bad) = p.env.keys().find(|k| k.is_empty() || k.contains('=')) {
        bail!(
            "{}: `[process] env` holds the variable name {bad:?}; fix: name variables without \
             `=`",
            path.display()
        );
    }
    if let Some(secret) = p
        .env
        .keys()
        .find(|k| codex_contract::SECRET_VARS.contains(&k.as_str()))
    {
        bail!(
            "{}: `[process] env` sets {secret}; fix: remove it: secrets come from the \
             environment or `env_file`, never from a config file",
            path.display()
        );
    }
    // `{data}` is only known at start: such a cwd stays as written.
    let cwd = p.cwd.unwrap_or_else(|| PathBuf::from("."));
    let cwd = if cwd.starts_with("{data}") {
        cwd
    } else {
        folder.join(cwd)
    };
    Ok(ProcessConfig {
        command: p.command,
        cwd,
        env: p.env,
    })
}
