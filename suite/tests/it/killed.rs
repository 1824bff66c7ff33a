//! A run killed by SIGKILL, which no handler sees, while a process stack started through a
//! wrapper script runs: the backend the script started in the background is stopped and
//! the private folder removed by the run's reaper, within seconds.

use crate::support::{copy_files, fixture};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Whether a process `pid` exists.
fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only asks whether the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// Polls `check` every 50 ms for at most `limit`.
fn within(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    check()
}

#[test]
fn a_killed_run_leaves_no_backend_a_wrapper_script_started_and_no_private_folder() {
    let repo = tempfile::tempdir().unwrap();
    copy_files(&fixture("py_orchestrator"), repo.path());
    // The most common wrapper: the backend in the background, its pid kept for the test.
    std::fs::write(
        repo.path().join("live-suite.toml"),
        "health_paths = [\"/docs\"]\n[process]\n\
         command = [\"sh\", \"-c\", \"python3 app.py --port {port} & echo $! > backend.pid; wait\"]\n\
         env = { DATA_DIR = \"{data}\" }\n\
         [mode]\nvariable = \"USE_DUMMY_WORKER\"\nlive = \"False\"\nmocked = \"True\"\n",
    )
    .unwrap();
    let log = repo.path().join("suite.log");
    let mut suite = Command::new(env!("CARGO_BIN_EXE_codex-live-suite"))
        .args([
            "--from",
            "L08",
            "--long-run-seconds",
            "60",
            "--poll-timeout",
            "120",
        ])
        .current_dir(repo.path())
        .env_remove("OPENAI_API_KEY")
        .env_remove("GITHUB_ACTIONS")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid_file = repo.path().join("backend.pid");
    let started = within(Duration::from_secs(60), || {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("L08 Long-running Job"))
    });
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(started, "L08 did not start:\n{said}");
    let backend: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let data = codex_test_support::process::started_backend(&said)
        .unwrap_or_else(|| panic!("no start-up line\n{said}"))
        .data;
    assert!(alive(backend) && data.is_dir());
    let t0 = Instant::now();
    suite.kill().unwrap();
    suite.wait().unwrap();
    let folder = data.parent().unwrap().to_owned();
    let gone = within(Duration::from_secs(10), || {
        !alive(backend) && !folder.exists()
    });
    println!(
        "process stack (wrapper script) SIGKILL: nothing left after {:.2}s",
        t0.elapsed().as_secs_f64()
    );
    assert!(
        gone,
        "backend {backend} alive: {}, {} exists: {}",
        alive(backend),
        folder.display(),
        folder.exists()
    );
}
