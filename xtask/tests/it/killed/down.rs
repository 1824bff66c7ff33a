//! `cargo xtask down` after a compose run whose reaper was killed with it: `--dry-run`
//! lists the containers, network, volumes and image tags it left, naming the run; `down`
//! removes them.

use super::{args, start, StackKind};
use crate::support::{compose_unavailable, without_ambient};
use codex_test_support::killed::{self, compose_left, compose_project, in_events, Phase};
use codex_test_support::killed::{Reach, Trace};
use std::process::Command;
use std::time::Duration;

/// `cargo xtask down --stack local [--dry-run]` (traced, when given: the run's temporary
/// folder, so its journals); its stdout, once it succeeded. `--stack local`: the
/// developer's compose stack of this machine is not the test's.
fn xtask_down(dry: bool, trace: Option<&Trace>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(["down", "--stack", "local"]);
    if dry {
        cmd.arg("--dry-run");
    }
    without_ambient(&mut cmd);
    if let Some(trace) = trace {
        trace.mark(&mut cmd);
    }
    let o = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    text
}

#[test]
fn cargo_xtask_down_removes_the_compose_project_a_run_left_when_its_reaper_died_too() {
    if let Some(why) = compose_unavailable() {
        println!("skipped: {why}");
        return;
    }
    let trace = Trace::new();
    let envs = [("OPENAI_API_KEY", "sk-killed-test-PLANTED-77")];
    let mut run = start(&trace, &args(StackKind::Compose, Phase::L08), &envs);
    let out = run.out.path().to_owned();
    let output = || std::fs::read_to_string(run.logs.path().join("stdout")).unwrap_or_default();
    killed::wait_for(
        "L08's job",
        &mut run.child,
        Duration::from_secs(600),
        output,
        || in_events(Phase::L08, &killed::run_events(&out)),
    );
    let project = compose_project(&run.output()).expect("a compose project line");
    let reaper = trace.reaper().expect("the run has a reaper");
    // SAFETY: kill(2) of the reaper our child started, then of the child.
    unsafe {
        libc::kill(reaper, libc::SIGKILL);
    }
    let pid = run.child.id();
    killed::kill(&mut run.child, Reach::Run);
    std::thread::sleep(Duration::from_secs(1));
    let left = compose_left(&project);
    assert!(
        left.iter().filter(|l| l.starts_with("ps:")).count() >= 2,
        "the backend and L08's worker are left: {left:?}"
    );
    let down = |dry: bool| xtask_down(dry, Some(&trace));
    let listed = down(true);
    let whose = format!("(left by the run with pid {pid})");
    for kind in ["container", "network", "volume", "image tag"] {
        let line = format!("down: would remove {kind} ");
        assert!(
            listed
                .lines()
                .any(|l| l.starts_with(&line) && l.ends_with(&whose)),
            "{line}… {whose}\n{listed}"
        );
    }
    assert!(
        listed.contains(&format!("would remove container {project}_backend_1"))
            || listed.contains(&format!("would remove container {project}-backend-1")),
        "{listed}"
    );
    assert_eq!(compose_left(&project), left, "a dry run removes nothing");
    let removed = down(false);
    assert!(removed.contains("down: removed container "), "{removed}");
    let after = compose_left(&project);
    assert!(after.is_empty(), "{project} still has {after:?}\n{removed}");
    assert!(trace.left(None).is_empty(), "{:?}", trace.left(None));
}

/// A run tag of ours whose run no journal names (killed before its tags were journaled, or
/// by an older version): `cargo xtask down` names it under `--dry-run` and removes it.
#[test]
fn cargo_xtask_down_removes_our_image_tags_of_runs_that_no_longer_run() {
    if let Some(why) = compose_unavailable() {
        println!("skipped: {why}");
        return;
    }
    let images = Command::new("docker")
        .args(["image", "ls", "-q", "codex-worker"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&images.stdout).into_owned();
    let Some(image) = listed.lines().next() else {
        println!("skipped: no codex-worker image built yet");
        return;
    };
    // No process has the largest pid.
    let tag = format!("codex-worker:codex-2000-01-01t00-00-00z-{}", i32::MAX);
    let tagged = Command::new("docker")
        .args(["tag", image, &tag])
        .status()
        .unwrap();
    assert!(tagged.success());
    let down = |dry: bool| xtask_down(dry, None);
    let exists = || {
        Command::new("docker")
            .args(["image", "inspect", &tag])
            .output()
            .unwrap()
            .status
            .success()
    };
    let whose = format!("(left by the run with pid {})", i32::MAX);
    let listed = down(true);
    assert!(
        listed.contains(&format!("down: would remove image tag {tag} {whose}")),
        "{listed}"
    );
    assert!(exists(), "a dry run removes nothing");
    let removed = down(false);
    assert!(
        removed.contains(&format!("down: removed image tag {tag} {whose}")),
        "{removed}"
    );
    assert!(!exists(), "{tag} is still there\n{removed}");
}
