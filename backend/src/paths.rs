//! Path safety for `GET /{project_id}/files/{path}` and the recursive listing, exactly as
//! CONTRACT.md says: absolute paths, drive letters (`C:`), UNC paths, backslashes, `..`
//! segments, NUL bytes and symlinks whose target leaves the workspace are unsafe (400); a
//! safe path that does not exist is missing (404). The HTTP layer percent-decodes the path
//! once before it gets here, so `%2e%2e%2F` arrives as `../` and `%252e` as the literal
//! `%2e`. The listing never follows a symlink out of the workspace.

use codex_contract::FileEntry;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Largest file the API serves.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;
/// Longest path (Linux `PATH_MAX`) and path segment (`NAME_MAX`) the API looks up; longer
/// ones cannot name a file, and the file system would answer with an error, not a 404.
pub const MAX_PATH_BYTES: usize = 4096;
pub const MAX_NAME_BYTES: usize = 255;

#[derive(Debug, PartialEq, Eq)]
pub enum PathError {
    /// 400: the path may not be served, with the reason.
    Unsafe(&'static str),
    /// 404: a safe path that does not exist.
    Missing,
    /// 400: a directory, not a file.
    NotAFile,
    /// 400: over [`MAX_FILE_BYTES`].
    TooLarge(u64),
    /// 400: not UTF-8 text.
    NotUtf8,
    /// 500: reading failed for another reason.
    Io(String),
}

/// The syntactic check: returns the normal segments of a relative, safe path.
pub fn safe_segments(raw: &str) -> Result<Vec<&str>, PathError> {
    if raw.len() > MAX_PATH_BYTES {
        return Err(PathError::Unsafe(
            "the path is longer than 4096 bytes (PATH_MAX); no workspace file has such a path",
        ));
    }
    if raw.split('/').any(|seg| seg.len() > MAX_NAME_BYTES) {
        return Err(PathError::Unsafe(
            "a path segment is longer than 255 bytes (NAME_MAX); no workspace file has such a name",
        ));
    }
    if raw.contains('\0') {
        return Err(PathError::Unsafe("the path contains a NUL byte"));
    }
    if raw.contains('\\') {
        return Err(PathError::Unsafe(
            "the path contains a backslash (UNC or Windows path); use '/' separators",
        ));
    }
    if raw.starts_with('/') {
        return Err(PathError::Unsafe(
            "absolute paths are not allowed; use a path relative to the workspace",
        ));
    }
    let b = raw.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Err(PathError::Unsafe(
            "drive-letter paths are not allowed; use a path relative to the workspace",
        ));
    }
    let mut segments = Vec::new();
    for seg in raw.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                return Err(PathError::Unsafe(
                    "'..' segments are not allowed (they could leave the workspace)",
                ))
            }
            s => segments.push(s),
        }
    }
    if segments.is_empty() {
        return Err(PathError::Unsafe("the path names no file"));
    }
    Ok(segments)
}

/// Resolves `raw` inside `root`, following symlinks only while they stay inside it.
pub fn resolve(root: &Path, raw: &str) -> Result<PathBuf, PathError> {
    let segments = safe_segments(raw)?;
    let root = match root.canonicalize() {
        Ok(r) => r,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(PathError::Missing),
        Err(e) => return Err(PathError::Io(e.to_string())),
    };
    let mut cur = root.clone();
    for seg in segments {
        let next = cur.join(seg);
        let meta = match std::fs::symlink_metadata(&next) {
            Ok(m) => m,
            Err(e) if is_missing(&e) => return Err(PathError::Missing),
            Err(e) => return Err(PathError::Io(e.to_string())),
        };
        cur = if meta.file_type().is_symlink() {
            match next.canonicalize() {
                Ok(target) if target.starts_with(&root) => target,
                Ok(_) => {
                    return Err(PathError::Unsafe(
                        "a symlink on the path leaves the workspace",
                    ))
                }
                Err(e) if is_missing(&e) => {
                    // Dangling: unsafe when it points outside, missing when inside.
                    let link =
                        std::fs::read_link(&next).map_err(|e| PathError::Io(e.to_string()))?;
                    let target = lexical_normalize(&cur.join(link));
                    return Err(if target.starts_with(&root) {
                        PathError::Missing
                    } else {
                        PathError::Unsafe("a symlink on the path leaves the workspace")
                    });
                }
                Err(e) => return Err(PathError::Io(e.to_string())),
            }
        } else {
            next
        };
    }
    Ok(cur)
}

