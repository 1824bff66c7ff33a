//! An adopter's first run, as the README tells it: `codex-live-suite init` in a folder of
//! their own, then `codex-live-suite` there, green on our backend given by PATH.

use crate::support::without_ambient;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The folder of the binaries beside this xtask: `codex-live-suite`, `codex-backend` and
/// `codex-worker`, built now when missing (as the local stack builds its own).
fn binaries() -> PathBuf {
    let dir = Path::new(env!("CARGO_BIN_EXE_xtask"))
        .parent()
        .unwrap()
        .to_owned();
    let target = dir.parent().unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let built = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--bin",
            "codex-live-suite",
            "--bin",
            "codex-backend",
        ])
        .args(["--bin", "codex-worker", "--target-dir"])
        .arg(target)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .status()
        .unwrap();
    assert!(built.success());
    dir
}

/// `codex-live-suite ARGS` in `dir`, with `bin` first on PATH.
fn suite(bin: &Path, dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin.join("codex-live-suite"));
    cmd.args(args).current_dir(dir);
    without_ambient(&mut cmd);
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin.to_owned()];
    dirs.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(dirs).unwrap());
    cmd.output().unwrap()
}

#[test]
fn init_then_a_run_is_green_on_our_backend_given_by_path() {
    let bin = binaries();
    let repo = tempfile::tempdir().unwrap();
    let init = suite(
        &bin,
        repo.path(),
        &[
            "init",
            "--gitignore",
            "--command",
            "codex-backend",
            "--env",
            "BIND_ADDR=127.0.0.1:{port}",
            "--env",
            "WORKER_RUNNER=process",
        ],
    );
    let said = String::from_utf8_lossy(&init.stdout).into_owned();
    assert_eq!(init.status.code(), Some(0), "{said}");
    assert!(said.contains("init: wrote"), "{said}");
    let doctor = suite(&bin, repo.path(), &["doctor"]);
    assert_eq!(
        doctor.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&doctor.stdout)
    );
    let run = suite(&bin, repo.path(), &["--long-run-seconds", "1", "--strict"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(run.status.code(), Some(0), "{said}");
    assert!(said.contains("stack: process (described by"), "{said}");
    // Its evidence is ignored by .gitignore, as init --gitignore wrote it.
    let ignore = std::fs::read_to_string(repo.path().join(".gitignore")).unwrap();
    assert!(ignore.contains("/docs/evidence/"), "{ignore}");
}
