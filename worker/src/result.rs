//! Writing `.codex/result.json`: checked before the job starts (so an unwritable workspace
//! fails fast, touching nothing) and written atomically at the end (a poller never sees half
//! a file).

use anyhow::{bail, Context, Result};
use codex_contract::{WorkerResult, CODEX_DIR, RESULT_FILE};
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

/// Writes the result atomically; returns its path.
pub fn write(workspace: &Path, result: &WorkerResult) -> Result<PathBuf> {
    let path = workspace.join(RESULT_FILE);
    let mut json = serde_json::to_vec_pretty(result).context("serialising the result")?;
    json.push(b'\n');
    crate::atomic::write(&path, &json).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
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
        let path = write(dir.path(), &result).unwrap();
        let back: WorkerResult = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
        assert_eq!(back, result);
        // Only the result is left in .codex/ (no probe, no temp file).
        let names: Vec<_> = fs::read_dir(dir.path().join(".codex"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["result.json"]);
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
