//! Small guarantees, each through the real binary: secrets reach no child but the
//! backend (a recording `cargo` and `git`), a closed stdout is no panic, a symlink at the
//! zip's path is refused and its target untouched, control characters from a backend are
//! escaped, and a secret equal to a suite word is refused.

use crate::support::fake_backend::{self, Config};
use crate::support::xtask;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

const KEY: &str = "sk-hardening-PLANTED-key-4821";
const ORG: &str = "org-hardening-PLANTED-9173";

fn executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The first `name` on PATH.
fn which(name: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not on PATH"))
}

#[test]
fn a_recording_cargo_and_git_see_no_secret_while_the_backend_gets_them() {
    let tools = tempfile::tempdir().unwrap();
    let records = tempfile::tempdir().unwrap();
    let real_cargo = std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| which("cargo"));
    for (name, real) in [("cargo", real_cargo), ("git", which("git"))] {
        executable(
            &tools.path().join(name),
            &format!(
                "#!/bin/sh\nenv > \"{}/{name}-$$.env\"\nexec \"{}\" \"$@\"\n",
                records.path().display(),
                real.display()
            ),
        );
    }
    let path = format!(
        "{}:{}",
        tools.path().display(),
        std::env::var("PATH").unwrap()
    );
    let fake_cargo = tools.path().join("cargo");
    let out = tempfile::tempdir().unwrap();
    let run = xtask(
        &[
            "live-suite",
            "--stack",
            "local",
            "--only",
            "L01",
            "--no-rollback",
        ],
        &[
            ("PATH", &path),
            ("CARGO", fake_cargo.to_str().unwrap()),
            ("OPENAI_API_KEY", KEY),
            ("OPENAI_ORG_ID", ORG),
        ],
        out.path(),
    );
    run.assert_code(0);
    // The backend (and through it the worker) got both.
    let (verdict, reason) = run.verdict("L01");
    assert_eq!(verdict, "PASS");
    assert!(
        reason.contains("OPENAI_API_KEY=present") && reason.contains("OPENAI_ORG_ID=present"),
        "{reason}"
    );
    let recorded: Vec<PathBuf> = std::fs::read_dir(records.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    for tool in ["cargo", "git"] {
        assert!(
            recorded
                .iter()
                .any(|p| p.file_name().unwrap().to_string_lossy().starts_with(tool)),
            "{tool} was never called: {recorded:?}"
        );
    }
    for file in &recorded {
        let env = std::fs::read_to_string(file).unwrap();
        for needle in [
            KEY,
            ORG,
            "OPENAI_API_KEY",
            "OPENAI_ORG_ID",
            "OPENAI_PROJECT",
        ] {
            assert!(
                !env.contains(needle),
                "{} saw {needle}",
                file.file_name().unwrap().to_string_lossy()
            );
        }
    }
    println!("{} recorded child environments, no secret", recorded.len());
}

#[test]
fn a_closed_stdout_is_no_panic_and_the_run_writes_its_report() {
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["smoke", "--stack", "local", "--out"])
        .arg(out.path())
        .current_dir(out.path())
        .env_remove("GITHUB_ACTIONS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `xtask … | head -0`: the reader is gone before the first line.
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let zips: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "zip"))
        .collect();
    assert_eq!(zips.len(), 1, "{stderr}");
}

fn run_id_at(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t)
        .to_string()
        .replace(':', "-")
}

#[test]
fn a_symlink_at_the_zip_path_is_a_setup_error_naming_it_and_its_target_stays() {
    let out = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("precious.txt");
    std::fs::write(&target, "keep me").unwrap();
    // Run ids are timestamps: a link for each of the next minute's ids.
    let now = SystemTime::now();
    for s in 0..60 {
        let id = run_id_at(now + Duration::from_secs(s));
        std::os::unix::fs::symlink(&target, out.path().join(format!("{id}.zip"))).unwrap();
    }
    let o = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["smoke", "--stack", "local", "--out"])
        .arg(out.path())
        .current_dir(out.path())
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(".zip already exists") && stderr.contains(out.path().to_str().unwrap()),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    let folders = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir())
        .count();
    assert_eq!(folders, 0, "a run folder was created");
}

#[test]
fn control_characters_from_the_backend_are_escaped_in_stdout_summary_and_step_summary() {
    let live = fake_backend::start(Config {
        summary: Some("made \u{1b}[31mred\u{1b}[0m and \u{0}nul".into()),
        ..Default::default()
    });
    let out = tempfile::tempdir().unwrap();
    let gh = tempfile::tempdir().unwrap();
    let step_summary = gh.path().join("summary.md");
    let outputs = gh.path().join("outputs");
    let run = xtask(
        &[
            "live-suite",
            "--base-url",
            &live.url,
            "--only",
            "L08",
            "--long-run-seconds",
            "1",
            "--poll-timeout",
            "20",
        ],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", step_summary.to_str().unwrap()),
            ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
        ],
        out.path(),
    );
    run.assert_code(0);
    let summary = run.read("summary.txt");
    let md = std::fs::read_to_string(&step_summary).unwrap();
    for (what, text) in [
        ("stdout", &run.stdout),
        ("summary.txt", &summary),
        ("step summary", &md),
    ] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\0'),
            "{what} holds a raw control character:\n{text}"
        );
        assert!(
            text.contains("made \\u{1b}[31mred\\u{1b}[0m and \\u{0}nul"),
            "{what} lacks the escaped text:\n{text}"
        );
    }
}

#[test]
fn a_secret_equal_to_a_suite_word_is_refused_at_startup() {
    let out = tempfile::tempdir().unwrap();
    for value in ["PASS", "mocked", "error"] {
        let o = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("list")
            .current_dir(out.path())
            .env("OPENAI_ORG_ID", value)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{value}: {stderr}");
        assert!(
            stderr.contains("OPENAI_ORG_ID") && stderr.contains("the suite writes itself"),
            "{stderr}"
        );
    }
}

#[test]
fn bad_flags_are_a_setup_error_with_the_reason() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["live-suite", "--from", "L09"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("L09"));
}
