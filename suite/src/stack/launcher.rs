//! Which stack a run starts. The suite's own launcher starts what the config describes; a
//! repository with stacks of its own brings another.

use super::external::ExternalStack;
use super::process::ProcessStack;
use super::{Stack, StackOptions};
use crate::stack::docker::compose::ComposeStack;
use crate::stack::suite_config::SuiteConfig;
use crate::target::preflight::Target;
use anyhow::Result;
use codex_contract::Mode;
use std::path::{Path, PathBuf};

/// What the command line asks of the stack: a backend already running (`--base-url`), or
/// the file that describes one (`--config`); neither means the default file or defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    pub base_url: Option<&'a str>,
    pub config: Option<&'a Path>,
}

/// Starts the stacks a run can use (every one but `--base-url`, which the run connects to
/// itself).
pub trait Launcher {
    /// The stack description: `--config`, a default file, or the defaults.
    fn config(&self, asked: &Request) -> Result<SuiteConfig>;

    /// Announces the choice and its reason (`StackOptions::announce`), starts the stack in
    /// `opts.mode` and waits until it is healthy.
    fn start(&self, opts: &StackOptions) -> Result<Box<dyn Stack>>;

    /// The folder whose commit the run records.
    fn commit_dir(&self, config: &SuiteConfig) -> PathBuf;

    /// What a Docker engine means to the stack `start` would choose for `config` (`doctor`
    /// asks): the compose stack needs one; a process or a running backend does not.
    fn docker(&self, config: &SuiteConfig) -> Docker {
        if config.is_compose() {
            Docker::Required
        } else {
            Docker::Unused
        }
    }
}

/// What a Docker engine (and the compose CLI) means to a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Docker {
    /// The stack is a compose stack: no run without them.
    Required,
    /// Used when present; without them the run takes another stack (the text says which).
    Optional(String),
    /// The stack runs without Docker.
    Unused,
}

/// The suite's own launcher: the stack `live-suite.toml` describes (a process, a running
/// backend or a compose stack), looked for in `dir` (the current directory) unless
/// `--config` names it.
pub struct ConfigLauncher {
    pub dir: PathBuf,
    /// The `PATH` a `[process]` command is looked for on (the environment's).
    pub path: Option<std::ffi::OsString>,
}

impl Launcher for ConfigLauncher {
    fn config(&self, asked: &Request) -> Result<SuiteConfig> {
        if asked.base_url.is_some() {
            return Ok(SuiteConfig::defaults(&self.dir));
        }
        let config = SuiteConfig::load(&self.dir, asked.config)?;
        // What the stack lacks is a setup error now, before anything is created.
        config.ready(self.path.as_deref())?;
        Ok(config)
    }

    fn start(&self, opts: &StackOptions) -> Result<Box<dyn Stack>> {
        let config = &opts.config;
        let kind = match (&config.process, &config.external) {
            (Some(_), _) => "process",
            (None, Some(_)) => "external",
            (None, None) => "compose",
        };
        let why = match &config.source {
            Some(file) => format!("described by {}", file.display()),
            None => format!(
                "no {} in {}: the default compose files",
                crate::stack::suite_config::FILE_NAME,
                self.dir.display()
            ),
        };
        opts.announce(&format!("{kind} ({why})"));
        Ok(match &config.external {
            _ if config.process.is_some() => Box::new(ProcessStack::start(opts, "process")?),
            Some(e) => {
                let (live_key, mocked_key) = match &config.source {
                    Some(file) => (
                        format!("base_url of {}", file.display()),
                        format!("mocked_base_url of {}", file.display()),
                    ),
                    None => ("base_url".into(), "mocked_base_url".into()),
                };
                let base = Target {
                    flag: &live_key,
                    url: &e.base_url,
                    mode: opts.mode,
                };
                let mocked = e.mocked_base_url.as_deref().map(|url| Target {
                    flag: &mocked_key,
                    url,
                    mode: Mode::Mocked,
                });
                Box::new(ExternalStack::connect(&base, mocked.as_ref(), opts)?)
            }
            None => Box::new(ComposeStack::start(opts)?),
        })
    }

    fn commit_dir(&self, config: &SuiteConfig) -> PathBuf {
        config
            .source
            .as_deref()
            .and_then(Path::parent)
            .map_or_else(|| self.dir.clone(), Path::to_owned)
    }
}
