//! The run's reaper: this same binary, started in a session of its own, that outlives the
//! run however it ends. The run tells it over a pipe only the run holds which process
//! groups and private folders it made, and which it has cleaned up itself. When the pipe
//! closes without `done` (the run was SIGKILLed, even with its whole process group or
//! session), the reaper kills those groups and removes those folders, then exits.
//!
//! A mode of the binary, not a container: it needs no Docker engine, and the process
//! stacks it covers run without one.

use super::process::{remove_written_folder, signal_group};
use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

/// The argument that makes the binary the reaper (`run_if_asked`).
const ARG: &str = "__codex-live-suite-reaper";

/// The reaper of this run and the pipe to it, while the run lasts.
static TETHER: Mutex<Option<(Child, ChildStdin)>> = Mutex::new(None);

fn tether() -> std::sync::MutexGuard<'static, Option<(Child, ChildStdin)>> {
    TETHER.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts this run's reaper: this binary again, in a new session (so that a kill of the
/// run's process group or session does not reach it), with a pipe for its input.
pub(crate) fn start() -> std::io::Result<()> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg(ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    let input = child.stdin.take().expect("piped");
    *tether() = Some((child, input));
    Ok(())
}

/// Tells the reaper a line (`group <pgid>`, `ungroup <pgid>`, `dir <path>`, `undir
/// <path>`); nothing without one.
pub(crate) fn tell(line: &str) {
    if let Some((_, input)) = tether().as_mut() {
        let _ = writeln!(input, "{line}");
        let _ = input.flush();
    }
}

/// The run cleaned up after itself: the reaper exits without touching anything.
pub(crate) fn done() {
    if let Some((mut child, mut input)) = tether().take() {
        let _ = writeln!(input, "done");
        drop(input);
        let _ = child.wait();
    }
}

/// `main`'s first call: in the reaper, reap and exit; in the run, nothing.
pub fn run_if_asked() {
    if std::env::args_os().nth(1).is_some_and(|a| a == ARG) {
        reap(std::io::stdin().lock());
        std::process::exit(0);
    }
}

/// What the run left, as its lines say; `None` when it said `done`.
fn left(input: impl BufRead) -> Option<(BTreeSet<i32>, BTreeSet<PathBuf>)> {
    let (mut groups, mut dirs) = (BTreeSet::new(), BTreeSet::new());
    for line in input.lines() {
        let Ok(line) = line else { break };
        match line.split_once(' ') {
            Some(("group", g)) => groups.extend(g.parse::<i32>().ok().filter(|g| *g > 1)),
            Some(("ungroup", g)) => {
                g.parse::<i32>().ok().map(|g| groups.remove(&g));
            }
            Some(("dir", d)) => {
                dirs.insert(PathBuf::from(d));
            }
            Some(("undir", d)) => {
                dirs.remove(&PathBuf::from(d));
            }
            _ if line == "done" => return None,
            _ => {}
        }
    }
    Some((groups, dirs))
}

/// Waits for the run's lines; when they end without `done`, kills its groups and removes
/// its folders.
fn reap(input: impl BufRead) {
    let Some((groups, dirs)) = left(input) else {
        return;
    };
    for g in &groups {
        signal_group(*g, libc::SIGKILL);
    }
    for d in &dirs {
        let _ = remove_written_folder(d, Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::left;

    #[test]
    fn what_the_run_left_is_what_it_said_and_did_not_take_back() {
        let said = "group 4242\ndir /tmp/a\ngroup 77\nungroup 77\ndir /tmp/b\nundir /tmp/b\n\
                    group 1\nnoise\n";
        let (groups, dirs) = left(said.as_bytes()).unwrap();
        assert_eq!(groups.into_iter().collect::<Vec<_>>(), [4242]);
        assert_eq!(
            dirs.into_iter().collect::<Vec<_>>(),
            [std::path::PathBuf::from("/tmp/a")]
        );
        assert!(left("group 4242\ndone\n".as_bytes()).is_none());
    }
}
