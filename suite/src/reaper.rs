//! Nothing a run starts outlives it, however it ends. What the run started is in its
//! journal (`sys::journal`), locked while the run lives; this module removes what a journal
//! whose lock was let go says is left:
//!
//! - the run's reaper (`start`, `run_if_asked`): this same binary, in a session of its own,
//!   waiting for the lock of the run's journal. It gets it when the run ends, however it
//!   ends: after a clean end the journal says `done` and the reaper exits; after a SIGKILL
//!   (even of the run's whole process group or session) it kills the run's process groups,
//!   removes its compose projects, image tags and private folders, then exits;
//! - at a run's start (`sweep`), what earlier runs left whose reapers were killed too, with
//!   one line; a run that lives holds its lock and is never touched;
//! - `down`: the same for every journal, `--keep-up` stacks included, and the compose
//!   projects of runs no journal names any more, one line per thing.
//!
//! A mode of the binary, not a container: it needs no Docker engine, and the process
//! stacks it covers run without one.

mod down;

pub(crate) use down::down;
pub use down::Down;

use crate::model::events::Events;
use crate::stack::docker::{self, Object};
use crate::sys::journal::{self, Claimed, Leader, Left};
use crate::sys::process::{remove_written_folder, signal_group};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The argument that makes the binary the reaper (`run_if_asked`); the journal's path follows.
const ARG: &str = "__codex-live-suite-reaper";
/// The longest a reaper spends removing; past it, it exits and leaves the journal to the
/// next run or `down` (an engine that hangs must not keep it forever).
const REAP_LIMIT: Duration = Duration::from_secs(120);
/// How long a folder a killed group was writing into is tried again.
const FOLDER_GRACE: Duration = Duration::from_secs(5);
/// After a project's removal, how long before it is listed again: a compose CLI killed
/// while it created a container leaves the engine finishing that request.
const SETTLE: Duration = Duration::from_millis(300);

/// This process's reaper, while a run lasts.
static REAPER: Mutex<Option<Child>> = Mutex::new(None);

fn reaper() -> std::sync::MutexGuard<'static, Option<Child>> {
    REAPER.lock().unwrap_or_else(|p| p.into_inner())
}

/// Ends the run's journal when dropped (`end`).
#[must_use]
pub(crate) struct Running;

impl Drop for Running {
    fn drop(&mut self) {
        end();
    }
}

/// Opens the run's journal and starts its reaper: this binary again (`/proc/self/exe`, so
/// that a binary replaced meanwhile still starts), in a new session so that a kill of the
/// run's process group or session does not reach it. Returns the guard that ends them
/// (none without a journal) and why there is no reaper, if there is none: a journal
/// without one is still swept by the next run.
pub(crate) fn start() -> (Option<Running>, Option<std::io::Error>) {
    let path = match journal::begin() {
        Ok(Some(path)) => path,
        // Another run of this process has opened the journal and started the reaper.
        Ok(None) => return (Some(Running), None),
        Err(e) => return (None, Some(e)),
    };
    let mut cmd = Command::new("/proc/self/exe");
    cmd.arg(ARG)
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::setsid();
            Ok(())
        });
    }
    match cmd.spawn() {
        Ok(child) => {
            *reaper() = Some(child);
            (Some(Running), None)
        }
        Err(e) => (Some(Running), Some(e)),
    }
}

/// The run cleaned up after itself: the journal says `done`, and the reaper, which gets its
/// lock now, exits without touching anything.
fn end() {
    if journal::end() {
        if let Some(mut child) = reaper().take() {
            let _ = child.wait();
        }
    }
}

/// `main`'s first call: in the reaper, wait for the run's end, reap and exit; in the run,
/// nothing.
pub fn run_if_asked() {
    let mut args = std::env::args_os().skip(1);
    if args.next().is_some_and(|a| a == ARG) {
        if let Some(path) = args.next() {
            reap_when_released(Path::new(&path));
        }
        std::process::exit(0);
    }
}

