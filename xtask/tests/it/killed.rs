//! A run killed by SIGKILL, which no handler sees, at every phase on the local and the
//! compose stack: the xtask alone, or its whole process group (as a CI runner ends a job),
//! and at L08 its whole session.
//! Within 10 s nothing of the run is left: no process of its tree (the reaper included),
//! no private folder or journal, no container, network, volume or image tag of its compose
//! project. Also: two runs at once, one killed, the other green; and `cargo xtask down`
//! removing what a run left when its reaper was killed too.

use crate::interrupt::Running;
use crate::support::compose_unavailable;
use codex_test_support::killed::{self, compose_project, in_events, Phase};
use codex_test_support::killed::{Reach, Trace};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod down;
mod two_runs;

/// `xtask <args> --out <folder>` as the interrupt tests start it, traced, with `envs`.
fn start(trace: &Trace, args: &[&str], envs: &[(&str, &str)]) -> Running {
    Running::start_with(args, envs, |cmd| trace.mark(cmd))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StackKind {
    Local,
    Compose,
}

/// The run's flags for a kill at `phase`: from L08 past L01, L08 long when its job is the
/// target, short when the rollback or later is.
fn args(stack: StackKind, phase: Phase) -> Vec<&'static str> {
    let stack = match stack {
        StackKind::Local => "local",
        StackKind::Compose => "compose",
    };
    let mut args = vec!["live-suite", "--stack", stack, "--poll-timeout", "300"];
    args.extend(match phase {
        Phase::StackStarting | Phase::HealthGate | Phase::L01 => &[][..],
        Phase::L08 => &["--from", "L08", "--long-run-seconds", "300"],
        _ => &["--from", "L08", "--long-run-seconds", "1"],
    });
    args
}

/// A `cargo` (returned, for `CARGO`) that waits 60 s before it runs the real one.
fn slow_cargo(dir: &Path) -> String {
    let real = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let script = format!("sleep 60\nexec {real} \"$@\"");
    let path = codex_test_support::process::script(dir, "cargo", &script);
    path.display().to_string()
}

/// Whether the compose `up` of the traced run is running now.
fn compose_up_running(trace: &Trace) -> bool {
    trace
        .processes()
        .iter()
        .any(|p| p.contains("compose") && p.contains(" up "))
}

/// Whether the backend container of `project` runs.
fn backend_container_running(project: &str) -> bool {
    let filter = format!("label=com.docker.compose.project={project}");
    Command::new("docker")
        .args([
            "ps",
            "-q",
            "--filter",
            &filter,
            "--filter",
            "status=running",
        ])
        .output()
        .is_ok_and(|o| !o.stdout.is_empty())
}

/// Kills the run at `phase` (to `reach`) on `stack` and checks that nothing of it is left
/// within 10 s; prints the time that took.
fn case(stack: StackKind, phase: Phase, reach: Reach) {
    if stack == StackKind::Compose {
        if let Some(why) = compose_unavailable() {
            println!("skipped: {why}");
            return;
        }
    }
    let trace = Trace::new();
    let tools = tempfile::tempdir().unwrap();
    let mut envs = vec![("OPENAI_API_KEY", "sk-killed-test-PLANTED-77".to_owned())];
    if (stack, phase) == (StackKind::Local, Phase::StackStarting) {
        // A build that takes its time, as a cold one does: the kill lands in it.
        envs.push(("CARGO", slow_cargo(tools.path())));
    }
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut run = start(&trace, &args(stack, phase), &envs);
    let browser = codex_live_suite::screenshot::find_browser().is_some();
    let limit = Duration::from_secs(600);
    let output = || std::fs::read_to_string(run.logs.path().join("stdout")).unwrap_or_default();
    let reached = |said: &str, events: &str| match (stack, phase) {
        (StackKind::Local, Phase::StackStarting) => said.contains("local: building codex-backend"),
        (StackKind::Local, Phase::HealthGate) => said.contains("local: backend pid"),
        // `up` follows the project's line: no walk over /proc before it.
        (StackKind::Compose, Phase::StackStarting) => {
            compose_project(said).is_some() && compose_up_running(&trace)
        }
        (StackKind::Compose, Phase::HealthGate) => {
            compose_project(said).is_some_and(|p| backend_container_running(&p))
        }
        // The browser starts after the mocked smoke: no walk over /proc before it.
        (_, Phase::Reports) if browser => {
            in_events(Phase::MockedSmoke, events) && killed::browser_running(&trace)
        }
        _ => in_events(phase, events),
    };
    let (stdout, out) = (run.logs.path().join("stdout"), run.out.path().to_owned());
    killed::wait_for(&format!("{phase:?}"), &mut run.child, limit, output, || {
        let said = std::fs::read_to_string(&stdout).unwrap_or_default();
        let events = killed::run_events(&out);
        reached(&said, &events)
    });
    let project = compose_project(&run.output());
    killed::kill(&mut run.child, reach);
    let gone = killed::gone_within(Duration::from_secs(10), || trace.left(project.as_deref()));
    let whom = match reach {
        Reach::Run => "xtask",
        Reach::Group => "xtask's process group",
        Reach::Session => "xtask's session",
    };
    match gone {
        Ok(took) => println!(
            "{stack:?} stack, SIGKILL of the {whom} at {phase:?}: nothing left after {:.2}s",
            took.as_secs_f64()
        ),
        Err(left) => panic!(
            "10 s after the kill of the {whom} at {phase:?} these are left: {left:#?}\n{}",
            run.output()
        ),
    }
}

