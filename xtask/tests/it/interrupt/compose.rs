//! The compose stack: SIGTERM at L08 leaves no container, network or volume; a second
//! signal during the teardown exits at once, and the run's reaper removes the rest.

use super::{assert_partial_report, processes, wait_for, Running};
use crate::support::compose_unavailable;
use codex_test_support::killed::compose_left;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The compose live suite from L08 with a long run, once L08's job runs: the run, its
/// folder and its compose project. `envs` are added to the secret the run gets.
fn compose_at_l08(envs: &[(&str, &str)]) -> (Running, PathBuf, String) {
    let mut envs = envs.to_vec();
    envs.push(("OPENAI_API_KEY", "sk-interrupt-test-PLANTED-77"));
    let mut run = Running::start(
        &[
            "live-suite",
            "--stack",
            "compose",
            "--from",
            "L08",
            "--long-run-seconds",
            "300",
            "--poll-timeout",
            "300",
        ],
        &envs,
    );
    let dir = run.wait_job_of("L08", Duration::from_secs(900));
    let stdout = std::fs::read_to_string(run.logs.path().join("stdout")).unwrap();
    let project = stdout
        .lines()
        .find_map(|l| l.strip_prefix("compose: project "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `compose: project` line\n{}", run.output()))
        .to_owned();
    assert!(
        !compose_left(&project).is_empty(),
        "the stack is not running before the signal"
    );
    (run, dir, project)
}

/// SIGTERM at L08 on the compose stack (when an engine and a compose CLI answer).
#[test]
fn sigterm_at_l08_on_the_compose_stack() {
    if let Some(why) = compose_unavailable() {
        println!("skipped: {why}");
        return;
    }
    let (mut run, dir, project) = compose_at_l08(&[]);
    let (code, to_zip, to_exit) = run.interrupt(libc::SIGTERM, &dir.with_extension("zip"));
    println!(
        "compose L08 SIGTERM: signal -> zip {:.2}s, -> exit {:.2}s after the teardown (exit {code})",
        to_zip.as_secs_f64(),
        to_exit.as_secs_f64()
    );
    assert_eq!(code, 143, "{}", run.output());
    assert_partial_report(&run, &dir, "L08", "SIGTERM");
    let left = compose_left(&project);
    assert!(
        left.is_empty(),
        "{project} left: {left:?}\n{}",
        run.output()
    );
}

/// A second signal while the compose teardown runs: the xtask exits at once (the user asked
/// for it), after the partial report.
#[test]
fn a_second_signal_during_the_compose_teardown_exits_at_once() {
    if let Some(why) = compose_unavailable() {
        println!("skipped: {why}");
        return;
    }
    // The teardown is over within half a second: a `docker` that holds each `rm` makes sure
    // the second signal lands in it.
    let shim = tempfile::tempdir().unwrap();
    let path = held_docker_rm(shim.path());
    let (mut run, dir, project) = compose_at_l08(&[("PATH", &path)]);
    let zip = dir.with_extension("zip");
    let t0 = Instant::now();
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(run.child.id() as i32, libc::SIGTERM);
    }
    // The report's last line, printed after the zip is written, while the teardown runs.
    let stdout = run.logs.path().join("stdout");
    wait_for("the partial report", Duration::from_secs(30), || {
        let printed = std::fs::read_to_string(&stdout).unwrap_or_default();
        (zip.exists() && printed.contains("partial report: interrupted by SIGTERM")).then_some(())
    });
    let to_zip = t0.elapsed();
    assert!(
        run.child.try_wait().unwrap().is_none(),
        "the xtask exited before the teardown was done: nothing left to force"
    );
    let (code, _, to_exit) = run.interrupt(libc::SIGINT, &zip);
    println!(
        "compose second signal: zip {:.2}s after the first, exit {:.2}s after the second (exit {code})",
        to_zip.as_secs_f64(),
        to_exit.as_secs_f64()
    );
    // The second signal's code.
    assert_eq!(code, 130, "{}", run.output());
    assert_partial_report(&run, &dir, "L08", "SIGTERM");
    // The held `docker rm` goes on as an orphan; the run's reaper, which got the journal
    // once the xtask exited, removes the rest (through the same held `docker`).
    let shim_dir = shim.path().display().to_string();
    wait_for(
        "the orphaned `docker rm` and the reaper to end",
        Duration::from_secs(30),
        || processes(Some(&shim_dir), None).is_empty().then_some(()),
    );
    let gone =
        codex_test_support::killed::gone_within(Duration::from_secs(20), || compose_left(&project));
    println!("compose second signal: nothing left {gone:?} after the forced exit's orphans");
    assert!(gone.is_ok(), "{project} still has {gone:?}");
}

/// A `docker` first on a PATH (returned) that waits 3 s before each `rm`, then runs the
/// real one (as a child, so that the shim's folder names it in the process list).
fn held_docker_rm(dir: &Path) -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    let real = std::env::split_paths(&path)
        .map(|d| d.join("docker"))
        .find(|p| p.is_file())
        .expect("docker on PATH");
    let shim = dir.join("docker");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\n[ \"$1\" = rm ] && sleep 3\n{} \"$@\"\n",
            real.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:{path}", dir.display())
}
