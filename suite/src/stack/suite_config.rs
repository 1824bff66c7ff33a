//! Bring your own stack: `live-suite.toml`, at the repository root or
//! given by `--config PATH`, describes another team's compose stack so that the same
//! scripted run (build, up, health, ladder, rollback, rerun, down) works against it without
//! editing Rust. Without the file the defaults describe our own stack (`docker-compose.yml`).
//!
//! Every key is described by the schema (`suite/live-suite.schema.json`) and in the files
//! `init` writes. A bad file is a setup error (exit 2)
//! that names the key, the file and the fix: an unknown key, a value of the wrong type, a
//! service that is not in the compose file, `parallel = true` on a file that pins a
//! `container_name` or a host port.

mod compose;
mod kind;
mod ready;

pub(crate) use kind::{External, ProcessConfig};

use crate::sys::bounded_read::{self, CONFIG_LIMIT};
use anyhow::{bail, Context, Result};
use codex_contract::Mode;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file looked for at the repository root.
pub const FILE_NAME: &str = "live-suite.toml";
/// Where editors (taplo, even-better-toml) and people find every key described: this
/// release's schema in the repository.
pub(crate) fn schema_url() -> String {
    let repo = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    let raw = repo.replacen(
        "https://github.com/",
        "https://raw.githubusercontent.com/",
        1,
    );
    format!(
        "{raw}/v{}/suite/live-suite.schema.json",
        env!("CARGO_PKG_VERSION")
    )
}

/// An error's pointer to every key.
fn every_key() -> String {
    format!(
        "every key is described by the schema {}, and `codex-live-suite init` writes a \
         commented file",
        schema_url()
    )
}
/// `pre_build_timeout` when the file has none: a cold build of a team's images.
pub(crate) const PRE_BUILD_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// A compose stack the suite can drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteConfig {
    /// The file this came from; `None`: our own stack's defaults.
    pub source: Option<PathBuf>,
    /// `compose_files`, absolute (relative ones are read from the config file's folder).
    pub compose_files: Vec<PathBuf>,
    /// `service`: the backend's compose service.
    pub service: String,
    /// `container_port`: the port the backend listens on inside its container; the host
    /// port is asked from compose (`port <service> <container_port>`).
    pub container_port: u16,
    /// `health_paths`: each must answer 200 before the ladder starts.
    pub health_paths: Vec<String>,
    /// `[mode]`: the variable that switches live and mocked mode, and its two values.
    pub mode: ModeVariable,
    /// `env_file`: where the secrets are read from when not in the environment.
    pub env_file: PathBuf,
    /// The file named `env_file` itself, which must exist; without the key, the default
    /// `.env.live` may be absent.
    pub env_file_required: bool,
    /// `pre_build`: a command (argv, no shell) run from the config file's folder before
    /// `compose build`. `None`: nothing (our own stack builds its images itself).
    pub pre_build: Option<Vec<String>>,
    /// `pre_build_timeout` (seconds): how long `pre_build` may run before its process group
    /// is killed.
    pub pre_build_timeout: Duration,
    /// `parallel`: several copies of the stack may run at once on one host. `false`: the
    /// suite takes a host-wide lock and says so.
    pub parallel: bool,
    /// `[process]`: the backend runs as this command instead of a compose stack.
    pub process: Option<ProcessConfig>,
    /// `base_url`: the backend already runs there instead (no lifecycle).
    pub external: Option<External>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeVariable {
    pub variable: String,
    pub live: String,
    pub mocked: String,
}

impl ModeVariable {
    /// The value that starts the backend in `mode`.
    pub fn value(&self, mode: Mode) -> &str {
        match mode {
            Mode::Live => &self.live,
            Mode::Mocked => &self.mocked,
        }
    }
}

impl Default for ModeVariable {
    fn default() -> Self {
        ModeVariable {
            variable: "USE_DUMMY_WORKER".into(),
            live: "False".into(),
            mocked: "True".into(),
        }
    }
}

/// The file as written: every key optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    compose_files: Option<Vec<PathBuf>>,
    service: Option<String>,
    container_port: Option<u16>,
    health_paths: Option<Vec<String>>,
    mode: Option<ModeVariable>,
    env_file: Option<PathBuf>,
    pre_build: Option<Vec<String>>,
    pre_build_timeout: Option<u64>,
    parallel: Option<bool>,
    process: Option<kind::ProcessFile>,
    base_url: Option<String>,
    mocked_base_url: Option<String>,
}

impl File {
    /// The compose keys this file sets, by name.
    fn compose_keys(&self) -> Vec<&'static str> {
        [
            ("compose_files", self.compose_files.is_some()),
            ("service", self.service.is_some()),
            ("container_port", self.container_port.is_some()),
            ("pre_build", self.pre_build.is_some()),
            ("parallel", self.parallel.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect()
    }
}

impl SuiteConfig {
    /// Our own stack (`docker-compose.yml` at `root`), as the compose stack runs it.
    pub fn defaults(root: &Path) -> SuiteConfig {
        SuiteConfig {
            source: None,
            compose_files: vec![root.join("docker-compose.yml")],
            service: "backend".into(),
            container_port: 8000,
            health_paths: vec!["/docs".into(), "/healthz".into()],
            mode: ModeVariable::default(),
            env_file: root.join(".env.live"),
            env_file_required: false,
            pre_build: None,
            pre_build_timeout: PRE_BUILD_TIMEOUT,
            parallel: true,
            process: None,
            external: None,
        }
    }

