//! Before/after content snapshots of the workspace. `created_files` and `modified_files`
//! come from comparing two snapshots, not from lists an engine keeps, so they are right for
//! any engine (an external agent included). `.codex/` (the worker's own files) is excluded.

use anyhow::{Context, Result};
use codex_contract::CODEX_DIR;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::Path;

/// Relative path (with `/` separators) → content hash, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    files: BTreeMap<String, [u8; 32]>,
}

/// What changed between two snapshots; every list is sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub created: Vec<String>,
    pub modified: Vec<String>,
    pub deleted: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.created.is_empty() && self.modified.is_empty() && self.deleted.is_empty()
    }
}

impl Snapshot {
    /// Hashes every file under `root`. Symlinks are not followed (their target path is what
    /// is hashed), so a link out of the workspace is never read.
    pub fn take(root: &Path) -> Result<Snapshot> {
        let mut files = BTreeMap::new();
        walk(root, "", &mut files)
            .with_context(|| format!("taking a snapshot of the workspace {}", root.display()))?;
        Ok(Snapshot { files })
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The changes that turn `self` (before) into `after`.
    pub fn diff(&self, after: &Snapshot) -> Changes {
        let mut changes = Changes::default();
        for (path, hash) in &after.files {
            match self.files.get(path) {
                None => changes.created.push(path.clone()),
                Some(old) if old != hash => changes.modified.push(path.clone()),
                Some(_) => {}
            }
        }
        changes.deleted = self
            .files
            .keys()
            .filter(|p| !after.files.contains_key(*p))
            .cloned()
            .collect();
        changes
    }
}

fn walk(dir: &Path, prefix: &str, files: &mut BTreeMap<String, [u8; 32]>) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if prefix.is_empty() && name == CODEX_DIR {
            continue;
        }
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let path = entry.path();
        let kind = entry
            .file_type()
            .with_context(|| format!("reading the type of {}", path.display()))?;
        if kind.is_dir() {
            walk(&path, &rel, files)?;
        } else if kind.is_symlink() {
            let target = fs::read_link(&path)
                .with_context(|| format!("reading the link {}", path.display()))?;
            let mut hasher = Sha256::new();
            hasher.update(b"symlink:");
            hasher.update(target.as_os_str().as_encoded_bytes());
            files.insert(rel, hasher.finalize().into());
        } else {
            files.insert(rel, hash_file(&path)?);
        }
    }
    Ok(())
}

fn hash_file(path: &Path) -> Result<[u8; 32]> {
    let mut file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_finds_created_modified_and_deleted_sorted_with_slashes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("src/deep")).unwrap();
        fs::write(root.join("keep.txt"), "same").unwrap();
        fs::write(root.join("change.txt"), "v1").unwrap();
        fs::write(root.join("gone.txt"), "bye").unwrap();
        let before = Snapshot::take(root).unwrap();

        fs::write(root.join("change.txt"), "v2").unwrap();
        fs::remove_file(root.join("gone.txt")).unwrap();
        fs::write(root.join("src/deep/new.py"), "x").unwrap();
        fs::write(root.join("b_new.txt"), "y").unwrap();
        // Rewriting identical contents is not a modification.
        fs::write(root.join("keep.txt"), "same").unwrap();
        let after = Snapshot::take(root).unwrap();

        let changes = before.diff(&after);
        assert_eq!(changes.created, ["b_new.txt", "src/deep/new.py"]);
        assert_eq!(changes.modified, ["change.txt"]);
        assert_eq!(changes.deleted, ["gone.txt"]);
        assert!(!changes.is_empty());
        assert!(after.diff(&after).is_empty());
    }

    #[test]
    fn codex_dir_at_the_root_is_excluded_but_not_deeper() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join(".codex")).unwrap();
        fs::create_dir_all(root.join("sub/.codex")).unwrap();
        fs::write(root.join(".codex/result.json"), "{}").unwrap();
        fs::write(root.join("sub/.codex/x"), "1").unwrap();
        let snap = Snapshot::take(root).unwrap();
        assert_eq!(snap.paths().collect::<Vec<_>>(), ["sub/.codex/x"]);
    }

    #[test]
    fn symlinks_are_recorded_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret.txt"), "outside").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("escape")).unwrap();
        let before = Snapshot::take(dir.path()).unwrap();
        assert_eq!(before.paths().collect::<Vec<_>>(), ["escape"]);
        // Changing the file behind the link does not change the workspace snapshot.
        fs::write(outside.path().join("secret.txt"), "changed").unwrap();
        assert!(before.diff(&Snapshot::take(dir.path()).unwrap()).is_empty());
    }

    #[test]
    fn a_missing_root_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let err = format!("{:#}", Snapshot::take(&missing).unwrap_err());
        assert!(err.contains("nope"), "{err}");
    }
}
