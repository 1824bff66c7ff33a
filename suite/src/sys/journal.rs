//! The run's journal: one file per run in a folder of this user's
//! (`<temp dir>/codex-live-suite-<uid>/`), one line per thing the run started and one per
//! thing it cleaned up itself: process groups, private folders, compose projects, image
//! tags. The run holds an exclusive `flock` on its journal while it lives, and the kernel
//! lets go of it however the run ends, SIGKILL included. Whoever takes the lock next (the
//! run's reaper, a later run's start, `down`) reads in the journal what is left.
//!
//! The lock, not a pid, says whether a run lives: a recycled pid can look alive, a lock
//! cannot. Every child the run starts in a group also carries the run's mark in its
//! environment (`MARK`), so that what escaped its group is found too. A process group is killed only when its leader is the process the journal
//! names (same start time, same boot), or gone while members of its group remain: a
//! group id is not handed out again while any member has it.

mod entry;
mod proc;

pub(crate) use entry::{Entry, Left};
pub(crate) use proc::{leader, marked, members, Identity, Leader};

use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The journal files' extension in the registry.
const EXTENSION: &str = "journal";
/// The most of a journal that is read back.
pub(crate) const JOURNAL_LIMIT: u64 = 1 << 20;
/// The prefix of every folder the suite may create in the temporary folder, and so the only
/// folders a journal may have the reaper remove.
pub(crate) const FOLDER_PREFIX: &str = "codex-";

/// This user's folder of journals, made private (0700) if new. One that is not a plain
/// folder of this user's with no access for others is refused (another user could plant
/// journals there).
pub(crate) fn registry() -> std::io::Result<PathBuf> {
    // SAFETY: getuid(2) cannot fail.
    let uid = unsafe { libc::getuid() };
    let dir = std::env::temp_dir().join(format!("codex-live-suite-{uid}"));
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => return Ok(dir),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = std::fs::symlink_metadata(&dir)?;
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(std::io::Error::other(format!(
            "{} is not a private folder of this user's (owner uid {}, mode {:o}): remove it \
             and run again",
            dir.display(),
            meta.uid(),
            meta.mode() & 0o7777
        )));
    }
    Ok(dir)
}

/// The journals in the registry, oldest name first.
pub(crate) fn journals(registry: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(registry)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == EXTENSION))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// `flock(2)` on `file`: `Ok(false)` when another holds it and `wait` is false.
pub(crate) fn lock(file: &File, wait: bool) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    let how = if wait {
        libc::LOCK_EX
    } else {
        libc::LOCK_EX | libc::LOCK_NB
    };
    loop {
        // SAFETY: flock(2) on a descriptor we own.
        if unsafe { libc::flock(file.as_raw_fd(), how) } == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) if !wait => return Ok(false),
            _ => return Err(e),
        }
    }
}

/// A journal whose lock we hold, with what it says is left.
pub(crate) struct Claimed {
    pub path: PathBuf,
    file: File,
    pub left: Left,
}

impl Claimed {
    /// Takes the lock of the journal at `path` (waiting for it when `wait`); `Ok(None)` when
    /// its run still holds it, or the journal is gone meanwhile.
    pub(crate) fn take(path: &Path, wait: bool) -> std::io::Result<Option<Claimed>> {
        let mut file = match File::options().read(true).append(true).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if !lock(&file, wait)? {
            return Ok(None);
        }
        let mut text = String::new();
        // A journal is a few hundred bytes; a bigger one is not ours to read whole.
        (&mut file).take(JOURNAL_LIMIT).read_to_string(&mut text)?;
        Ok(Some(Claimed {
            path: path.to_owned(),
            file,
            left: Left::read(&text),
        }))
    }

