//! The local stack's children never outlive the xtask: Ctrl-C on `up` stops the backend.

use std::io::{BufRead, BufReader};
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

/// Starts `xtask up --stack local --mocked` and returns it with the backend's pid once healthy.
fn up() -> (std::process::Child, i32, tempfile::TempDir) {
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
    let mut seen = Vec::new();
    for line in lines {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("local: backend pid ") {
            backend_pid = rest
                .split_whitespace()
                .next()
                .and_then(|p| p.parse::<i32>().ok());
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
    (child, pid, dir)
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
fn ctrl_c_on_up_stops_the_backend() {
    let (mut child, pid, _dir) = up();
    // SAFETY: SIGINT to the xtask we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert_gone_within_10s(pid);
}

#[test]
fn a_killed_xtask_takes_its_backend_along() {
    let (mut child, pid, _dir) = up();
    // SIGKILL: no handler runs; the backend's parent-death signal stops it.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_gone_within_10s(pid);
}
