//! How the suite runs processes. Short commands: xshell's `cmd!` (see `stack/docker.rs`).
//! Long-lived or timed children: this module, the one place that spawns them with
//! `std::process`: their own process group (so that the whole group, a backend and its
//! workers, can be stopped at once) and, unless they must outlive the suite, a
//! parent-death signal.

use super::journal;
use anyhow::{Context, Result};
use std::io::{BufRead, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Whether a child may outlive the process that spawned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tether {
    /// SIGTERM when its parent dies (`PR_SET_PDEATHSIG`): a child never outlives it.
    DiesWithParent,
    /// Left running on purpose (`--keep-up`).
    Outlives,
}

/// Removes the secret variables from the suite's own environment, once their values are
/// loaded (`Secrets::load`): every child (cargo and its build scripts, git, docker build,
/// compose `build`, the timed probes) then runs without them, whoever spawns it. The only
/// children that get them, explicitly from `Secrets::env_pairs`, are the process stack's
/// backend (`stack/process.rs`) and compose `up` (`stack/docker/project.rs`).
pub(crate) fn remove_secrets_from_environment() {
    for var in codex_contract::SECRET_VARS {
        std::env::remove_var(var);
    }
}

/// Spawns `cmd` as the leader of a new process group; its pid is the group id. The group
/// goes into the run's journal (`journal`), and the child gets the run's mark
/// (`journal::MARK`), so that the run's reaper kills it and all it started if the run dies
/// first, by whatever signal.
pub fn spawn_grouped(cmd: &mut Command, tether: Tether) -> std::io::Result<Child> {
    cmd.process_group(0);
    journal::mark(cmd);
    if tether == Tether::DiesWithParent {
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
    }
    let child = cmd.spawn()?;
    journal::tell_group(child.id() as i32);
    Ok(child)
}

/// A group this process ended itself (its leader reaped): out of the journal.
fn forget_group(pgid: u32) {
    journal::tell(journal::Entry::Ungroup(pgid as i32));
}

/// Runs `cmd` to its end with its output captured, in a process group of its own (in the
/// journal while it runs) with a parent-death signal: for commands that create what the
/// run must remove, like compose `up`, which a reaper must be able to stop first.
pub(crate) fn output_grouped(mut cmd: Command) -> std::io::Result<Output> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = spawn_grouped(&mut cmd, Tether::DiesWithParent)?;
    until_done(child.id(), || child.wait_with_output())
}

/// Runs `cmd` to its end, its output where the suite's goes, in a process group of its own
/// (in the journal while it runs) with a parent-death signal: a build that a killed run
/// must not leave running.
pub fn run_grouped(mut cmd: Command) -> std::io::Result<ExitStatus> {
    let mut child = spawn_grouped(&mut cmd, Tether::DiesWithParent)?;
    until_done(child.id(), || child.wait())
}

/// Waits with `wait` for the grouped child that leads `pgid`; a signal's teardown kills
/// its group meanwhile (in a group of its own, it does not get the terminal's Ctrl-C).
fn until_done<T>(pgid: u32, wait: impl FnOnce() -> T) -> T {
    let hook = crate::sys::interrupt::register(move || signal_group(pgid as i32, libc::SIGKILL));
    let waited = wait();
    crate::sys::interrupt::unregister(hook);
    forget_group(pgid);
    waited
}

/// Sends `signal` to the process group `pgid`.
pub(crate) fn signal_group(pgid: i32, signal: i32) {
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
    forget_group(pgid as u32);
}

