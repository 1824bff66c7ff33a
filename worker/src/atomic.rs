//! Whole-file writes that a reader never sees half done: write a temp file beside the
//! target, then rename it over the target (a rename within one directory is atomic).

use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically. An existing file keeps its permissions.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_path(path)?;
    let written = write_temp(&tmp, path, bytes).and_then(|()| {
        fs::rename(&tmp, path)
            .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
    });
    if written.is_err() {
        // Leave nothing behind; the original file (if any) is untouched.
        let _ = fs::remove_file(&tmp);
    }
    written
}

fn write_temp(tmp: &Path, target: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = fs::File::create(tmp)
        .with_context(|| format!("creating temporary file {}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing temporary file {}", tmp.display()))?;
    if let Ok(meta) = fs::metadata(target) {
        fs::set_permissions(tmp, meta.permissions())
            .with_context(|| format!("copying the permissions of {}", target.display()))?;
    }
    Ok(())
}

/// `<dir>/.<name>.codex-tmp-<pid>`: hidden, and unique per worker process.
fn temp_path(path: &Path) -> Result<PathBuf> {
    let name = path
        .file_name()
        .with_context(|| format!("{} has no file name", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".codex-tmp-{}", std::process::id()));
    Ok(path.with_file_name(tmp_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

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
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["run.sh"]);
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope").join("f.txt");
        let err = format!("{:#}", write(&path, b"x").unwrap_err());
        assert!(err.contains("nope"), "{err}");
        assert!(!path.exists());
    }
}
