//! Two local runs at once, sharing one temporary folder (so each sees the other's
//! journal): the second run's start leaves the first alone, the first is killed, its
//! reaper removes what it started, and the second stays green.

use super::start;
use codex_test_support::killed::{self, in_events, Phase, Reach, Trace};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A worker that never finishes: a copy of `sleep` named `marker`, so that a leftover is
/// found by its command line. Returns the wrapper for `WORKER_BIN`.
fn hanging_worker(dir: &Path, marker: &str) -> PathBuf {
    let sleeper = dir.join(marker);
    std::fs::copy("/bin/sleep", &sleeper).unwrap();
    codex_test_support::process::script(
        dir,
        "worker.sh",
        &format!("exec {} 600", sleeper.display()),
    )
}

#[test]
fn two_local_runs_at_once_one_killed_and_the_other_green() {
    // Both runs share a temporary folder, so each sees the other's journal.
    let trace = Trace::new();
    let tools = tempfile::tempdir().unwrap();
    let marker = format!("xten-two-runs-{}", std::process::id());
    let worker = hanging_worker(tools.path(), &marker);
    let killed_args = [
        "live-suite",
        "--stack",
        "local",
        "--from",
        "L03",
        "--poll-timeout",
        "300",
    ];
    let mut doomed = start(
        &trace,
        &killed_args,
        &[("WORKER_BIN", worker.to_str().unwrap())],
    );
    let out = doomed.out.path().to_owned();
    let output = || std::fs::read_to_string(&doomed.stdout).unwrap_or_default();
    killed::wait_for(
        "L03's job",
        &mut doomed.child,
        Duration::from_secs(600),
        output,
        || killed::run_events(&out).contains(r#""event":"job_submitted","scenario":"L03""#),
    );
    let started = codex_test_support::process::started_backend(&doomed.said())
        .unwrap_or_else(|| panic!("no start-up line\n{}", doomed.said()));
    let doomed_folder = started.data.parent().unwrap().to_owned();
    // The second run starts while the first lives: its start must not touch it.
    let green_args = [
        "live-suite",
        "--stack",
        "local",
        "--long-run-seconds",
        "3",
        "--poll-timeout",
        "120",
        "--strict",
    ];
    let mut green = start(
        &trace,
        &green_args,
        &[("OPENAI_API_KEY", "sk-two-runs-PLANTED-1")],
    );
    let green_out = green.out.path().to_owned();
    let said = || std::fs::read_to_string(&green.stdout).unwrap_or_default();
    killed::wait_for(
        "the second run's L01",
        &mut green.child,
        Duration::from_secs(600),
        said,
        || in_events(Phase::L01, &killed::run_events(&green_out)),
    );
    assert_eq!(
        left_by(&doomed_folder, &marker, started.pid).len(),
        3,
        "the second run's start left the first alone"
    );
    killed::kill(&mut doomed.child, Reach::Group);
    let gone = killed::gone_within(Duration::from_secs(10), || {
        left_by(&doomed_folder, &marker, started.pid)
    });
    assert!(gone.is_ok(), "the killed run left {gone:?}");
    let status = green.child.wait().unwrap();
    assert!(
        status.success(),
        "the other run is green ({status})\n{}",
        green.said()
    );
    assert!(
        !green.said().contains("removed what an earlier run"),
        "{}",
        green.said()
    );
    let left = killed::gone_within(Duration::from_secs(10), || trace.left(None));
    assert!(left.is_ok(), "after both: {left:?}");
}

/// What of a local run is still there: its private folder, its hanging worker (named
/// `marker`), its backend's process group.
fn left_by(folder: &Path, marker: &str, backend: i32) -> Vec<String> {
    let mut left = Vec::new();
    if folder.exists() {
        left.push(folder.display().to_string());
    }
    if processes_named(marker) > 0 {
        left.push(format!("the hanging worker {marker}"));
    }
    if codex_test_support::process::group_alive(backend) {
        left.push(format!("the backend's group {backend}"));
    }
    left
}

/// How many processes have `name` in their command line.
fn processes_named(name: &str) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            let zombie = stat
                .rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'));
            !zombie
                && std::fs::read(e.path().join("cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).contains(name))
        })
        .count()
}
