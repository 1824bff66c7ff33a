//! Project workspaces on disk: `<WORKSPACE_ROOT>/<project_id>/` and its `.codex/` files.
//! Before every job the backend writes `.codex/request.json` and moves the previous job's
//! `result.json` (and `worker.log`) to `.codex/history/<previous job id>/`, so that a fresh
//! result is never confused with an old one.

use anyhow::Context;
use codex_contract::{
    history_segment, WorkerRequest, WorkerResult, CODEX_DIR, HISTORY_DIR, REQUEST_FILE, RESULT_FILE,
};
use std::path::{Path, PathBuf};

/// The worker's combined stdout/stderr, written by the process and docker runners.
pub const WORKER_LOG: &str = ".codex/worker.log";

#[derive(Clone, Debug)]
pub struct Workspaces {
    root: PathBuf,
}

/// Why `.codex/result.json` could not be used.
#[derive(Debug)]
pub enum ResultError {
    Missing,
    Invalid(String),
}

impl Workspaces {
    /// Creates `root` when needed and keeps its absolute, canonical form.
    pub fn new(root: &Path) -> anyhow::Result<Workspaces> {
        std::fs::create_dir_all(root).with_context(|| {
            format!(
                "creating the workspace root {} (check WORKSPACE_ROOT)",
                root.display()
            )
        })?;
        let root = root
            .canonicalize()
            .with_context(|| format!("resolving WORKSPACE_ROOT {}", root.display()))?;
        Ok(Workspaces { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/<project_id>`; ids come from our database (UUIDs), never from a raw request.
    pub fn dir(&self, project_id: &str) -> PathBuf {
        self.root.join(project_id)
    }

    /// Writes `request.json` for `req`, first moving a previous `result.json`/`worker.log`
    /// to history. The previous job is the one named in result.json, else
    /// `previous_job_id` (for workers that do not write `job_id`).
    pub fn prepare(
        &self,
        req: &WorkerRequest,
        previous_job_id: Option<&str>,
    ) -> anyhow::Result<()> {
        let dir = self.dir(&req.project_id);
        let codex = dir.join(CODEX_DIR);
        std::fs::create_dir_all(&codex).with_context(|| format!("creating {}", codex.display()))?;
        let result = dir.join(RESULT_FILE);
        if result.exists() {
            let named = read_result_at(&result).ok().and_then(|r| r.job_id);
            let owner = named
                .or_else(|| previous_job_id.map(str::to_string))
                .unwrap_or_else(|| format!("unknown-{}", codex_contract::now_iso8601()));
            let owner = history_segment(&owner);
            let hist = dir.join(HISTORY_DIR).join(&owner);
            std::fs::create_dir_all(&hist)
                .with_context(|| format!("creating {}", hist.display()))?;
            std::fs::rename(&result, hist.join("result.json")).with_context(|| {
                format!("moving the previous result.json to {}", hist.display())
            })?;
            let log = dir.join(WORKER_LOG);
            if log.exists() {
                std::fs::rename(&log, hist.join("worker.log")).with_context(|| {
                    format!("moving the previous worker.log to {}", hist.display())
                })?;
            }
        }
        let body = serde_json::to_vec_pretty(req).context("serializing request.json")?;
        codex_fsutil::write(&dir.join(REQUEST_FILE), &body)
    }

    /// Reads `.codex/result.json` of a project.
    pub fn read_result(&self, project_id: &str) -> Result<WorkerResult, ResultError> {
        read_result_at(&self.dir(project_id).join(RESULT_FILE))
    }

    /// `(result_path, logs_path)` of a job: in history when a later job archived them,
    /// otherwise the current files when they belong to this job. `latest_final` is the id of
    /// the project's newest finished job (the owner of a result without `job_id`).
    pub fn job_artifacts(
        &self,
        project_id: &str,
        job_id: &str,
        latest_final: Option<&str>,
    ) -> (Option<String>, Option<String>) {
        let dir = self.dir(project_id);
        let hist = dir.join(HISTORY_DIR).join(history_segment(job_id));
        let existing = |p: PathBuf| p.exists().then(|| p.display().to_string());
        if hist.join("result.json").exists() {
            return (
                existing(hist.join("result.json")),
                existing(hist.join("worker.log")),
            );
        }
        let current = match self.read_result(project_id) {
            Ok(r) => match r.job_id {
                Some(owner) => owner == job_id,
                None => latest_final == Some(job_id),
            },
            Err(ResultError::Invalid(_)) => latest_final == Some(job_id),
            Err(ResultError::Missing) => false,
        };
        if current {
            (
                existing(dir.join(RESULT_FILE)),
                existing(dir.join(WORKER_LOG)),
            )
        } else {
            (None, None)
        }
    }
}

fn read_result_at(path: &Path) -> Result<WorkerResult, ResultError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ResultError::Missing),
        Err(e) => return Err(ResultError::Invalid(format!("cannot read it: {e}"))),
    };
    serde_json::from_slice(&bytes).map_err(|e| ResultError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_contract::JobType;

    fn req(job: &str) -> WorkerRequest {
        WorkerRequest {
            project_id: "p1".into(),
            job_id: job.into(),
            job_type: JobType::Edit,
            instruction: "x".into(),
        }
    }

    #[test]
    fn prepare_archives_the_previous_result_under_its_job_id() {
        let tmp = tempfile::tempdir().unwrap();
        let ws = Workspaces::new(&tmp.path().join("root")).unwrap();
        ws.prepare(&req("j1"), None).unwrap();
        let dir = ws.dir("p1");
        let written: WorkerRequest =
            serde_json::from_slice(&std::fs::read(dir.join(REQUEST_FILE)).unwrap()).unwrap();
        assert_eq!(written.job_id, "j1");

        // A result with a job_id is archived under that id, with its log.
        std::fs::write(
            dir.join(RESULT_FILE),
            r#"{"status":"success","job_id":"j1"}"#,
        )
        .unwrap();
        std::fs::write(dir.join(WORKER_LOG), "log").unwrap();
        assert!(ws.job_artifacts("p1", "j1", Some("j1")).0.is_some());
        ws.prepare(&req("j2"), Some("ignored")).unwrap();
        assert!(dir.join(".codex/history/j1/result.json").exists());
        assert!(dir.join(".codex/history/j1/worker.log").exists());
        assert!(!dir.join(RESULT_FILE).exists());
        let (r, l) = ws.job_artifacts("p1", "j1", Some("j2"));
        assert!(r.unwrap().ends_with("history/j1/result.json"));
        assert!(l.unwrap().ends_with("history/j1/worker.log"));

        // The original worker writes no job_id: the previous job id from the database names it.
        std::fs::write(dir.join(RESULT_FILE), r#"{"status":"success"}"#).unwrap();
        assert!(ws.job_artifacts("p1", "j2", Some("j2")).0.is_some());
        ws.prepare(&req("j3"), Some("j2")).unwrap();
        assert!(dir.join(".codex/history/j2/result.json").exists());
        assert!(matches!(ws.read_result("p1"), Err(ResultError::Missing)));
    }
}