    /// Everything is removed: the journal is closed as done and deleted.
    pub(crate) fn finish(mut self) {
        let _ = writeln!(self.file, "done");
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The journal of the runs in this process, while one lasts. Runs at once in one process
/// (a test binary's) share it: what it lists is left by one of them.
struct Open {
    path: PathBuf,
    file: File,
    /// `MARK`'s value for this run's children.
    mark: String,
    keep: bool,
    runs: usize,
}

static OPEN: Mutex<Option<Open>> = Mutex::new(None);

fn open() -> std::sync::MutexGuard<'static, Option<Open>> {
    OPEN.lock().unwrap_or_else(|p| p.into_inner())
}

/// Opens this process's journal, locked, with its owner line, and returns its path; `None`
/// when another run of this process has it open already. It is written under a temporary
/// name and renamed once locked, so that no one finds it unlocked.
pub(crate) fn begin() -> std::io::Result<Option<PathBuf>> {
    let mut open = open();
    if let Some(journal) = open.as_mut() {
        journal.runs += 1;
        return Ok(None);
    }
    let registry = registry()?;
    let owner = Identity::own().ok_or_else(|| std::io::Error::other("no /proc/self/stat"))?;
    let name = mark_of(&owner);
    let draft = registry.join(format!("{name}.draft"));
    let path = registry.join(format!("{name}.{EXTENSION}"));
    let mut file = File::options()
        .append(true)
        .create_new(true)
        .mode(0o600)
        .open(&draft)?;
    lock(&file, true)?;
    writeln!(
        file,
        "{}",
        Entry::Owner(owner).line().expect("no line break")
    )?;
    std::fs::rename(&draft, &path)?;
    *open = Some(Open {
        path: path.clone(),
        file,
        mark: name,
        keep: false,
        runs: 1,
    });
    Ok(Some(path))
}

/// Adds `entry` to this process's journal; nothing without one. A value a line cannot hold
/// (a line break) is left out, and so is a line the disk refuses: the run goes on, and a
/// kill would leave that thing.
pub(crate) fn tell(entry: Entry) {
    let mut open = open();
    let Some(journal) = open.as_mut() else {
        return;
    };
    if entry == Entry::Keep {
        journal.keep = true;
    }
    if let Some(line) = entry.line() {
        let _ = writeln!(journal.file, "{line}");
    }
}

/// The group `pgid` just started goes into this process's journal, with its leader's
/// identity; nothing (not even a look at `/proc`) without a journal.
pub(crate) fn tell_group(pgid: i32) {
    if open().is_none() {
        return;
    }
    if let Some(leader) = Identity::of(pgid) {
        tell(Entry::Group(leader));
    }
}

/// A run cleaned up after itself. After the last run of this process its journal says so
/// and is deleted (kept for `down` after `--keep-up`), and the lock goes with it; `true`
/// then.
pub(crate) fn end() -> bool {
    let mut open = open();
    let Some(journal) = open.as_mut() else {
        return false;
    };
    journal.runs -= 1;
    if journal.runs > 0 {
        return false;
    }
    let mut journal = open.take().expect("checked above");
    let _ = writeln!(journal.file, "done");
    if !journal.keep {
        let _ = std::fs::remove_file(&journal.path);
    }
    true
}

/// A private temporary folder (`<temp dir>/codex-<what>-<pid>-<n>`, mode 0700), in the
/// run's journal before it is made: a kill at any moment leaves the reaper a name to remove.
/// Removed when dropped, or by the reaper if the run is killed first.
pub(crate) struct Scratch(Option<PathBuf>);

impl Scratch {
    pub(crate) fn new(what: &str) -> std::io::Result<Scratch> {
        static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        loop {
            let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let name = format!("{FOLDER_PREFIX}{what}-{}-{n}", std::process::id());
            let path = std::env::temp_dir().join(name);
            tell(Entry::Dir(path.clone()));
            // Never follows a link: a name someone else took fails, and the next is tried.
            match std::fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(Scratch(Some(path))),
                Err(e) => {
                    tell(Entry::Undir(path));
                    if e.kind() != std::io::ErrorKind::AlreadyExists {
                        return Err(e);
                    }
                }
            }
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.0.as_deref().expect("until dropped or kept")
    }

    /// The folder stays (and in the journal): the caller removes it, or `down` does.
    pub(crate) fn keep(mut self) -> PathBuf {
        self.0.take().expect("until dropped or kept")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            if std::fs::remove_dir_all(&path).is_ok() {
                tell(Entry::Undir(path));
            }
        }
    }
}

/// The variable every child the run starts in a group carries (`mark`), naming the run's
/// journal: a process that escaped its group (a wrapper's `setsid` daemon, a child started
/// before its group was journaled) is still the run's, without doubt: the name holds the
/// run's pid and start time.
pub(crate) const MARK: &str = "CODEX_LIVE_SUITE_RUN";

/// The mark of the run whose owner line is `owner`.
pub(crate) fn mark_of(owner: &Identity) -> String {
    format!("{}-{}", owner.pid, owner.start)
}

/// Gives `cmd` this process's run mark, if a run is on.
pub(crate) fn mark(cmd: &mut std::process::Command) {
    if let Some(journal) = open().as_ref() {
        cmd.env(MARK, &journal.mark);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_folder_is_private_and_removed_when_dropped_unless_kept() {
        use std::os::unix::fs::PermissionsExt;
        let scratch = Scratch::new("journal-test").unwrap();
        let path = scratch.path().to_owned();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::write(path.join("f"), "x").unwrap();
        drop(scratch);
        assert!(!path.exists());
        let kept = Scratch::new("journal-test").unwrap().keep();
        assert!(kept.is_dir() && kept != path);
        std::fs::remove_dir(kept).unwrap();
    }

    #[test]
    fn a_journal_is_claimed_only_once_its_holder_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1-2.journal");
        std::fs::write(&path, "owner 5 6 b\ndir /nowhere\n").unwrap();
        let holder = File::open(&path).unwrap();
        assert!(lock(&holder, false).unwrap());
        assert!(Claimed::take(&path, false).unwrap().is_none(), "held");
        drop(holder);
        let claimed = Claimed::take(&path, false).unwrap().expect("free");
        assert_eq!(claimed.left.owner.as_ref().map(|o| o.pid), Some(5));
        claimed.finish();
        assert!(!path.exists());
        assert!(Claimed::take(&path, false).unwrap().is_none(), "gone");
    }
}
