//! Runners execute one job against its workspace. The queue prepares `.codex/request.json`
//! before calling a runner and judges `.codex/result.json` after it returns; a runner only
//! runs the worker (in process, as a child process, or in a container) and reports how that
//! ended.

pub mod docker;
pub mod mocked;
pub mod pgroup;
pub mod process;

use crate::config::{Config, RunnerKind};
use crate::db::Db;
use codex_contract::JobType;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// What a runner needs to know about a job.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub project_id: String,
    pub job_id: String,
    pub job_type: JobType,
    pub instruction: String,
    /// The project's workspace on this machine (absolute).
    pub workspace: PathBuf,
}

/// The worker ran to its end; `code` is its exit code when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit {
    pub code: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// Killed after `WORKER_TIMEOUT_SECONDS`.
    Timeout(Duration),
    /// Killed because the backend is shutting down.
    Cancelled,
    /// Could not run at all; the text says why and how to fix it.
    Failed(String),
}

pub type RunFuture<'a> = Pin<Box<dyn Future<Output = Result<Exit, RunError>> + Send + 'a>>;

pub trait Runner: Send + Sync {
    /// Short name for logs (`dummy`, `process`, `docker`).
    fn name(&self) -> &'static str;
    /// Runs the worker for `spec` until it exits, times out or `cancel` fires.
    fn run<'a>(&'a self, spec: &'a JobSpec, cancel: CancellationToken) -> RunFuture<'a>;
}

/// Variables passed to the worker by name, only when set in the backend's own environment.
pub const PASSTHROUGH_VARS: [&str; 4] = [
    codex_contract::SECRET_VARS[0],
    codex_contract::SECRET_VARS[1],
    codex_contract::SECRET_VARS[2],
    "SLEEP_SECONDS",
];

/// `(name, value)` for each passthrough variable that is set. The values go to the worker's
/// environment only; callers never log them.
pub fn passthrough_env() -> Vec<(&'static str, String)> {
    PASSTHROUGH_VARS
        .iter()
        .filter_map(|name| std::env::var(name).ok().map(|v| (*name, v)))
        .collect()
}

/// The runner the configuration asks for; `workspace_root` is the canonical WORKSPACE_ROOT;
/// `db` records the process runner's workers.
pub fn from_config(cfg: &Config, workspace_root: &std::path::Path, db: Db) -> Arc<dyn Runner> {
    if cfg.use_dummy_worker {
        return Arc::new(mocked::MockedRunner);
    }
    match cfg.runner {
        RunnerKind::Process => Arc::new(process::ProcessRunner {
            bin: cfg.worker_bin.clone(),
            timeout: cfg.worker_timeout,
            db,
        }),
        RunnerKind::Docker => Arc::new(docker::DockerRunner::new(cfg, workspace_root)),
    }
}