/// Waits for the journal's lock; when the run let go of it without `done`, removes what it
/// left and deletes the journal (unless `--keep-up` kept the stack for `down`).
fn reap_when_released(path: &Path) {
    let Ok(Some(claimed)) = Claimed::take(path, true) else {
        return;
    };
    if claimed.left.done || claimed.left.keep {
        return;
    }
    std::thread::spawn(|| {
        std::thread::sleep(REAP_LIMIT);
        std::process::exit(1);
    });
    if remove(&claimed.left).is_empty() {
        claimed.finish();
    }
}

/// One thing a run left that is there now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Thing {
    /// A process group with members: pid and command name of each.
    Group {
        pgid: i32,
        members: Vec<(i32, String)>,
    },
    /// A process with the run's mark outside the groups above: pid and command name.
    Process(i32, String),
    Folder(PathBuf),
    Docker(Object),
    Image(String),
}

impl std::fmt::Display for Thing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Thing::Group { pgid, members } => {
                let names: BTreeSet<&str> = members.iter().map(|(_, c)| c.as_str()).collect();
                let names: Vec<&str> = names.into_iter().collect();
                let n = members.len();
                let s = if n == 1 { "" } else { "es" };
                write!(
                    f,
                    "process group {pgid} ({n} process{s}: {})",
                    names.join(", ")
                )
            }
            Thing::Process(pid, comm) => write!(f, "process {pid} ({comm})"),
            Thing::Folder(path) => write!(f, "folder {}", path.display()),
            Thing::Docker(o) => write!(f, "{} {}", o.kind, o.name),
            Thing::Image(tag) => write!(f, "image tag {tag}"),
        }
    }
}

/// What of `left` is there now; a listing that failed is a problem.
fn found(left: &Left) -> (Vec<Thing>, Vec<String>) {
    let mut things = Vec::new();
    let mut problems = Vec::new();
    for (pgid, leader) in &left.groups {
        let members = journal::members(*pgid);
        if journal::leader(leader) != Leader::Other && !members.is_empty() {
            things.push(Thing::Group {
                pgid: *pgid,
                members,
            });
        }
    }
    let grouped: BTreeSet<i32> = things
        .iter()
        .filter_map(|t| match t {
            Thing::Group { members, .. } => Some(members.iter().map(|(p, _)| *p)),
            _ => None,
        })
        .flatten()
        .collect();
    things.extend(
        marked(left)
            .into_iter()
            .filter(|(pid, _)| !grouped.contains(pid))
            .map(|(pid, comm)| Thing::Process(pid, comm)),
    );
    things.extend(
        left.dirs
            .iter()
            .filter(|d| ours(d))
            .map(|d| Thing::Folder(d.clone())),
    );
    for project in &left.projects {
        match docker::project_objects(project) {
            Ok(objects) => things.extend(objects.into_iter().map(Thing::Docker)),
            Err(e) => problems.push(format!("{e:#}")),
        }
    }
    let tags: Vec<String> = left.images.iter().cloned().collect();
    match docker::existing_images(&tags) {
        Ok(tags) => things.extend(tags.into_iter().map(Thing::Image)),
        Err(e) => problems.push(format!("{e:#}")),
    }
    (things, problems)
}

/// The processes that carry the mark of `left`'s run.
fn marked(left: &Left) -> Vec<(i32, String)> {
    left.owner.as_ref().map_or_else(Vec::new, |owner| {
        journal::marked(journal::MARK, &journal::mark_of(owner))
    })
}

/// A folder of this user's, not a link: what a journal names is removed only then.
fn ours(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: getuid(2) cannot fail.
    let uid = unsafe { libc::getuid() };
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir() && m.uid() == uid)
}

