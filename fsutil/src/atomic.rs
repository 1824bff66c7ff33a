//! Whole-file writes that a reader never sees half done: the bytes go to a hidden temporary
//! file beside the target (same directory, so same file system), are flushed to disk, and
//! the file is renamed over the target (a rename within one file system is atomic).
//!
//! [`stage`] stops before the rename, so a caller can check, just before committing, that
//! the target is still its to write (the worker's late-result guard), and otherwise
//! [`Staged::commit_to`] another place. A staged file that is never committed is removed.

use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// Writes `bytes` to `path` atomically. An existing file keeps its permissions; a new one
/// gets `0666` minus the umask, as `fs::write` would give it.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    stage(path, bytes)?.commit()
}

/// The bytes of a write, on disk under a temporary name, not yet in place.
#[derive(Debug)]
pub struct Staged {
    tmp: NamedTempFile,
    target: PathBuf,
}

/// Writes and flushes `bytes` to a temporary sibling of `path` (`.<name>.<random>`).
pub fn stage(path: &Path, bytes: &[u8]) -> Result<Staged> {
    let name = path
        .file_name()
        .with_context(|| format!("{} has no file name", path.display()))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mode = match fs::metadata(path) {
        Ok(meta) => meta.permissions(),
        // The umask applies to the mode given at creation, as for any new file.
        Err(_) => fs::Permissions::from_mode(0o666),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .permissions(mode.clone())
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing temporary file {}", tmp.path().display()))?;
    // Creation applied the umask; an existing target's mode is copied exactly.
    if fs::metadata(path).is_ok() {
        fs::set_permissions(tmp.path(), mode)
            .with_context(|| format!("copying the permissions of {}", path.display()))?;
    }
    Ok(Staged {
        tmp,
        target: path.to_path_buf(),
    })
}

impl Staged {
    /// Renames the file over the target given to [`stage`].
    pub fn commit(self) -> Result<()> {
        let target = self.target.clone();
        self.commit_to(&target)
    }

    /// Renames the file to `other` instead, which must be on the same file system (in
    /// practice: under the same directory tree). On error the temporary file is removed.
    pub fn commit_to(self, other: &Path) -> Result<()> {
        let tmp = self.tmp.path().to_path_buf();
        self.tmp
            .persist(other)
            .map(drop)
            .map_err(|e| e.error)
            .with_context(|| format!("renaming {} to {}", tmp.display(), other.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_contents_keeps_permissions_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.sh");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o751)).unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o751);
        assert_eq!(names(dir.path()), ["run.sh"]);
    }

    #[test]
    fn a_new_file_gets_the_usual_mode_not_the_temp_files_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.txt");
        write(&path, b"x").unwrap();
        fs::write(dir.path().join("plain.txt"), b"x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&dir.path().join("plain.txt")));
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope").join("f.txt");
        let err = format!("{:#}", write(&path, b"x").unwrap_err());
        assert!(err.contains("nope"), "{err}");
        assert!(!path.exists());
    }

    #[test]
    fn a_staged_write_goes_elsewhere_or_nowhere() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("result.json");
        fs::write(&path, "theirs").unwrap();
        fs::create_dir(dir.path().join("history")).unwrap();
        let other = dir.path().join("history/result.json");
        stage(&path, b"mine").unwrap().commit_to(&other).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "theirs");
        assert_eq!(fs::read_to_string(&other).unwrap(), "mine");

        // Dropped without a commit: nothing is left behind.
        drop(stage(&path, b"never").unwrap());
        assert_eq!(names(dir.path()), ["history", "result.json"]);
        assert_eq!(fs::read_to_string(&path).unwrap(), "theirs");
    }
}
