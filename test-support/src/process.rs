//! The test side of the processes a run starts: executable scripts for fake programs, and
//! the process stack's start-up line read back.

use std::path::{Path, PathBuf};
use std::process::Command;

/// An executable `sh` script in `dir`, written by a child process: this process never holds
/// it open for writing, so running it cannot fail with "text file busy".
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("sh")
        .args(["-c", "printf '%s' \"$2\" > \"$1\" && chmod +x \"$1\"", "sh"])
        .arg(&path)
        .arg(format!("#!/bin/sh\n{body}\n"))
        .status()
        .expect("running sh to write a script");
    assert!(status.success(), "writing {}", path.display());
    path
}

/// The backend a process stack started, as its start-up line names it:
/// "<stack>: backend pid <pid> on <url> in <mode> mode (data in <folder>)".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedBackend {
    pub pid: i32,
    /// Its `{data}` folder, inside the stack's private folder.
    pub data: PathBuf,
}

/// The first start-up line of a process stack in `output`, read back.
pub fn started_backend(output: &str) -> Option<StartedBackend> {
    output.lines().find_map(|line| {
        let (_, rest) = line.split_once(": backend pid ")?;
        let pid = rest.split_whitespace().next()?.parse().ok()?;
        let (_, data) = rest.rsplit_once("(data in ")?;
        Some(StartedBackend {
            pid,
            data: PathBuf::from(data.strip_suffix(')')?),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_up_line_gives_the_pid_and_the_data_folder() {
        let out = "run 1\nlocal: backend pid 42 on http://127.0.0.1:5 in live mode \
                   (data in /tmp/codex-local-x/data)\nup: ok\n";
        assert_eq!(
            started_backend(out),
            Some(StartedBackend {
                pid: 42,
                data: PathBuf::from("/tmp/codex-local-x/data")
            })
        );
        assert_eq!(started_backend("local: backend pid x on y"), None);
    }

    #[test]
    fn a_script_runs_at_once() {
        let dir = std::env::temp_dir().join(format!("codex-script-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let hello = script(&dir, "hello.sh", "echo hello");
        let out = Command::new(&hello).output().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\n");
    }
}
