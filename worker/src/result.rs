//! Writing `.codex/result.json`: checked before the job starts (so an unwritable workspace
//! fails fast, touching nothing) and written atomically at the end (a poller never sees half
//! a file).
//!
//! A worker that outlived its job (its backend died and a new one gave the workspace to
//! another job) must not overwrite the new job's result: just before the rename, the result
//! goes in place only when `.codex/request.json` still names this job; otherwise it goes to
//! `.codex/history/<job>/result.json`, where the backend keeps finished jobs' results.

use anyhow::{bail, Context, Result};
use codex_contract::{
    history_segment, WorkerResult, CODEX_DIR, HISTORY_DIR, REQUEST_FILE, RESULT_FILE,
};
use std::fs;
use std::path::{Path, PathBuf};

/// Makes sure `<workspace>/.codex/` exists and accepts files. The workspace itself must
/// already exist: the backend creates it, and creating it here would hide a wrong
/// `WORKSPACE_DIR`.
pub fn prepare(workspace: &Path) -> Result<()> {
    match fs::metadata(workspace) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => bail!(
            "the workspace {} is not a directory: set WORKSPACE_DIR to the project workspace",
            workspace.display()
        ),
        Err(e) => bail!(
            "the workspace {} cannot be used ({e}): set WORKSPACE_DIR to the project \
             workspace (default /workspace) and mount it into the worker",
            workspace.display()
        ),
    }
    let dir = workspace.join(CODEX_DIR);
    fs::create_dir_all(&dir).with_context(|| {
        format!(
            "creating {}: the workspace must be writable by the worker's user",
            dir.display()
        )
    })?;
    let probe = dir.join(format!(".write-probe-{}", std::process::id()));
    fs::write(&probe, b"").with_context(|| {
        format!(
            "writing into {}: the workspace must be writable by the worker's user",
            dir.display()
        )
    })?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

/// Where a result was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// `.codex/result.json`: the job is still the workspace's current one.
    Current(PathBuf),
    /// `.codex/history/<job>/result.json`: request.json names `current_job` now (`None`:
    /// it is gone or unreadable), so this job's result is kept beside, not over, theirs.
    Late {
        path: PathBuf,
        current_job: Option<String>,
    },
}

impl Placed {
    pub fn path(&self) -> &Path {
        match self {
            Placed::Current(p) | Placed::Late { path: p, .. } => p,
        }
    }
}

/// Writes the result atomically, in place or (for a late worker) in history; see the
/// module doc. A result without `job_id` (the request was unreadable at the start) has no
/// job to check and goes in place.
pub fn write(workspace: &Path, result: &WorkerResult) -> Result<Placed> {
    let path = workspace.join(RESULT_FILE);
    let mut json = serde_json::to_vec_pretty(result).context("serialising the result")?;
    json.push(b'\n');
    let staged =
        codex_fsutil::stage(&path, &json).with_context(|| format!("writing {}", path.display()))?;
    let Some(own) = result.job_id.as_deref() else {
        staged.commit()?;
        return Ok(Placed::Current(path));
    };
    let current_job = requested_job(workspace);
    if current_job.as_deref() == Some(own) {
        staged.commit()?;
        return Ok(Placed::Current(path));
    }
    let dir = workspace.join(HISTORY_DIR).join(history_segment(own));
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let late = dir.join("result.json");
    staged.commit_to(&late)?;
    Ok(Placed::Late {
        path: late,
        current_job,
    })
}

/// The `job_id` that `.codex/request.json` names now, if it can be read.
fn requested_job(workspace: &Path) -> Option<String> {
    let bytes = fs::read(workspace.join(REQUEST_FILE)).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("job_id")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_contract::WorkerStatus;

    #[test]
    fn prepare_creates_codex_dir_and_write_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        prepare(dir.path()).unwrap();
        assert!(dir.path().join(".codex").is_dir());
        let result = WorkerResult {
            status: WorkerStatus::Success,
            summary: "ok".into(),
            created_files: vec!["a".into()],
            modified_files: vec![],
            errors: vec![],
            logs: vec!["OPENAI_API_KEY=absent".into()],
            timestamp: codex_contract::now_iso8601(),
            job_id: Some("j1".into()),
        };
        fs::write(dir.path().join(REQUEST_FILE), r#"{"job_id":"j1"}"#).unwrap();
        let placed = write(dir.path(), &result).unwrap();
        let Placed::Current(path) = placed else {
            panic!("request.json names j1, yet {placed:?}")
        };
        let back: WorkerResult = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
        assert_eq!(back, result);
        // Only the result is left in .codex/ (no probe, no temp file).
        let mut names: Vec<_> = fs::read_dir(dir.path().join(".codex"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["request.json", "result.json"]);
    }

    #[test]
    fn prepare_refuses_a_missing_workspace_or_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let err = prepare(&missing).unwrap_err().to_string();
        assert!(
            err.contains("missing") && err.contains("WORKSPACE_DIR"),
            "{err}"
        );
        assert!(!missing.exists(), "the workspace must not be created");
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        let err = prepare(&file).unwrap_err().to_string();
        assert!(err.contains("not a directory"), "{err}");
    }

    #[test]
    fn prepare_refuses_a_codex_path_that_is_a_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".codex"), "x").unwrap();
        let err = format!("{:#}", prepare(dir.path()).unwrap_err());
        assert!(err.contains(".codex") && err.contains("writable"), "{err}");
    }
}