/// Kills the group our child `leader` leads and waits, up to `within`, until the leader has
/// exited: by then its own children have had their parent-death signal. Never reaps it
/// (its `Child` belongs to whoever spawned it).
pub(crate) fn kill_group_and_wait(leader: u32, within: Duration) {
    signal_group(leader as i32, libc::SIGKILL);
    let start = Instant::now();
    while !exited(leader) && start.elapsed() < within {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Removes a folder a process group wrote into, once that group was killed: a member still
/// finishing its last write when the first pass ran makes that pass fail (`ENOTEMPTY`), so it
/// is tried again for up to `within`. Gone already is done.
pub(crate) fn remove_written_folder(
    folder: &std::path::Path,
    within: Duration,
) -> std::io::Result<()> {
    let start = Instant::now();
    loop {
        match std::fs::remove_dir_all(folder) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) if start.elapsed() >= within => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Runs `cmd` with its output captured; `Ok(None)` when it did not finish within `timeout`
/// (its group is killed then).
pub(crate) fn output_within(mut cmd: Command, timeout: Duration) -> Result<Option<Output>> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn_grouped(&mut cmd, Tether::DiesWithParent)?;
    // Read while it runs: a child that writes more than a pipe holds would block otherwise.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            forget_group(child.id());
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

/// How a child run by [`run_streamed`] ended.
#[derive(Debug)]
pub(crate) enum Ended {
    Exited(ExitStatus),
    /// Still running when the timeout passed.
    TimedOut,
    /// A signal asked the run to stop.
    Interrupted,
}

/// The longest line [`run_streamed`] hands on; the rest of a longer line is dropped and the
/// line says so.
pub(crate) const MAX_LINE: usize = 16 << 10;

/// How long the output of an ended child is still read (a descendant that escaped its group
/// may hold the pipe open).
const DRAIN: Duration = Duration::from_secs(2);

/// Runs `cmd` (stdin closed) as the leader of its own process group with a parent-death
/// signal, its stdout and stderr merged, and hands each line of output to `on_line` as it
/// comes, until it exits, `timeout` passes, or a signal asks the run to stop (the interrupt
/// teardown kills the group too). Whatever ends it, its whole group is killed before the
/// call returns: nothing it started outlives it. The output is never held whole, only the
/// few lines in flight.
pub(crate) fn run_streamed(
    mut cmd: Command,
    timeout: Duration,
    mut on_line: impl FnMut(&[u8]),
) -> std::io::Result<Ended> {
    let (reader, writer) = std::io::pipe()?;
    cmd.stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer);
    let child = spawn_grouped(&mut cmd, Tether::DiesWithParent);
    // The parent's copies of the write end: the reader sees EOF once the group is gone.
    drop(cmd);
    let child = child?;
    let pgid = child.id() as i32;
    let hook = crate::sys::interrupt::register(move || signal_group(pgid, libc::SIGKILL));
    let lines = read_lines(reader);
    let ended = wait_streaming(child, timeout, &lines, &mut on_line);
    crate::sys::interrupt::unregister(hook);
    let deadline = Instant::now() + DRAIN;
    while let Ok(batch) = lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        batch.iter().for_each(|line| on_line(line));
    }
    ended
}

/// Hands lines over while `child` runs; ends it (and its group) when it is done, the timeout
/// passed or a signal came (checked between batches of lines, at least every 20 ms).
fn wait_streaming(
    mut child: Child,
    timeout: Duration,
    lines: &Receiver<Vec<Vec<u8>>>,
    on_line: &mut impl FnMut(&[u8]),
) -> std::io::Result<Ended> {
    let start = Instant::now();
    loop {
        match lines.recv_timeout(Duration::from_millis(20)) {
            Ok(batch) => batch.iter().for_each(|line| on_line(line)),
            Err(RecvTimeoutError::Timeout) => {}
            // The output ended before the child: wait for it without spinning.
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(Duration::from_millis(20)),
        }
        if exited(child.id()) {
            // Not reaped yet, so its group id is still taken: what it left behind goes.
            signal_group(child.id() as i32, libc::SIGKILL);
            let status = child.wait().map(Ended::Exited);
            forget_group(child.id());
            return status;
        }
        let ended = if crate::sys::interrupt::requested().is_some() {
            Ended::Interrupted
        } else if start.elapsed() >= timeout {
            Ended::TimedOut
        } else {
            continue;
        };
        stop_group(child, Duration::from_secs(1));
        return Ok(ended);
    }
}

/// Whether our child `pid` has exited, without reaping it (`WNOWAIT`); one already reaped
/// (no longer our child: `ECHILD`) has too.
fn exited(pid: u32) -> bool {
    // SAFETY: waitid(2) on our own child into a zeroed siginfo_t; WNOWAIT leaves it waitable.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        libc::waitid(libc::P_PID, pid, &mut info, flags) != 0 || info.si_pid() != 0
    }
}

/// The lines of `pipe`, read on a thread of its own, each at most [`MAX_LINE`] bytes, in
/// batches (the lines of one read); a few batches in flight at most (the thread waits while
/// they are handled).
fn read_lines(pipe: impl Read + Send + 'static) -> Receiver<Vec<Vec<u8>>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(16);
    std::thread::spawn(move || {
        let mut pipe = std::io::BufReader::with_capacity(64 << 10, pipe);
        let mut line = Vec::new();
        let mut cut = false;
        loop {
            let buf = match pipe.fill_buf() {
                Ok([]) | Err(_) => break,
                Ok(buf) => buf,
            };
            let mut batch = Vec::new();
            for piece in buf.split_inclusive(|b| *b == b'\n') {
                let (text, ends) = match piece.strip_suffix(b"\n") {
                    Some(text) => (text, true),
                    None => (piece, false),
                };
                let room = MAX_LINE.saturating_sub(line.len());
                cut |= text.len() > room;
                line.extend_from_slice(&text[..text.len().min(room)]);
                if ends {
                    if std::mem::take(&mut cut) {
                        line.extend_from_slice(b" [line cut: longer than 16 KiB]");
                    }
                    batch.push(std::mem::take(&mut line));
                }
            }
            let used = buf.len();
            pipe.consume(used);
            if !batch.is_empty() && tx.send(batch).is_err() {
                return;
            }
        }
        if !line.is_empty() {
            let _ = tx.send(vec![line]);
        }
    });
    rx
}

#[cfg(test)]
mod tests;