/// Reads a safe path as UTF-8 text of at most [`MAX_FILE_BYTES`].
pub fn read_text(root: &Path, raw: &str) -> Result<String, PathError> {
    let path = resolve(root, raw)?;
    let meta = std::fs::metadata(&path).map_err(|e| PathError::Io(e.to_string()))?;
    if meta.is_dir() {
        return Err(PathError::NotAFile);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(PathError::TooLarge(meta.len()));
    }
    let bytes = std::fs::read(&path).map_err(|e| PathError::Io(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| PathError::NotUtf8)
}

/// Every file under `root`, relative with `/` separators, sorted. Symlinks are listed only
/// when they point at a file inside the workspace; symlinked directories are not entered.
/// A workspace that does not exist yet lists as empty.
pub fn list(root: &Path) -> io::Result<Vec<FileEntry>> {
    let root = match root.canonicalize() {
        Ok(r) => r,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let ft = entry.file_type()?;
            let size = if ft.is_dir() {
                dirs.push(path);
                continue;
            } else if ft.is_symlink() {
                match path.canonicalize() {
                    Ok(t) if t.starts_with(&root) => match std::fs::metadata(&t) {
                        Ok(m) if m.is_file() => m.len(),
                        _ => continue,
                    },
                    _ => continue,
                }
            } else if ft.is_file() {
                entry.metadata()?.len()
            } else {
                continue;
            };
            let rel = path.strip_prefix(&root).unwrap_or(&path);
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(FileEntry {
                path: rel.join("/"),
                size,
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn is_missing(e: &io::Error) -> bool {
    // ENOTDIR: a file used as a directory (`app.py/x`) — also simply "not there".
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(20)
}

fn lexical_normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn unsafe_syntax_is_rejected_before_touching_the_disk() {
        for raw in [
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/..",
            "C:/Windows",
            "c:x",
            "\\\\server\\share",
            "a\\b",
            "a\0b",
            "",
            "./",
        ] {
            assert!(
                matches!(safe_segments(raw), Err(PathError::Unsafe(_))),
                "{raw:?}"
            );
        }
        assert_eq!(safe_segments("./a//b/").unwrap(), ["a", "b"]);
        assert_eq!(safe_segments("%2e%2e").unwrap(), ["%2e%2e"]);
        for long in ["a/".repeat(2500), "n".repeat(256)] {
            assert!(matches!(safe_segments(&long), Err(PathError::Unsafe(_))));
        }
        assert!(safe_segments(&"n".repeat(255)).is_ok());
    }

    #[test]
    fn symlinks_are_followed_only_inside_the_workspace() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        let ws = tempfile::tempdir().unwrap();
        let root = ws.path();
        std::fs::create_dir(root.join("src")).unwrap();
        std::fs::write(root.join("src/app.py"), "print(1)\n").unwrap();
        symlink(outside.path(), root.join("out")).unwrap();
        symlink(outside.path().join("secret"), root.join("s")).unwrap();
        symlink("/nonexistent/elsewhere", root.join("dangling_out")).unwrap();
        symlink("src/missing", root.join("dangling_in")).unwrap();
        symlink("src/app.py", root.join("alias.py")).unwrap();
        std::fs::write(root.join("bin"), [0xff, 0xfe, 0]).unwrap();

        assert_eq!(read_text(root, "src/app.py").unwrap(), "print(1)\n");
        assert_eq!(read_text(root, "alias.py").unwrap(), "print(1)\n");
        for raw in ["out/secret", "s", "dangling_out"] {
            assert!(
                matches!(resolve(root, raw), Err(PathError::Unsafe(_))),
                "{raw}"
            );
        }
        assert_eq!(resolve(root, "dangling_in"), Err(PathError::Missing));
        assert_eq!(resolve(root, "nope.txt"), Err(PathError::Missing));
        assert_eq!(resolve(root, "src/app.py/x"), Err(PathError::Missing));
        assert_eq!(read_text(root, "src"), Err(PathError::NotAFile));
        assert_eq!(read_text(root, "bin"), Err(PathError::NotUtf8));

        let listed: Vec<String> = list(root).unwrap().into_iter().map(|f| f.path).collect();
        assert_eq!(listed, ["alias.py", "bin", "src/app.py"]);
        assert!(list(&root.join("not-yet")).unwrap().is_empty());
    }
}
