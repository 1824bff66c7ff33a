//! The worker's environment, parsed once:
//! - `WORKSPACE_DIR` (default `/workspace`): the project workspace.
//! - `SLEEP_SECONDS`: every job takes at least this long (the long-running scenario).
//! - `CODEX_AGENT_CMD`: when set, the agent engine runs this command line instead of the
//!   built-in templates; `CODEX_AGENT_TIMEOUT_SECONDS` (default 600) bounds it.

use crate::engine::agent::AgentConfig;
use crate::engine::Engine;
use crate::secrets::Secrets;
use anyhow::{bail, Result};
use std::path::PathBuf;
use std::time::Duration;

pub const DEFAULT_WORKSPACE: &str = "/workspace";
pub const DEFAULT_AGENT_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Debug)]
pub struct Config {
    pub workspace: PathBuf,
    pub engine: Engine,
    /// From `SLEEP_SECONDS`; `None` when unset or empty.
    pub sleep: Option<Duration>,
    pub secrets: Secrets,
}

/// `WORKSPACE_DIR`, or `/workspace`. Never fails: it is needed to report every other error.
pub fn workspace_dir(lookup: &impl Fn(&str) -> Option<String>) -> PathBuf {
    lookup("WORKSPACE_DIR")
        .filter(|v| !v.trim().is_empty())
        .map_or_else(|| PathBuf::from(DEFAULT_WORKSPACE), PathBuf::from)
}

/// `agent` when `CODEX_AGENT_CMD` is set to a non-blank command, else `builtin`. Never fails,
/// so that even a result for an invalid configuration names the engine that was chosen.
pub fn engine_name(lookup: &impl Fn(&str) -> Option<String>) -> &'static str {
    match agent_command(lookup) {
        Some(_) => "agent",
        None => "builtin",
    }
}

fn agent_command(lookup: &impl Fn(&str) -> Option<String>) -> Option<String> {
    lookup("CODEX_AGENT_CMD").filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Config> {
        let engine = match agent_command(lookup) {
            Some(command) => Engine::Agent(AgentConfig {
                command,
                timeout: seconds_var(lookup, "CODEX_AGENT_TIMEOUT_SECONDS")?
                    .unwrap_or(DEFAULT_AGENT_TIMEOUT),
            }),
            None => Engine::Builtin,
        };
        Ok(Config {
            workspace: workspace_dir(lookup),
            engine,
            sleep: seconds_var(lookup, "SLEEP_SECONDS")?,
            secrets: Secrets::from_lookup(lookup),
        })
    }
}

/// A non-negative number of seconds (decimals allowed), `None` when unset or blank.
fn seconds_var(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Result<Option<Duration>> {
    let Some(raw) = lookup(name).filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    match parse_seconds(&raw) {
        Some(d) => Ok(Some(d)),
        None => bail!(
            "{name}={raw:?} is not a number of seconds: set it to a non-negative number such \
             as 5 or 0.5, or unset it"
        ),
    }
}

/// `"5"`, `"0.5"` → a duration; negative, infinite or non-numeric → `None`.
pub fn parse_seconds(raw: &str) -> Option<Duration> {
    let secs: f64 = raw.trim().parse().ok()?;
    Duration::try_from_secs_f64(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn defaults_are_builtin_on_slash_workspace_without_sleep() {
        let env = lookup(&[]);
        let c = Config::from_lookup(&env).unwrap();
        assert_eq!(c.workspace, PathBuf::from("/workspace"));
        assert!(matches!(c.engine, Engine::Builtin));
        assert_eq!(c.sleep, None);
        assert_eq!(engine_name(&env), "builtin");
    }

    #[test]
    fn agent_engine_with_default_and_explicit_timeout() {
        let env = lookup(&[("CODEX_AGENT_CMD", "codex exec"), ("WORKSPACE_DIR", "/w")]);
        let c = Config::from_lookup(&env).unwrap();
        assert_eq!(engine_name(&env), "agent");
        assert_eq!(c.workspace, PathBuf::from("/w"));
        match c.engine {
            Engine::Agent(a) => {
                assert_eq!(a.command, "codex exec");
                assert_eq!(a.timeout, Duration::from_secs(600));
            }
            Engine::Builtin => panic!("expected the agent engine"),
        }
        let env = lookup(&[
            ("CODEX_AGENT_CMD", "x"),
            ("CODEX_AGENT_TIMEOUT_SECONDS", "2.5"),
        ]);
        match Config::from_lookup(&env).unwrap().engine {
            Engine::Agent(a) => assert_eq!(a.timeout, Duration::from_millis(2500)),
            Engine::Builtin => panic!("expected the agent engine"),
        }
    }

    #[test]
    fn blank_agent_command_means_builtin() {
        let env = lookup(&[("CODEX_AGENT_CMD", "  ")]);
        assert_eq!(engine_name(&env), "builtin");
        assert!(matches!(
            Config::from_lookup(&env).unwrap().engine,
            Engine::Builtin
        ));
    }

    #[test]
    fn bad_numbers_are_errors_that_name_the_variable_and_the_fix() {
        for (name, raw) in [("SLEEP_SECONDS", "abc"), ("SLEEP_SECONDS", "-1")] {
            let err = Config::from_lookup(&lookup(&[(name, raw)]))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(name) && err.contains("non-negative number"),
                "{err}"
            );
        }
        let env = lookup(&[
            ("CODEX_AGENT_CMD", "x"),
            ("CODEX_AGENT_TIMEOUT_SECONDS", "soon"),
        ]);
        let err = Config::from_lookup(&env).unwrap_err().to_string();
        assert!(err.contains("CODEX_AGENT_TIMEOUT_SECONDS"), "{err}");
        assert_eq!(
            Config::from_lookup(&lookup(&[("SLEEP_SECONDS", "3")]))
                .unwrap()
                .sleep,
            Some(Duration::from_secs(3))
        );
    }
}
