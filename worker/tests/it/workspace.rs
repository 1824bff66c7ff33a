//! Shared by the integration tests: a temporary workspace, a run of the real
//! `codex-worker` binary on it, and checks on what it left behind.

use codex_contract::{WorkerResult, REQUEST_FILE, RESULT_FILE, SECRET_VARS};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Planted on the worker's environment; must never show up in any file of the workspace.
pub const PLANTED_KEY: &str = "sk-planted-integration-7f3a9c-not-a-real-key";

/// Variables of the worker that the tests' own environment must not leak in.
const WORKER_VARS: [&str; 4] = [
    "WORKSPACE_DIR",
    "SLEEP_SECONDS",
    "CODEX_AGENT_CMD",
    "CODEX_AGENT_TIMEOUT_SECONDS",
];

pub struct Workspace {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("creating a temporary workspace"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `.codex/request.json` as the backend does before every job.
    pub fn request(&self, job_id: &str, job_type: &str, instruction: &str) {
        let body = serde_json::json!({
            "project_id": "proj-it", "job_id": job_id, "job_type": job_type,
            "instruction": instruction,
        });
        self.write_request_raw(&body.to_string());
    }

    pub fn write_request_raw(&self, contents: &str) {
        let path = self.path().join(REQUEST_FILE);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }

    /// Runs the worker on this workspace with the planted key and `env` on top.
    pub fn run(&self, env: &[(&str, &str)]) -> Run {
        run_worker(self.path(), env)
    }

    pub fn result(&self) -> WorkerResult {
        let path = self.path().join(RESULT_FILE);
        let bytes = fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        serde_json::from_slice(&bytes).expect("result.json is a valid WorkerResult")
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }

    /// Every file of the workspace (`.codex/` included), relative, sorted.
    pub fn all_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        collect(self.path(), Path::new(""), &mut out);
        out.sort();
        out
    }

    /// The planted key is in no file of the workspace.
    pub fn assert_no_planted_key(&self) {
        for rel in self.all_files() {
            let bytes = fs::read(self.path().join(&rel)).unwrap();
            let found = bytes
                .windows(PLANTED_KEY.len())
                .any(|w| w == PLANTED_KEY.as_bytes());
            assert!(
                !found,
                "the planted OPENAI_API_KEY value is in {}",
                rel.display()
            );
        }
    }
}

fn collect(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let rel = rel.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            collect(&entry.path(), &rel, out);
        } else {
            out.push(rel);
        }
    }
}

/// Runs the built binary with `WORKSPACE_DIR=workspace`, the planted key and `env`.
pub fn run_worker(workspace: &Path, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_codex-worker"));
    for var in SECRET_VARS.iter().chain(WORKER_VARS.iter()) {
        cmd.env_remove(var);
    }
    cmd.env("WORKSPACE_DIR", workspace)
        .env("OPENAI_API_KEY", PLANTED_KEY)
        .envs(env.iter().copied());
    let started = Instant::now();
    let out: Output = cmd.output().expect("running codex-worker");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// The logs every result carries: presence lines (key planted, the others absent), the job
/// type and the engine, in that order, and no secret value.
pub fn assert_standard_logs(result: &WorkerResult, job_type: &str, engine: &str) {
    let expected = [
        "OPENAI_API_KEY=present".to_owned(),
        "OPENAI_ORG_ID=absent".to_owned(),
        "OPENAI_PROJECT=absent".to_owned(),
        format!("job_type={job_type}"),
        format!("engine={engine}"),
    ];
    assert!(result.logs.len() >= 5, "{:?}", result.logs);
    assert_eq!(result.logs[..5], expected, "{:?}", result.logs);
    assert!(result.logs.iter().all(|l| !l.contains(PLANTED_KEY)));
}

/// `python3 -B <args>` in `dir` (stdout trimmed), or `None` with a printed reason when
/// python3 is not installed. A failing script fails the test.
pub fn python3(dir: &Path, args: &[&str]) -> Option<String> {
    let out = match Command::new("python3")
        .arg("-B") // no __pycache__ in the workspace: it would show up in the next snapshot
        .args(args)
        .current_dir(dir)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            println!("skipped: python3 is not available ({e})");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "python3 {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
