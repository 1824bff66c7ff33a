//! A run killed by SIGKILL, which no handler sees, at every phase, on a process stack started
//! through a wrapper script that runs the backend in the background (the most common way a
//! team starts one): the run alone, or its whole process group (and its whole session once). Within 10 s nothing of the
//! run is left: no process of its tree, no private folder, no journal. The run's reaper,
//! in a session of its own, removes them.
//!
//! Also: what a run left when its reaper was killed too is listed by `down --dry-run`,
//! removed by the next run's start with one line, and `down` then finds nothing; a
//! `--keep-up` stack stays until `down` removes it.

use crate::support::{copy_files, fixture, text};
use codex_test_support::killed::{self, in_events, Phase, Reach, Trace};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The wrapper: `HOLD_AT=start` holds every start of the backend, `HOLD_AT=mocked` the
/// mocked one (the rollback's), in a slow first step, as an install or a migration would;
/// `DETACH=1` starts the backend in a session (and group) of its own.
const WRAPPER: &str = r#"#!/bin/sh
if [ "$HOLD_AT" = start ] || { [ "$HOLD_AT" = mocked ] && [ "$USE_DUMMY_WORKER" = True ]; }; then
  touch held
  sleep 600
fi
if [ "$DETACH" = 1 ]; then
  setsid python3 app.py --port "$1" &
else
  python3 app.py --port "$1" &
fi
wait
"#;

/// A copy of the Python fixture whose config starts it through the wrapper; with
/// `held_gate`, a health path that never answers 200 holds the health gate open.
fn repo(held_gate: bool) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_files(&fixture("py_orchestrator"), repo.path());
    std::fs::write(repo.path().join("run.sh"), WRAPPER).unwrap();
    let paths = if held_gate {
        r#"["/docs", "/never-answers-200"]"#
    } else {
        r#"["/docs"]"#
    };
    std::fs::write(
        repo.path().join("live-suite.toml"),
        format!(
            "health_paths = {paths}\n[process]\ncommand = [\"sh\", \"run.sh\", \"{{port}}\"]\n\
             env = {{ DATA_DIR = \"{{data}}\" }}\n\
             [mode]\nvariable = \"USE_DUMMY_WORKER\"\nlive = \"False\"\nmocked = \"True\"\n"
        ),
    )
    .unwrap();
    repo
}

/// The suite binary with `args` in `repo`, traced, without the secrets and GitHub's
/// variables of the test's own environment.
fn suite_command(repo: &Path, trace: &Trace, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_codex-live-suite"));
    cmd.args(args)
        .current_dir(repo)
        .env_remove("OPENAI_API_KEY")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("CI");
    trace.mark(&mut cmd);
    cmd
}

