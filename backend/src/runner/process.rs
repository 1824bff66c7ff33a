//! Process runner (`USE_DUMMY_WORKER=False`, `WORKER_RUNNER=process`): spawns `WORKER_BIN`
//! with `WORKSPACE_DIR` and a cleared environment (only `PATH`, `HOME` and the passthrough
//! variables that are set), writes its output to `.codex/worker.log`, kills it on timeout.
//!
//! No orphan ever writes: the worker leads its own process group that dies with the
//! backend (`pgroup.rs`), the group is killed when the run ends however it ends, and the
//! worker's pid is in the database while it runs, so that the next backend removes what a
//! `kill -9` left (`orphans.rs`).

use super::pgroup::{self, GroupGuard};
use super::{passthrough_env, Exit, JobSpec, RunError, RunFuture, Runner};
use crate::db::Db;
use crate::workspace::WORKER_LOG;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub struct ProcessRunner {
    pub bin: PathBuf,
    pub timeout: Duration,
    /// Where running workers are recorded (`worker_processes`).
    pub db: Db,
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
            pgroup::die_with_backend(&mut cmd);
            let mut child = cmd.spawn().map_err(|e| {
                RunError::Failed(format!(
                    "cannot start the worker WORKER_BIN={}: {e}; build it with \
                     `cargo build -p codex-worker` or point WORKER_BIN at it",
                    self.bin.display()
                ))
            })?;

            let pid = child.id();
            let mut group = GroupGuard::new(pid);
            if let Some(pid) = pid {
                // Recorded as soon as it runs, for the next start after a crash. Without the
                // record nothing could remove it then, so a failure here kills it (the guard).
                let ticks = pgroup::start_ticks(pid).unwrap_or(0);
                self.db
                    .record_worker(spec.job_id.clone(), pid, ticks)
                    .await
                    .map_err(|e| {
                        RunError::Failed(format!("cannot record the worker process: {e:#}"))
                    })?;
            }

            let ended = tokio::select! {
                status = child.wait() => status
                    .map(|s| Exit { code: s.code().map(i64::from) })
                    .map_err(|e| RunError::Failed(format!("waiting for the worker: {e}"))),
                _ = tokio::time::sleep(self.timeout) => Err(RunError::Timeout(self.timeout)),
                _ = cancel.cancelled() => Err(RunError::Cancelled),
            };
            // Whatever the worker left running (an agent's children) goes with it.
            group.kill_now();
            if ended.is_err() {
                let _ = child.wait().await;
            }
            if let Err(e) = self.db.forget_worker(spec.job_id.clone()).await {
                tracing::warn!(job_id = %spec.job_id, error = format!("{e:#}"), "cannot clear the worker's record");
            }
            ended
        })
    }
}