    /// `--config PATH` when given (it must exist), else `<root>/live-suite.toml` when it
    /// exists, else our own stack.
    pub fn load(root: &Path, explicit: Option<&Path>) -> Result<SuiteConfig> {
        let present = |p: &Path| std::fs::symlink_metadata(p).is_ok();
        let path = match explicit {
            Some(p) if !present(p) => bail!(
                "--config {}: no such file; fix: give the path of a live-suite.toml ({})",
                p.display(),
                every_key()
            ),
            Some(p) => p.to_owned(),
            None if present(&root.join(FILE_NAME)) => root.join(FILE_NAME),
            None => return Ok(SuiteConfig::defaults(root)),
        };
        let text = bounded_read::read_text(&path, CONFIG_LIMIT)
            .with_context(|| format!("reading {}", path.display()))?;
        let folder = path
            .parent()
            .map(Path::to_owned)
            .unwrap_or_else(|| PathBuf::from("."));
        let config = SuiteConfig::parse(&text, &path, &folder)?;
        if config.is_compose() {
            config.check_compose()?;
        }
        Ok(config)
    }

    /// The file's text over our defaults; relative paths from `folder`. Checks the values
    /// themselves, not the compose file (see `check_compose`).
    fn parse(text: &str, path: &Path, folder: &Path) -> Result<SuiteConfig> {
        let mut file: File = toml::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {}\nfix: correct the key or value named above ({})",
                path.display(),
                e.to_string().trim_end(),
                every_key()
            )
        })?;
        let invalid = |key: &str, why: &str, fix: &str| {
            anyhow::anyhow!("{}: `{key}` {why}; fix: {fix}", path.display())
        };
        let ours = SuiteConfig::defaults(folder);
        let keys = kind::StackKeys {
            compose_keys: file.compose_keys(),
            process: file.process,
            base_url: file.base_url,
            mocked_base_url: file.mocked_base_url,
        };
        let (process, external) = kind::which_stack(keys, path, folder)?;
        let compose_files = match file.compose_files {
            Some(files) if files.is_empty() => {
                return Err(invalid(
                    "compose_files",
                    "is empty",
                    "name at least one compose file, e.g. [\"docker-compose.yml\"]",
                ))
            }
            Some(files) => files.into_iter().map(|f| folder.join(f)).collect(),
            None => ours.compose_files,
        };
        let health_paths = file.health_paths.unwrap_or(ours.health_paths);
        if health_paths.is_empty() {
            return Err(invalid(
                "health_paths",
                "is empty",
                "name at least one path that answers 200 when the backend is ready, e.g. [\"/docs\"]",
            ));
        }
        if let Some(bad) = health_paths.iter().find(|p| !p.starts_with('/')) {
            return Err(invalid(
                "health_paths",
                &format!("holds {bad:?}, which is not a path"),
                "write paths from the backend's root, starting with '/', e.g. \"/docs\"",
            ));
        }
        if file.container_port == Some(0) {
            return Err(invalid(
                "container_port",
                "is 0",
                "give the port the backend listens on inside its container (1-65535)",
            ));
        }
        let mode = file.mode.unwrap_or_default();
        if mode.variable.trim().is_empty() || mode.live == mode.mocked {
            return Err(invalid(
                "mode",
                "needs a variable name and two different values",
                "e.g. [mode] variable = \"USE_DUMMY_WORKER\", live = \"False\", mocked = \"True\"",
            ));
        }
        let (pre_build, pre_build_timeout) =
            pre_build(file.pre_build.take(), file.pre_build_timeout, &invalid)?;
        Ok(SuiteConfig {
            source: Some(path.to_owned()),
            compose_files,
            service: file.service.unwrap_or(ours.service),
            container_port: file.container_port.unwrap_or(ours.container_port),
            health_paths,
            mode,
            env_file_required: file.env_file.is_some(),
            env_file: folder.join(file.env_file.unwrap_or_else(|| ".env.live".into())),
            pre_build,
            pre_build_timeout,
            parallel: file.parallel.unwrap_or(ours.parallel),
            process,
            external,
        })
    }

    /// The file's text read as if it were `./live-suite.toml`, for tests of what it accepts.
    #[cfg(test)]
    pub(crate) fn parse_for_tests(text: &str) -> Result<SuiteConfig> {
        SuiteConfig::parse(text, Path::new(FILE_NAME), Path::new("."))
    }

    /// Whether this describes a compose stack (neither `[process]` nor `base_url`).
    pub fn is_compose(&self) -> bool {
        self.process.is_none() && self.external.is_none()
    }
}

/// `pre_build` and `pre_build_timeout` as written: a command that is not empty, a timeout
/// that is not 0 (default [`PRE_BUILD_TIMEOUT`]).
fn pre_build(
    argv: Option<Vec<String>>,
    timeout: Option<u64>,
    invalid: &dyn Fn(&str, &str, &str) -> anyhow::Error,
) -> Result<(Option<Vec<String>>, Duration)> {
    if argv.as_ref().is_some_and(Vec::is_empty) {
        return Err(invalid(
            "pre_build",
            "is empty",
            "give the command as a list, e.g. [\"make\", \"images\"], or remove the key",
        ));
    }
    match timeout {
        Some(0) => Err(invalid(
            "pre_build_timeout",
            "is 0",
            "give the seconds `pre_build` may take (default 1800), or remove the key",
        )),
        t => Ok((argv, t.map_or(PRE_BUILD_TIMEOUT, Duration::from_secs))),
    }
}

#[cfg(test)]
mod tests;
