//! The local stack: each signal at L03 (a worker that never finishes) and at L08 (the
//! real worker's long run).

use super::{assert_partial_report, processes, wait_for, Running};
use codex_test_support::process::{started_backend, StartedBackend};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A worker that never finishes: a copy of `sleep` named after the test, so that a leftover
/// is found by its command line. Returns the wrapper for `WORKER_BIN`.
pub(crate) fn hanging_worker(dir: &Path, marker: &str) -> PathBuf {
    let sleeper = dir.join(marker);
    std::fs::copy("/bin/sleep", &sleeper).unwrap();
    let exec = format!("exec {} 600", sleeper.display());
    codex_test_support::process::script(dir, "worker.sh", &exec)
}

/// The data folder and the pid of the backend the run started, from its start-up line
/// ("local: backend pid <pid> on <url> in live mode (data in <folder>)"), both checked alive.
fn running_backend(run: &Running) -> (PathBuf, i32) {
    let stdout = std::fs::read_to_string(run.logs.path().join("stdout")).unwrap();
    let StartedBackend { pid: backend, data } = started_backend(&stdout)
        .unwrap_or_else(|| panic!("no backend start-up line\n{}", run.output()));
    assert!(data.is_dir(), "{} before the signal", data.display());
    assert!(
        !processes(None, Some(backend)).is_empty(),
        "the backend is not running before the signal"
    );
    (data, backend)
}

/// The processes of the stack still running: the backend's group (workers included) and
/// the hanging worker named `marker`.
pub(crate) fn stack_left(backend: i32, marker: &str) -> Vec<String> {
    [
        processes(None, Some(backend)),
        processes(Some(marker), None),
    ]
    .concat()
}

/// Runs the local live suite from `at` (its job hangs or runs long), sends `signal` once
/// the job runs, and checks the report and that nothing of the stack is left.
fn local_case(signal: i32, signal_name: &str, at: &str) {
    let tools = tempfile::tempdir().unwrap();
    let marker = format!("xten-worker-{}-{at}-{signal_name}", std::process::id());
    let worker = hanging_worker(tools.path(), &marker);
    let worker = worker.to_str().unwrap().to_owned();
    // L03: a worker that never finishes its project job; L08: the real worker's long run.
    let gh = tempfile::tempdir().unwrap();
    let step_summary = gh.path().join("step-summary.md");
    let outputs = gh.path().join("outputs");
    let mut envs = vec![
        ("OPENAI_API_KEY", "sk-interrupt-test-PLANTED-77"),
        // The GitHub job still gets its outputs and step summary.
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", step_summary.to_str().unwrap()),
        ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
    ];
    if at != "L08" {
        envs.push(("WORKER_BIN", &worker));
    }
    let mut run = Running::start(
        &[
            "live-suite",
            "--stack",
            "local",
            "--from",
            at,
            "--long-run-seconds",
            "300",
            "--poll-timeout",
            "300",
        ],
        &envs,
    );
    let dir = run.wait_job_of(at, Duration::from_secs(600));
    let (data, backend) = running_backend(&run);
    let (code, to_zip, to_exit) = run.interrupt(signal, &dir.with_extension("zip"));
    println!(
        "local {at} {signal_name}: signal -> zip {:.2}s, -> exit {:.2}s (exit {code})",
        to_zip.as_secs_f64(),
        to_exit.as_secs_f64()
    );
    assert_eq!(code, 128 + signal, "{}", run.output());
    assert_partial_report(&run, &dir, at, signal_name);
    let outputs = std::fs::read_to_string(&outputs).unwrap();
    let zip_line = format!("zip={}", dir.with_extension("zip").display());
    assert!(
        outputs.contains("verdict=interrupted") && outputs.contains(&zip_line),
        "{outputs}"
    );
    let md = std::fs::read_to_string(&step_summary).unwrap();
    assert!(
        md.contains(&format!("interrupted by {signal_name}")),
        "{md}"
    );
    // Nothing of the stack is left: the backend's group (workers included), the hanging
    // worker, the temporary folder.
    wait_for(
        "the stack's processes to be gone",
        Duration::from_secs(10),
        || stack_left(backend, &marker).is_empty().then_some(()),
    );
    assert!(
        !data.exists(),
        "the temporary folder {} remains",
        data.display()
    );
}

#[test]
fn sigterm_at_l03_on_the_local_stack() {
    local_case(libc::SIGTERM, "SIGTERM", "L03");
}

#[test]
fn sighup_at_l03_on_the_local_stack() {
    local_case(libc::SIGHUP, "SIGHUP", "L03");
}

#[test]
fn sigint_at_l03_on_the_local_stack() {
    local_case(libc::SIGINT, "SIGINT", "L03");
}

#[test]
fn sigterm_at_l08_on_the_local_stack() {
    local_case(libc::SIGTERM, "SIGTERM", "L08");
}

#[test]
fn sighup_at_l08_on_the_local_stack() {
    local_case(libc::SIGHUP, "SIGHUP", "L08");
}

#[test]
fn sigint_at_l08_on_the_local_stack() {
    local_case(libc::SIGINT, "SIGINT", "L08");
}
