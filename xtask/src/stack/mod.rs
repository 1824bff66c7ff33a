//! Stacks: what runs the backend under test. The ladder only sees this trait.
//!
//! - `local`: the backend as a child process with the process runner (`stack/local.rs`).
//! - `compose`: docker compose with worker containers (`stack/compose.rs`, its project in
//!   `compose_project.rs`, its container logs in `docker_logs.rs`; the developer's stack
//!   and the sweep of killed runs in `dev.rs`).
//! - `external`: an already running backend given by `--base-url` (`stack/external.rs`).

pub mod compose;
pub mod compose_project;
pub mod dev;
pub mod docker_logs;
pub mod external;
pub mod health;
mod host_lock;
pub mod local;
pub mod pre_build;

use crate::events::Events;
use crate::evidence::Evidence;
use crate::secrets::Secrets;
use crate::suite_config::SuiteConfig;
use anyhow::Result;
use codex_contract::Mode;
use std::sync::Arc;

/// A running backend that the suite can test, roll back and tear down.
pub trait Stack {
    /// `local`, `compose` or `external`, as printed and recorded in the JUnit properties.
    fn name(&self) -> &'static str;

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

/// `--stack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StackKind {
    /// The backend as a child process with the process runner (no Docker).
    Local,
    /// docker compose: backend container, one worker container per job.
    Compose,
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
    /// A suite run's stack or the developer's.
    pub instance: Instance,
    /// Where the stack reports what it does (start-up lines, shutdown, warnings).
    pub events: Arc<Events>,
    /// What the compose stack drives: our `docker-compose.yml`, or a `live-suite.toml`.
    pub config: Arc<SuiteConfig>,
    /// Compose: the host address to publish the backend port on (`None`: 127.0.0.1).
    pub publish_address: Option<std::net::IpAddr>,
    /// The run folder, when the stack belongs to a suite run (where `prebuild.log` goes).
    pub evidence: Option<Evidence>,
}

/// Whose stack it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instance {
    /// A suite run's: named by the run (compose project names, labels, folders), unique.
    Run { run_id: String },
    /// The developer's (`cargo xtask up`): compose project `codex-dev` on `CODEX_PORT`.
    Developer,
}

impl Instance {
    /// Names the stack's temporary folders and labels.
    pub fn label(&self) -> &str {
        match self {
            Instance::Run { run_id } => run_id,
            Instance::Developer => "dev",
        }
    }
}

/// `USE_DUMMY_WORKER` for a mode: the backend's switch (plan section 2).
pub fn use_dummy_worker(mode: Mode) -> &'static str {
    match mode {
        Mode::Mocked => "True",
        Mode::Live => "False",
    }
}

/// `--stack` given, or the default: compose when a Docker engine answers, else local.
/// Returns the choice and the reason, printed first.
pub fn choose(requested: Option<StackKind>) -> (StackKind, String) {
    match requested {
        Some(k) => (k, "chosen with --stack".into()),
        None => match crate::docker::probe_engine() {
            Ok(version) => (
                StackKind::Compose,
                format!("Docker engine {version} answers (default)"),
            ),
            Err(why) => (StackKind::Local, format!("{why} (default without Docker)")),
        },
    }
}

/// Starts the chosen stack in `opts.mode` and waits until it is healthy.
pub fn start(kind: StackKind, opts: &StackOptions) -> Result<Box<dyn Stack>> {
    Ok(match kind {
        StackKind::Local => Box::new(local::LocalStack::start(opts)?),
        StackKind::Compose => Box::new(compose::ComposeStack::start(opts)?),
    })
}

/// A suite run's default (no `--stack`) on a machine whose compose images were never built:
/// the local stack now, instead of a cold static build of both images first (about a minute
/// on 2 cores; issue 13, first run). `Some(reason)` when the run should fall back.
pub fn cold_compose_fallback(requested: Option<StackKind>, chosen: StackKind) -> Option<String> {
    let built = || crate::images::static_binaries_exist(&crate::project_root());
    falls_back(requested, chosen, built).then(|| {
        "a Docker engine answers, but the compose images were never built here and would \
         need a cold static build first (about a minute on 2 cores): this run uses the local \
         stack; `--stack compose` forces compose (later runs default to it once built)"
            .to_owned()
    })
}

/// Only a default choice of compose falls back, and only while the images were never built.
fn falls_back(
    requested: Option<StackKind>,
    chosen: StackKind,
    images_built: impl FnOnce() -> bool,
) -> bool {
    requested.is_none() && chosen == StackKind::Compose && !images_built()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_default_compose_choice_without_images_falls_back_to_local() {
        assert!(falls_back(None, StackKind::Compose, || false));
        assert!(!falls_back(None, StackKind::Compose, || true));
        let forced = Some(StackKind::Compose);
        assert!(
            !falls_back(forced, StackKind::Compose, || false),
            "--stack compose forces it"
        );
        assert!(!falls_back(None, StackKind::Local, || false));
    }
}
