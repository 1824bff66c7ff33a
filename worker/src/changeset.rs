//! Applying an engine's planned file writes all-or-nothing: each file is written atomically,
//! and when one write fails the ones already done are undone (old contents restored, new
//! files and directories removed), so a failed job never leaves a half-changed workspace.

use anyhow::{bail, Context, Result};
use codex_fsutil as atomic;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// One file to write, by path relative to the workspace (with `/` separators).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWrite {
    pub path: String,
    pub contents: String,
}

impl FileWrite {
    pub fn new(path: impl Into<String>, contents: impl Into<String>) -> Self {
        FileWrite {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

/// What a write replaced, to undo it.
struct Undo {
    target: PathBuf,
    previous: Option<Vec<u8>>,
    created_dirs: Vec<PathBuf>,
}

/// Writes every file or, on the first failure, none of them.
pub fn apply(root: &Path, writes: &[FileWrite]) -> Result<()> {
    let mut done: Vec<Undo> = Vec::new();
    for write in writes {
        match apply_one(root, write) {
            Ok(undo) => done.push(undo),
            Err(err) => {
                let rollback = undo_all(done);
                return Err(match rollback {
                    Ok(()) => err.context("no file was changed (earlier writes were undone)"),
                    Err(undo_err) => err.context(format!(
                        "undoing the earlier writes failed too, the workspace may be partly \
                         changed: {undo_err:#}"
                    )),
                });
            }
        }
    }
    Ok(())
}

fn apply_one(root: &Path, write: &FileWrite) -> Result<Undo> {
    let target = safe_join(root, &write.path)?;
    let previous = match fs::read(&target) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", target.display())),
    };
    let mut created_dirs = Vec::new();
    if let Some(parent) = target.parent() {
        // Record each directory we create (outermost first) so an undo can remove it.
        let missing: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|d| !d.exists())
            .map(Path::to_path_buf)
            .collect();
        for dir in missing.into_iter().rev() {
            if let Err(e) = fs::create_dir(&dir) {
                let _ = remove_dirs(&created_dirs);
                return Err(e).with_context(|| format!("creating directory {}", dir.display()));
            }
            created_dirs.push(dir);
        }
    }
    if let Err(e) = atomic::write(&target, write.contents.as_bytes()) {
        let _ = remove_dirs(&created_dirs);
        return Err(e);
    }
    Ok(Undo {
        target,
        previous,
        created_dirs,
    })
}

fn undo_all(done: Vec<Undo>) -> Result<()> {
    for undo in done.into_iter().rev() {
        match &undo.previous {
            Some(bytes) => atomic::write(&undo.target, bytes)?,
            None => fs::remove_file(&undo.target)
                .with_context(|| format!("removing {}", undo.target.display()))?,
        }
        remove_dirs(&undo.created_dirs)?;
    }
    Ok(())
}

fn remove_dirs(created: &[PathBuf]) -> Result<()> {
    for dir in created.iter().rev() {
        fs::remove_dir(dir).with_context(|| format!("removing directory {}", dir.display()))?;
    }
    Ok(())
}

/// `root/rel` for a relative path that stays inside `root` (no `..`, no absolute path).
fn safe_join(root: &Path, rel: &str) -> Result<PathBuf> {
    let path = Path::new(rel);
    if rel.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_))) {
        bail!("refusing to write {rel:?}: not a plain relative path inside the workspace");
    }
    Ok(root.join(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_all_files_creating_directories() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "old").unwrap();
        apply(
            dir.path(),
            &[
                FileWrite::new("a.txt", "new"),
                FileWrite::new("tests/deep/b.txt", "b"),
            ],
        )
        .unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("a.txt")).unwrap(), "new");
        assert_eq!(
            fs::read_to_string(dir.path().join("tests/deep/b.txt")).unwrap(),
            "b"
        );
    }

    #[test]
    fn a_failed_write_undoes_the_earlier_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("a.txt"), "original").unwrap();
        // `blocked` is a file, so `blocked/c.txt` cannot be written (even as root).
        fs::write(root.join("blocked"), "i am a file").unwrap();
        let err = apply(
            root,
            &[
                FileWrite::new("a.txt", "changed"),
                FileWrite::new("newdir/b.txt", "new"),
                FileWrite::new("blocked/c.txt", "never"),
            ],
        )
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("no file was changed") && msg.contains("blocked"),
            "{msg}"
        );
        assert_eq!(fs::read_to_string(root.join("a.txt")).unwrap(), "original");
        assert!(!root.join("newdir").exists());
        let mut names: Vec<_> = fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["a.txt", "blocked"]);
    }

    #[test]
    fn paths_leaving_the_workspace_are_refused_before_any_write() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x", "/etc/x", "", "a/../../x"] {
            let err = apply(dir.path(), &[FileWrite::new(bad, "x")]).unwrap_err();
            assert!(format!("{err:#}").contains("refusing"), "{bad}: {err:#}");
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
