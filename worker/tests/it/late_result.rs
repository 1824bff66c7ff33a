//! A worker that outlived its job (no orphan ever writes): when, just before the
//! result's rename, `.codex/request.json` names another job, the result goes to
//! `.codex/history/<job>/result.json` and the current job's result is left alone.
//!
//! The hand-over happens inside the run, deterministically: the agent command (which runs
//! after the worker read its request) plays the new backend, writing the next job's
//! request and that job's result, as a restarted backend and a new worker would.
//! Also: the agent command dies with a killed worker. Self-contained on purpose: it runs
//! the real binary with a cleared environment.

use codex_contract::{WorkerResult, REQUEST_FILE, RESULT_FILE};
use std::path::Path;
use std::process::{Command, Output};

const WORKER: &str = env!("CARGO_BIN_EXE_codex-worker");

fn request(ws: &Path, job_id: &str) {
    std::fs::create_dir_all(ws.join(".codex")).unwrap();
    let body = serde_json::json!({"project_id": "p", "job_id": job_id, "job_type": "edit",
                                  "instruction": "add a flag"});
    std::fs::write(ws.join(REQUEST_FILE), body.to_string()).unwrap();
}

fn run_worker(ws: &Path, agent_cmd: &str) -> Output {
    Command::new(WORKER)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("WORKSPACE_DIR", ws)
        .env("CODEX_AGENT_CMD", agent_cmd)
        .output()
        .expect("running codex-worker")
}

fn result_at(path: &Path) -> WorkerResult {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("a WorkerResult")
}

#[test]
fn a_late_result_goes_to_history_and_leaves_the_new_jobs_result() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    request(ws, "job-old");
    // The "new backend" hands the workspace to job-new, whose worker completes first.
    let new_result = r#"{"status":"success","summary":"the new edit","created_files":[],"modified_files":[],"errors":[],"logs":[],"timestamp":"2026-01-01T00:00:00Z","job_id":"job-new"}"#;
    let takeover = format!(
        "printf '%s' '{{\"project_id\":\"p\",\"job_id\":\"job-new\",\"job_type\":\"edit\",\"instruction\":\"x\"}}' > .codex/request.json && printf '%s' '{new_result}' > .codex/result.json && echo old > old.txt"
    );
    let out = run_worker(ws, &takeover);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("job job-old is no longer the workspace's job")
            && stderr.contains("names job-new"),
        "{stderr}"
    );

    // The new job's result survives, byte for byte.
    assert_eq!(
        std::fs::read_to_string(ws.join(RESULT_FILE)).unwrap(),
        new_result
    );
    // The late result is kept, complete, under its own job.
    let late = result_at(&ws.join(".codex/history/job-old/result.json"));
    assert_eq!(late.job_id.as_deref(), Some("job-old"));
    assert!(late.is_success(), "{late:?}");
    assert_eq!(late.created_files, ["old.txt"]);
    // No temporary file is left in .codex/.
    let mut names: Vec<_> = std::fs::read_dir(ws.join(".codex"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["agent.log", "history", "request.json", "result.json"]
    );
}

#[test]
fn the_current_job_writes_its_result_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    request(ws, "job-1");
    let out = run_worker(ws, "echo hi > hi.txt");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = result_at(&ws.join(RESULT_FILE));
    assert_eq!(r.job_id.as_deref(), Some("job-1"));
    assert_eq!(r.created_files, ["hi.txt"]);
    assert!(!ws.join(".codex/history").exists());
}

/// Live (not zombie) processes named `comm` whose working directory is `dir`.
fn processes_in(dir: &Path, comm: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((name, rest)) = stat.split_once(" (").and_then(|(_, r)| r.rsplit_once(") "))
        else {
            continue;
        };
        let here = std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|c| c == dir);
        if name == comm && !rest.starts_with('Z') && here {
            out.push(pid);
        }
    }
    out
}

/// Kills the agent's processes left in `dir` when the test ends, also when it fails.
struct Reaper<'a>(&'a Path);

impl Drop for Reaper<'_> {
    fn drop(&mut self) {
        for comm in ["sh", "sleep"] {
            for pid in processes_in(self.0, comm) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
    }
}

fn poll(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after 15 s waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The agent command dies with its worker: a worker killed by its dying backend (or by the
/// next backend's start-up) leaves no agent shell that would go on changing the workspace.
#[test]
fn the_agent_dies_with_a_killed_worker() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().canonicalize().unwrap();
    request(&ws, "job-1");
    let reaper = Reaper(&ws);
    let mut worker = Command::new(WORKER)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("WORKSPACE_DIR", &ws)
        .env(
            "CODEX_AGENT_CMD",
            "touch .codex/agent-started; sleep 60; echo late > late.txt",
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("running codex-worker");
    poll("the agent to start", || {
        ws.join(".codex/agent-started").exists() && !processes_in(&ws, "sh").is_empty()
    });
    worker.kill().unwrap(); // SIGKILL
    worker.wait().unwrap();
    poll("the agent shell to die with its worker", || {
        processes_in(&ws, "sh").is_empty()
    });
    // Its `sleep` has no death signal of its own; it can write nothing (the shell that
    // would have run the next command is gone). Removed now rather than waited for.
    drop(reaper);
    assert!(!ws.join("late.txt").exists());
    assert!(!ws.join(RESULT_FILE).exists());
}
