//! Two local runs at once, sharing one temporary folder (so each sees the other's
//! journal): the second run's start leaves the first alone, the first is killed, its
//! reaper removes what it started, and the second stays green.

use super::start;
use crate::interrupt::local::{hanging_worker, stack_left};
use crate::interrupt::processes;
use codex_test_support::killed::{self, in_events, Phase, Reach, Trace};
use std::path::Path;
use std::time::Duration;

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
    let output = || std::fs::read_to_string(doomed.logs.path().join("stdout")).unwrap_or_default();
    killed::wait_for(
        "L03's job",
        &mut doomed.child,
        Duration::from_secs(600),
        output,
        || killed::run_events(&out).contains(r#""event":"job_submitted","scenario":"L03""#),
    );
    let started = codex_test_support::process::started_backend(&doomed.output())
        .unwrap_or_else(|| panic!("no start-up line\n{}", doomed.output()));
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
    let said = || std::fs::read_to_string(green.logs.path().join("stdout")).unwrap_or_default();
    killed::wait_for(
        "the second run's L01",
        &mut green.child,
        Duration::from_secs(600),
        said,
        || in_events(Phase::L01, &killed::run_events(&green_out)),
    );
    // The second run's start left the first alone: its folder, backend and worker run.
    assert!(
        doomed_folder.exists()
            && !processes(None, Some(started.pid)).is_empty()
            && !processes(Some(&marker), None).is_empty(),
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
        green.output()
    );
    assert!(
        !green.output().contains("removed what an earlier run"),
        "{}",
        green.output()
    );
    let left = killed::gone_within(Duration::from_secs(10), || trace.left(None));
    assert!(left.is_ok(), "after both: {left:?}");
}

/// What of a local run is still there: its private folder, its backend's process group
/// and its hanging worker (named `marker`).
fn left_by(folder: &Path, marker: &str, backend: i32) -> Vec<String> {
    let mut left = stack_left(backend, marker);
    if folder.exists() {
        left.push(folder.display().to_string());
    }
    left
}
