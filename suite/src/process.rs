//! How the xtask runs processes. Short commands: xshell's `cmd!` (see `docker.rs`,
//! `images.rs`, `stack/`). Long-lived or timed children: this module, the one place that
//! spawns them with `std::process`: their own process group (so that the whole group, a
//! backend and its workers, can be stopped at once) and, unless they must outlive the
//! xtask, a parent-death signal.

use anyhow::{Context, Result};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Whether a child may outlive the xtask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tether {
    /// SIGTERM when the xtask dies (`PR_SET_PDEATHSIG`): children never outlive it.
    DiesWithXtask,
    /// Left running on purpose (`--keep-up`).
    Outlives,
}

/// Removes the secret variables from the xtask's own environment, once their values are
/// loaded (`Secrets::load`): every child (cargo and its build scripts, git, docker build,
/// compose `build`, the timed probes) then runs without them, whoever spawns it. The only
/// children that get them, explicitly from `Secrets::env_pairs`, are the local backend
/// (`stack/local.rs`) and compose `up` (`stack/compose_project.rs`).
pub fn remove_secrets_from_environment() {
    for var in codex_contract::SECRET_VARS {
        std::env::remove_var(var);
    }
}

/// Spawns `cmd` as the leader of a new process group; its pid is the group id.
pub fn spawn_grouped(cmd: &mut Command, tether: Tether) -> std::io::Result<Child> {
    cmd.process_group(0);
    if tether == Tether::DiesWithXtask {
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
    }
    cmd.spawn()
}

/// Sends `signal` to the process group `pgid`.
pub fn signal_group(pgid: i32, signal: i32) {
    // SAFETY: kill(2) on a process group we created; a vanished group is harmless (ESRCH).
    unsafe {
        libc::kill(-pgid, signal);
    }
}

/// Stops a grouped child: SIGTERM to its group, SIGKILL after `grace`.
pub fn stop_group(mut child: Child, grace: Duration) {
    let pgid = child.id() as i32;
    signal_group(pgid, libc::SIGTERM);
    let start = Instant::now();
    while start.elapsed() < grace {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    signal_group(pgid, libc::SIGKILL);
    let _ = child.wait();
}

/// Runs `cmd` with its output captured; `Ok(None)` when it did not finish within `timeout`
/// (its group is killed then).
pub fn output_within(mut cmd: Command, timeout: Duration) -> Result<Option<Output>> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn_grouped(&mut cmd, Tether::DiesWithXtask)?;
    // Read while it runs: a child that writes more than a pipe holds would block otherwise.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            let read = |h: std::thread::JoinHandle<std::io::Result<Vec<u8>>>| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("reading its output panicked"))?
                    .context("reading its output")
            };
            return Ok(Some(Output {
                status,
                stdout: read(stdout)?,
                stderr: read(stderr)?,
            }));
        }
        if start.elapsed() >= timeout {
            stop_group(child, Duration::ZERO);
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads a pipe to its end on a thread of its own.
fn drain(
    pipe: Option<impl std::io::Read + Send + 'static>,
) -> std::thread::JoinHandle<std::io::Result<Vec<u8>>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            p.read_to_end(&mut buf)?;
        }
        Ok(buf)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_that_answers_in_time_gives_its_output_and_a_hung_one_is_stopped() {
        let mut echo = Command::new("sh");
        echo.args(["-c", "echo out; echo err >&2"]);
        let out = output_within(echo, Duration::from_secs(10))
            .unwrap()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n");
        // More than a pipe holds (64 KiB) does not block it.
        let mut big = Command::new("head");
        big.args(["-c", "1000000", "/dev/zero"]);
        let out = output_within(big, Duration::from_secs(10))
            .unwrap()
            .unwrap();
        assert_eq!(out.stdout.len(), 1_000_000);
        let mut hang = Command::new("sleep");
        hang.arg("30");
        let start = Instant::now();
        assert!(output_within(hang, Duration::from_millis(200))
            .unwrap()
            .is_none());
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
