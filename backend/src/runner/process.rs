//! Process runner (`USE_DUMMY_WORKER=False`, `WORKER_RUNNER=process`): spawns `WORKER_BIN`
//! with `WORKSPACE_DIR` and a cleared environment (only `PATH`, `HOME` and the passthrough
//! variables that are set), writes its output to `.codex/worker.log`, kills it on timeout.

use super::{passthrough_env, Exit, JobSpec, RunError, RunFuture, Runner};
use crate::workspace::WORKER_LOG;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub struct ProcessRunner {
    pub bin: PathBuf,
    pub timeout: Duration,
}

impl Runner for ProcessRunner {
    fn name(&self) -> &'static str {
        "process"
    }

    fn run<'a>(&'a self, spec: &'a JobSpec, cancel: CancellationToken) -> RunFuture<'a> {
        Box::pin(async move {
            let log_path = spec.workspace.join(WORKER_LOG);
            let log = std::fs::File::create(&log_path).map_err(|e| {
                RunError::Failed(format!("cannot create {}: {e}", log_path.display()))
            })?;
            let log_err = log
                .try_clone()
                .map_err(|e| RunError::Failed(format!("cannot share the worker log: {e}")))?;

            let mut cmd = tokio::process::Command::new(&self.bin);
            cmd.env_clear();
            for keep in ["PATH", "HOME"] {
                if let Some(v) = std::env::var_os(keep) {
                    cmd.env(keep, v);
                }
            }
            cmd.envs(passthrough_env())
                .env("WORKSPACE_DIR", &spec.workspace)
                .current_dir(&spec.workspace)
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(log_err)
                .kill_on_drop(true);
            let mut child = cmd.spawn().map_err(|e| {
                RunError::Failed(format!(
                    "cannot start the worker WORKER_BIN={}: {e}; build it with \
                     `cargo build -p codex-worker` or point WORKER_BIN at it",
                    self.bin.display()
                ))
            })?;

            tokio::select! {
                status = child.wait() => {
                    let status = status.map_err(|e| RunError::Failed(format!("waiting for the worker: {e}")))?;
                    Ok(Exit { code: status.code().map(i64::from) })
                }
                _ = tokio::time::sleep(self.timeout) => {
                    let _ = child.kill().await;
                    Err(RunError::Timeout(self.timeout))
                }
                _ = cancel.cancelled() => {
                    let _ = child.kill().await;
                    Err(RunError::Cancelled)
                }
            }
        })
    }
}