/// Removes what `left` names: the process groups first (a compose CLI among them stops
/// creating containers), then the compose projects, the image tags and the folders.
/// Returns the problems; what is gone already is none.
fn remove(left: &Left) -> Vec<String> {
    let mut problems = Vec::new();
    let mut killed = Vec::new();
    for (pgid, leader) in &left.groups {
        if journal::leader(leader) != Leader::Other {
            signal_group(*pgid, libc::SIGKILL);
            killed.push(*pgid);
        }
    }
    // Then whatever carries the run's mark: a process that left its group, or one started
    // just before its group was journaled. Killed until none is left.
    let t0 = Instant::now();
    loop {
        let strays = marked(left);
        for (pid, _) in &strays {
            // SAFETY: kill(2) of a process of this user's that carries the run's mark.
            unsafe {
                libc::kill(*pid, libc::SIGKILL);
            }
        }
        let grouped = killed.iter().any(|g| !journal::members(*g).is_empty());
        if (strays.is_empty() && !grouped) || t0.elapsed() >= FOLDER_GRACE {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    for project in &left.projects {
        let removed = docker::remove_project(project).and_then(|()| {
            std::thread::sleep(SETTLE);
            docker::remove_project(project)
        });
        if let Err(e) = removed {
            problems.push(format!("{e:#}"));
        }
    }
    let tags: Vec<String> = left.images.iter().cloned().collect();
    if let Err(e) = docker::remove_tags(&tags) {
        problems.push(format!("{e:#}"));
    }
    for dir in left.dirs.iter().filter(|d| ours(d)) {
        if let Err(e) = remove_written_folder(dir, FOLDER_GRACE) {
            problems.push(format!("removing {}: {e}", dir.display()));
        }
    }
    problems
}

/// At a run's start: removes what earlier runs left whose reapers could not (killed too),
/// with one line per run. Journals whose run lives are locked and skipped; so are those of
/// `--keep-up` runs, whose stacks stay until `down`.
pub(crate) fn sweep(events: &Events) {
    let Ok(registry) = journal::registry() else {
        return;
    };
    for path in journal::journals(&registry) {
        let Ok(Some(claimed)) = Claimed::take(&path, false) else {
            continue;
        };
        if claimed.left.keep {
            continue;
        }
        let (things, mut problems) = found(&claimed.left);
        if !things.is_empty() {
            problems.extend(remove(&claimed.left));
        }
        let whose = whose(&claimed.left);
        if !things.is_empty() {
            let what: Vec<String> = things.iter().map(Thing::to_string).collect();
            events.line(format!(
                "removed what an earlier run ({whose}) left when it died: {}",
                what.join(", ")
            ));
        }
        if problems.is_empty() {
            claimed.finish();
        } else {
            events.line(format!(
                "could not remove all that an earlier run ({whose}) left, kept for the next \
                 run or `codex-live-suite down`: {}",
                problems.join("; ")
            ));
        }
    }
}

/// `pid N`, from a journal's owner line.
fn whose(left: &Left) -> String {
    left.owner
        .as_ref()
        .map_or_else(|| "pid unknown".to_owned(), |o| format!("pid {}", o.pid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    #[test]
    fn things_are_named_so_that_a_reader_finds_them() {
        let group = Thing::Group {
            pgid: 4242,
            members: vec![(4242, "sh".into()), (4243, "python3".into())],
        };
        assert_eq!(
            group.to_string(),
            "process group 4242 (2 processes: python3, sh)"
        );
        let volume = Thing::Docker(Object {
            kind: "volume",
            name: "codex-x-1_db".into(),
        });
        assert_eq!(volume.to_string(), "volume codex-x-1_db");
        assert_eq!(Thing::Image("a:b".into()).to_string(), "image tag a:b");
    }

    #[test]
    fn a_left_group_folder_and_journal_are_removed_and_a_recycled_pid_is_not_touched() {
        let folder = tempfile::Builder::new()
            .prefix("codex-reaper-test-")
            .tempdir()
            .unwrap()
            .keep();
        std::fs::write(folder.join("data"), "x").unwrap();
        let mut sleeper = Command::new("sleep");
        sleeper.arg("600").process_group(0);
        let mut child = sleeper.spawn().unwrap();
        let pgid = child.id() as i32;
        let leader = journal::Identity::of(pgid).unwrap();
        let recycled = journal::Identity {
            start: leader.start + 1,
            ..leader.clone()
        };
        let mut left = Left {
            dirs: [folder.clone()].into(),
            ..Left::default()
        };
        // A pid the journal names for another process than the one that has it now.
        left.groups.insert(pgid, recycled);
        let (things, _) = found(&left);
        assert_eq!(things, [Thing::Folder(folder.clone())]);
        left.groups.insert(pgid, leader);
        let (things, problems) = found(&left);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(matches!(things[0], Thing::Group { pgid: g, .. } if g == pgid));
        assert!(remove(&left).is_empty());
        assert!(!folder.exists());
        let status = child.wait().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(libc::SIGKILL)
        );
    }
}
