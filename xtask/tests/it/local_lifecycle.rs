//! The local stack's children never outlive the xtask: Ctrl-C on `up` stops the backend.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Running (a zombie waiting for a reaper counts as dead: it runs nothing).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// What `up()` started: the xtask, its backend's pid and the stack's data folder.
struct Up {
    xtask: std::process::Child,
    backend_pid: i32,
    data: PathBuf,
    _cwd: tempfile::TempDir,
}

/// Starts `xtask up --stack local --mocked` and returns it once healthy.
fn up() -> Up {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["up", "--stack", "local", "--mocked"])
        .env_remove("GITHUB_ACTIONS")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut backend_pid = None;
    let mut data = None;
    let mut seen = Vec::new();
    for line in lines {
        let line = line.unwrap();
        if let Some(started) = codex_test_support::process::started_backend(&line) {
            backend_pid = Some(started.pid);
            data = Some(started.data);
        }
        let ready = line.starts_with("up: ");
        seen.push(line);
        if ready {
            break;
        }
    }
    let Some(pid) = backend_pid else {
        let _ = child.kill();
        panic!("the stack did not come up:\n{}", seen.join("\n"));
    };
    assert!(alive(pid), "backend {pid} should run while the xtask runs");
    let data = data.unwrap_or_else(|| panic!("no data folder in:\n{}", seen.join("\n")));
    assert!(
        data.is_dir(),
        "{} should exist while the stack runs",
        data.display()
    );
    Up {
        xtask: child,
        backend_pid: pid,
        data,
        _cwd: dir,
    }
}

fn assert_gone_within_10s(pid: i32) {
    let start = Instant::now();
    while alive(pid) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "backend {pid} outlived the xtask"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_on_up_stops_the_backend_and_removes_its_data() {
    let mut up = up();
    // SAFETY: SIGINT to the xtask we started.
    unsafe { libc::kill(up.xtask.id() as i32, libc::SIGINT) };
    assert_eq!(up.xtask.wait().unwrap().code(), Some(130));
    assert_gone_within_10s(up.backend_pid);
    assert!(!up.data.exists(), "{} outlived Ctrl-C", up.data.display());
}

#[test]
fn a_killed_xtask_takes_its_backend_along() {
    let mut up = up();
    // SIGKILL: no handler runs; the backend's parent-death signal stops it.
    up.xtask.kill().unwrap();
    up.xtask.wait().unwrap();
    assert_gone_within_10s(up.backend_pid);
    // Nothing in a SIGKILLed process can remove its temporary folder: the test does.
    std::fs::remove_dir_all(&up.data).unwrap();
}

/// CI that does not glob the timestamped run folder: the reports copied to fixed paths,
/// byte for byte, and `<out>/latest` naming the run.
#[test]
fn fixed_paths_get_copies_of_the_reports_and_latest_names_the_run() {
    let out = tempfile::tempdir().unwrap();
    let ci = tempfile::tempdir().unwrap();
    let at = |name: &str| ci.path().join("reports").join(name);
    let (junit, html, zip) = (at("junit.xml"), at("report.html"), at("evidence.zip"));
    let run = crate::support::local_suite_with(
        &[
            "--only",
            "L01",
            "--junit",
            junit.to_str().unwrap(),
            "--report-html",
            html.to_str().unwrap(),
            "--zip",
            zip.to_str().unwrap(),
        ],
        &[],
        out.path(),
    );
    run.assert_code(0);
    for (copy, original) in [
        (&junit, run.run_dir.join("junit.xml")),
        (&html, run.run_dir.join("report.html")),
        (&zip, run.zip.clone()),
    ] {
        assert_eq!(
            std::fs::read(copy).unwrap(),
            std::fs::read(&original).unwrap(),
            "{}",
            copy.display()
        );
    }
    crate::support::assert_junit_valid(&junit);
    crate::support::assert_verified(&zip);
    let id = run
        .run_dir
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let latest = std::fs::read_to_string(out.path().join("latest")).unwrap();
    assert_eq!(latest, format!("{id}\n"));
}