/// The suite started in `repo` with `args`, traced, its output in `log`.
fn start(repo: &Path, trace: &Trace, args: &[&str], envs: &[(&str, &str)], log: &Path) -> Child {
    suite_command(repo, trace, args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The text of the run's events.jsonl, once its folder exists.
fn events(repo: &Path) -> String {
    killed::run_events(&repo.join("docs/evidence"))
}

/// Kills the run at `phase` (to `reach`) and checks that nothing of it is left within 10 s.
fn case(phase: Phase, reach: Reach) {
    case_with(phase, reach, "");
}

/// `case`, the wrapper given `DETACH=<detach>`.
fn case_with(phase: Phase, reach: Reach, detach: &str) {
    let repo = repo(phase == Phase::HealthGate);
    let trace = Trace::new();
    let log = repo.path().join("suite.log");
    let args: &[&str] = match phase {
        Phase::StackStarting | Phase::HealthGate | Phase::L01 => &["--poll-timeout", "120"],
        Phase::L08 => &["--from", "L08", "--long-run-seconds", "60"],
        Phase::Rollback | Phase::MockedSmoke | Phase::Reports => {
            &["--from", "L08", "--long-run-seconds", "1"]
        }
    };
    let hold = match phase {
        Phase::StackStarting => "start",
        Phase::Rollback => "mocked",
        _ => "",
    };
    let envs = [("HOLD_AT", hold), ("DETACH", detach)];
    let mut run = start(repo.path(), &trace, args, &envs, &log);
    let said = || std::fs::read_to_string(&log).unwrap_or_default();
    let held = repo.path().join("held");
    let browser = codex_live_suite::screenshot::find_browser().is_some();
    killed::wait_for(
        &format!("{phase:?}"),
        &mut run,
        Duration::from_secs(120),
        said,
        || {
            let ev = events(repo.path());
            match phase {
                Phase::StackStarting => held.exists(),
                Phase::HealthGate => {
                    said().contains("process: backend pid")
                        && trace.processes().iter().any(|p| p.contains("app.py"))
                }
                // The synchronous fixture runs a job inside its POST: L08's job runs once the
                // scenario has started.
                Phase::L08 => ev.contains(r#""event":"scenario_started","id":"L08""#),
                Phase::Rollback => in_events(phase, &ev) && held.exists(),
                // The browser starts after the mocked smoke: no walk over /proc before it.
                Phase::Reports if browser => {
                    in_events(Phase::MockedSmoke, &ev) && killed::browser_running(&trace)
                }
                _ => in_events(phase, &ev),
            }
        },
    );
    if phase == Phase::L08 {
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(
        !trace.processes().is_empty(),
        "the run has processes when it is killed"
    );
    killed::kill(&mut run, reach);
    let gone = killed::gone_within(Duration::from_secs(10), || trace.left(None));
    match gone {
        Ok(took) => println!(
            "process stack, SIGKILL of the {} at {phase:?}: nothing left after {:.2}s",
            match reach {
                Reach::Run => "run",
                Reach::Group => "run's process group",
                Reach::Session => "run's session",
            },
            took.as_secs_f64()
        ),
        Err(left) => panic!(
            "10 s after the kill at {phase:?} ({reach:?}) these are left: {left:#?}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        ),
    }
}

macro_rules! kill_cases {
    ($($name:ident: $phase:ident, $reach:ident;)*) => {
        $(
            #[test]
            fn $name() {
                case(Phase::$phase, Reach::$reach);
            }
        )*
    };
}

kill_cases! {
    sigkill_while_the_stack_starts: StackStarting, Run;
    sigkill_of_the_group_while_the_stack_starts: StackStarting, Group;
    sigkill_at_the_health_gate: HealthGate, Run;
    sigkill_of_the_group_at_the_health_gate: HealthGate, Group;
    sigkill_at_l01: L01, Run;
    sigkill_of_the_group_at_l01: L01, Group;
    sigkill_at_l08_with_its_job_running: L08, Run;
    sigkill_of_the_group_at_l08_with_its_job_running: L08, Group;
    sigkill_during_the_rollback: Rollback, Run;
    sigkill_of_the_group_during_the_rollback: Rollback, Group;
    sigkill_during_the_mocked_smoke: MockedSmoke, Run;
    sigkill_of_the_group_during_the_mocked_smoke: MockedSmoke, Group;
    sigkill_while_the_reports_are_written: Reports, Run;
    sigkill_of_the_group_while_the_reports_are_written: Reports, Group;
    sigkill_of_the_session_at_l08_with_its_job_running: L08, Session;
}

/// A backend that left its wrapper's process group (`setsid … &`): no group kill reaches
/// it, the run's mark in its environment does.
#[test]
fn sigkill_at_l08_of_a_backend_that_left_its_group() {
    case_with(Phase::L08, Reach::Run, "1");
}

/// The suite binary with `args` in `repo`, traced (same temporary folder, so the same
/// journals), without a browser, to its end.
fn suite_in(repo: &Path, trace: &Trace, args: &[&str]) -> std::process::Output {
    suite_command(repo, trace, args)
        .env("CHROMIUM", "false")
        .output()
        .unwrap()
}

/// The backend of a traced run: the fixture's python process.
fn backend_alive(trace: &Trace) -> bool {
    trace.processes().iter().any(|p| p.contains("app.py"))
}

#[test]
fn what_a_run_left_when_its_reaper_died_too_is_listed_by_down_and_removed_by_the_next_run() {
    let repo = repo(false);
    let trace = Trace::new();
    let log = repo.path().join("suite.log");
    let mut run = start(
        repo.path(),
        &trace,
        &["--from", "L08", "--long-run-seconds", "60"],
        &[],
        &log,
    );
    let said = || std::fs::read_to_string(&log).unwrap_or_default();
    killed::wait_for("L08", &mut run, Duration::from_secs(120), said, || {
        events(repo.path()).contains(r#""event":"scenario_started","id":"L08""#)
    });
    // The reaper first, then the run: nothing cleans up after either.
    // SAFETY: kill(2) of the reaper our child started.
    unsafe {
        libc::kill(trace.reaper().expect("the run has a reaper"), libc::SIGKILL);
    }
    let pid = run.id();
    killed::kill(&mut run, Reach::Run);
    std::thread::sleep(Duration::from_millis(500));
    let folders: Vec<PathBuf> = trace
        .folders()
        .into_iter()
        .filter(|f| f.extension().is_none())
        .collect();
    assert!(
        backend_alive(&trace),
        "the backend outlives a run and a reaper killed at once"
    );
    assert_eq!(folders.len(), 1, "the private folder is left: {folders:?}");

    let listed = suite_in(repo.path(), &trace, &["down", "--dry-run"]);
    let listed_text = text(&listed);
    assert!(listed.status.success(), "{listed_text}");
    let whose = format!("(left by the run with pid {pid})");
    for what in [
        "down: would remove process group ".to_owned(),
        format!("down: would remove folder {}", folders[0].display()),
        "down --dry-run: 2 things left by 1 run; `codex-live-suite down` removes them".into(),
    ] {
        assert!(listed_text.contains(&what), "{what}\n{listed_text}");
    }
    assert!(
        listed_text.contains("python3") && listed_text.contains(&whose),
        "{listed_text}"
    );
    assert!(
        backend_alive(&trace) && folders[0].exists(),
        "a dry run removes nothing"
    );

    // The next run's start removes it, in one line, and is green.
    let next = suite_in(repo.path(), &trace, &["smoke"]);
    let next_text = text(&next);
    assert!(next.status.success(), "{next_text}");
    let line = next_text
        .lines()
        .find(|l| l.starts_with("removed what an earlier run"))
        .unwrap_or_else(|| panic!("no line of what was removed\n{next_text}"));
    assert!(
        line.contains(&format!("(pid {pid})"))
            && line.contains("process group ")
            && line.contains(&folders[0].display().to_string()),
        "{line}"
    );
    assert!(!backend_alive(&trace) && !folders[0].exists());
    // Compose projects elsewhere on this engine are not this test's: only its own kinds
    // of things must be gone.
    let after = suite_in(repo.path(), &trace, &["down"]);
    let after_text = text(&after);
    assert!(after.status.success(), "{after_text}");
    assert!(
        !after_text.contains("down: removed process group")
            && !after_text.contains("down: removed folder"),
        "{after_text}"
    );
    assert!(trace.left(None).is_empty(), "{:?}", trace.left(None));
}

#[test]
fn a_keep_up_stack_stays_past_the_next_runs_until_down_removes_it() {
    let repo = repo(false);
    let trace = Trace::new();
    let kept = suite_in(repo.path(), &trace, &["smoke", "--keep-up"]);
    assert!(kept.status.success(), "{}", text(&kept));
    assert!(
        text(&kept).contains("codex-live-suite down"),
        "the keep-up line names down\n{}",
        text(&kept)
    );
    assert!(backend_alive(&trace));
    let next = suite_in(repo.path(), &trace, &["smoke"]);
    assert!(next.status.success(), "{}", text(&next));
    assert!(
        !text(&next).contains("removed what an earlier run"),
        "{}",
        text(&next)
    );
    assert!(
        backend_alive(&trace),
        "a later run leaves a kept stack alone"
    );
    let down = suite_in(repo.path(), &trace, &["down"]);
    let said = text(&down);
    assert!(down.status.success(), "{said}");
    assert!(
        said.contains("down: removed process group ") && said.contains("down: removed folder "),
        "{said}"
    );
    let gone = killed::gone_within(Duration::from_secs(5), || trace.left(None));
    assert!(gone.is_ok(), "{gone:?}");
}
