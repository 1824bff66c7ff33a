//! Stacks: what runs the backend under test. The ladder only sees the `Stack` trait.
//!
//! - `process`: a backend run as a command (`stack/process.rs`).
//! - `compose`: docker compose as a `live-suite.toml` describes it (`docker/compose.rs`, with
//!   the rest of what speaks to the Docker engine under `docker/`).
//! - `external`: an already running backend given by `--base-url` (`stack/external.rs`).
//!
//! Which stack a run starts is the `Launcher`'s choice: `ConfigLauncher` starts what the
//! config file describes; a repository with stacks of its own brings its own launcher.

pub(crate) mod docker;
pub(crate) mod external;
mod launcher;
pub(crate) mod process;
pub(crate) mod suite_config;

pub use launcher::{ConfigLauncher, Docker, Launcher, Request};

use crate::evidence::Evidence;
use crate::model::events::Events;
use crate::model::secrets::Secrets;
use crate::stack::suite_config::SuiteConfig;
use anyhow::{Context, Result};
use codex_contract::Mode;
use std::sync::Arc;

/// A running backend that the suite can test, roll back and tear down.
pub trait Stack {
    /// `process`, `compose` or `external` (or a caller's name for its own), as printed and
    /// recorded in the JUnit properties.
    fn name(&self) -> &str;

    /// Root URL of the backend, without the API prefix, e.g. `http://127.0.0.1:41234`.
    fn base_url(&self) -> String;

    /// The mode the stack was last started in.
    fn mode(&self) -> Mode;

    /// Rollback (plan section 8): restart the backend in mocked mode on the same data and
    /// wait until it answers healthy in mocked mode. Afterwards `base_url()` may differ.
    fn rollback_to_mocked(&mut self) -> anyhow::Result<()>;

    /// Backend log output produced since the previous call (raw; the caller redacts it
    /// before writing). `None` when this stack cannot see the backend's logs.
    fn take_logs(&mut self) -> anyhow::Result<Option<String>>;

    /// Stop everything this stack started (idempotent; honours `--keep-up`).
    fn shutdown(&mut self) -> anyhow::Result<()>;

    /// The secrets this stack handed to the backend's environment, so that L01 can check
    /// the worker's presence lines against them. `None` when the stack does not control the
    /// backend's environment (`--base-url`).
    fn handed_secrets(&self) -> Option<&Secrets> {
        None
    }

    /// Why this stack cannot roll back, when it cannot (then the rollback phase is reported
    /// skipped with this reason). `None`: `rollback_to_mocked` is available.
    fn rollback_unavailable(&self) -> Option<String> {
        None
    }
}

/// What every stack constructor gets.
#[derive(Clone)]
pub struct StackOptions {
    /// The mode to start in: live for the ladder, mocked for `smoke` and `up --mocked`.
    pub mode: Mode,
    /// Leave the stack running at the end (`--keep-up`).
    pub keep_up: bool,
    /// The secrets to hand to the backend's environment (never printed).
    pub secrets: Secrets,
    /// A suite run's stack or a developer's one a person keeps running.
    pub owner: StackOwner,
    /// Where the stack reports what it does (start-up lines, shutdown, warnings).
    pub events: Arc<Events>,
    /// What the compose stack drives: the defaults, or a `live-suite.toml`.
    pub config: Arc<SuiteConfig>,
    /// Compose: the host address to publish the backend port on (`None`: 127.0.0.1).
    pub publish_address: Option<std::net::IpAddr>,
    /// Compose: images the caller builds itself instead of `pre_build` and `compose build`.
    pub images: Option<crate::stack::docker::compose::CallerImages>,
    /// The run folder, when the stack belongs to a suite run (where `prebuild.log` goes).
    pub evidence: Option<Evidence>,
    /// How long the backend may take to answer healthy (`--health-timeout`).
    pub health_timeout: std::time::Duration,
}

impl StackOptions {
    /// The first lines of a run, before the stack starts: which stack and why (`stack: …`),
    /// then which secrets the backend is handed (presence only) and which are too short to
    /// redact. Every launcher announces its choice through this, so the lines are the same.
    pub fn announce(&self, choice: &str) {
        self.events.line(format!("stack: {choice}"));
        preamble(&self.secrets, &self.events);
    }
}

/// Which secrets are present (never their values), and which are too short to redact.
pub(crate) fn preamble(secrets: &Secrets, events: &Events) {
    events.line(format!("secrets: {}", secrets.presence().join(" ")));
    for name in secrets.too_short_to_redact() {
        events.line(format!(
            "warning: {name} is shorter than {} characters and will not be redacted",
            crate::model::secrets::MIN_REDACT_LEN
        ));
    }
}

/// Whose stack it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackOwner {
    /// A suite run's: named by the run (compose project names, labels, folders), unique.
    Run { run_id: String },
    /// One a person keeps running (a developer's): a fixed compose project on a fixed port,
    /// whose volumes a failed start leaves in place.
    Developer { project: String, port: u16 },
}

impl StackOwner {
    /// Names the stack's temporary folders and labels.
    pub fn label(&self) -> &str {
        match self {
            StackOwner::Run { run_id } => run_id,
            StackOwner::Developer { project, .. } => project,
        }
    }
}

/// A port that was free a moment ago (bind to port 0, read it, release it).
pub(crate) fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?.port())
}