macro_rules! kill_cases {
    ($($name:ident: $stack:ident, $phase:ident, $reach:ident;)*) => {
        $(
            #[test]
            fn $name() {
                case(StackKind::$stack, Phase::$phase, Reach::$reach);
            }
        )*
    };
}

kill_cases! {
    local_sigkill_while_the_stack_starts: Local, StackStarting, Run;
    local_sigkill_of_the_group_while_the_stack_starts: Local, StackStarting, Group;
    local_sigkill_at_the_health_gate: Local, HealthGate, Run;
    local_sigkill_of_the_group_at_the_health_gate: Local, HealthGate, Group;
    local_sigkill_at_l01: Local, L01, Run;
    local_sigkill_of_the_group_at_l01: Local, L01, Group;
    local_sigkill_at_l08_with_its_job_running: Local, L08, Run;
    local_sigkill_of_the_group_at_l08_with_its_job_running: Local, L08, Group;
    local_sigkill_during_the_rollback: Local, Rollback, Run;
    local_sigkill_of_the_group_during_the_rollback: Local, Rollback, Group;
    local_sigkill_during_the_mocked_smoke: Local, MockedSmoke, Run;
    local_sigkill_of_the_group_during_the_mocked_smoke: Local, MockedSmoke, Group;
    local_sigkill_while_the_reports_are_written: Local, Reports, Run;
    local_sigkill_of_the_group_while_the_reports_are_written: Local, Reports, Group;
    compose_sigkill_while_the_stack_starts: Compose, StackStarting, Run;
    compose_sigkill_of_the_group_while_the_stack_starts: Compose, StackStarting, Group;
    compose_sigkill_at_the_health_gate: Compose, HealthGate, Run;
    compose_sigkill_of_the_group_at_the_health_gate: Compose, HealthGate, Group;
    compose_sigkill_at_l01: Compose, L01, Run;
    compose_sigkill_of_the_group_at_l01: Compose, L01, Group;
    compose_sigkill_at_l08_with_its_job_running: Compose, L08, Run;
    compose_sigkill_of_the_group_at_l08_with_its_job_running: Compose, L08, Group;
    compose_sigkill_during_the_rollback: Compose, Rollback, Run;
    compose_sigkill_of_the_group_during_the_rollback: Compose, Rollback, Group;
    compose_sigkill_during_the_mocked_smoke: Compose, MockedSmoke, Run;
    compose_sigkill_of_the_group_during_the_mocked_smoke: Compose, MockedSmoke, Group;
    compose_sigkill_while_the_reports_are_written: Compose, Reports, Run;
    compose_sigkill_of_the_group_while_the_reports_are_written: Compose, Reports, Group;
    local_sigkill_of_the_session_at_l08_with_its_job_running: Local, L08, Session;
    compose_sigkill_of_the_session_at_l08_with_its_job_running: Compose, L08, Session;
}
