//! A `live-suite.toml`'s `pre_build` through the real binary on the compose stack: a command
//! that never ends is killed with its process group at `pre_build_timeout`, and with the run
//! on SIGTERM; its output goes to prebuild.log (bounded) and its last lines into the error.

use crate::compose::skip_reason;
use crate::support::timed::{run_folder, timed, Limits};
use std::path::Path;
use std::time::{Duration, Instant};

/// A config whose `pre_build` runs `script` (sh) with these extra keys, in `dir`.
fn config(dir: &Path, script: &str, extra: &str) -> std::path::PathBuf {
    std::fs::write(
        dir.join("compose.yml"),
        "services:\n  api:\n    image: codex-never-built:none\n    ports:\n      - \"9000\"\n",
    )
    .unwrap();
    let file = dir.join("live-suite.toml");
    std::fs::write(
        &file,
        format!(
            "service = \"api\"\ncontainer_port = 9000\ncompose_files = [\"compose.yml\"]\n\
             pre_build = [\"sh\", \"-c\", {script:?}]\n{extra}"
        ),
    )
    .unwrap();
    file
}

/// Whether process `pid` still runs (a zombie does not).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

/// Waits until `file` holds a pid.
fn pid_in(file: &Path, within: Duration) -> Option<i32> {
    let start = Instant::now();
    while start.elapsed() < within {
        if let Some(pid) = std::fs::read_to_string(file)
            .ok()
            .and_then(|t| t.trim().parse().ok())
        {
            return Some(pid);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// Kills what a failed test run left (never needed when the suite behaves).
fn kill_left(pid: Option<i32>) {
    if let Some(pid) = pid.filter(|p| alive(*p)) {
        // SAFETY: kill(2) on the pid the script wrote.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

#[test]
fn a_pre_build_past_its_timeout_is_killed_with_its_group_and_quoted() {
    if let Some(why) = skip_reason() {
        println!("skipped: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("sleeper.pid");
    // 20 MB of output, then a child in the same group that would sleep for 5 minutes.
    let script = format!(
        "head -c 20000000 /dev/zero | tr '\\0' 'x' | fold -w 100; echo last-line-before-sleep; \
         sleep 300 & echo $! > {}; wait",
        pid_file.display()
    );
    let file = config(dir.path(), &script, "pre_build_timeout = 5\n");
    let out = dir.path().join("out");
    let args = [
        "live-suite",
        "--config",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let r = timed(
        &args,
        dir.path(),
        Limits::default(),
        Duration::from_secs(240),
        |_| {},
    );
    let sleeper = pid_in(&pid_file, Duration::from_secs(1));
    kill_left(sleeper.filter(|_| r.code.is_none()));
    r.assert_code(2);
    assert!(
        r.stderr
            .contains("did not finish within 5 s (`pre_build_timeout`)")
            && r.stderr.contains("last-line-before-sleep"),
        "{}",
        r.stderr
    );
    let sleeper = sleeper.expect("the script wrote its sleeper's pid");
    assert!(
        !alive(sleeper),
        "pre_build's sleep {sleeper} outlived the run"
    );
    let run_dir = run_folder(&out).expect("a run folder");
    let log = std::fs::metadata(run_dir.join("prebuild.log"))
        .unwrap()
        .len();
    assert!(log <= 8 << 20 | 1024, "prebuild.log is {log} bytes");
    let tail = std::fs::read_to_string(run_dir.join("prebuild.log")).unwrap();
    assert!(tail.ends_with("MiB\n") && tail.contains("more bytes of output not kept"));
}

#[test]
fn sigterm_during_pre_build_kills_its_group() {
    if let Some(why) = skip_reason() {
        println!("skipped: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("sleeper.pid");
    let script = format!("sleep 300 & echo $! > {}; wait", pid_file.display());
    let file = config(dir.path(), &script, "");
    let out = dir.path().join("out");
    let args = [
        "live-suite",
        "--config",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let pid_file2 = pid_file.clone();
    let r = timed(
        &args,
        dir.path(),
        Limits::default(),
        Duration::from_secs(240),
        move |xtask| {
            let pid_file = pid_file2;
            std::thread::spawn(move || {
                if pid_in(&pid_file, Duration::from_secs(200)).is_some() {
                    // SAFETY: kill(2) on the xtask this test started.
                    unsafe { libc::kill(xtask as i32, libc::SIGTERM) };
                }
            });
        },
    );
    let sleeper = pid_in(&pid_file, Duration::from_secs(1));
    kill_left(sleeper.filter(|_| r.code.is_none()));
    r.assert_code(143);
    let sleeper = sleeper.expect("the script wrote its sleeper's pid");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !alive(sleeper),
        "pre_build's sleep {sleeper} outlived the run"
    );
}
