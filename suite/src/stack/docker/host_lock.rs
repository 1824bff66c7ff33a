//! The host-wide lock of a compose stack that cannot run twice at once (`parallel = false`
//! in `live-suite.toml`: a `container_name`, a fixed host port or a fixed volume name). An
//! advisory `flock` on a file in the temporary folder, named after the config file: the
//! kernel releases it when the holder exits, even when it is killed.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// Held until dropped.
#[derive(Debug)]
pub(super) struct HostLock {
    _file: File,
    pub path: PathBuf,
}

impl HostLock {
    /// Takes the lock of `config`, waiting while another run holds it; `waiting` is called
    /// once with a line that says who holds it and why we wait.
    pub(super) fn acquire(config: &Path, waiting: impl FnOnce(String)) -> Result<HostLock> {
        let canonical = config.canonicalize().unwrap_or_else(|_| config.to_owned());
        let digest = canonical
            .to_string_lossy()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        let path = std::env::temp_dir().join(format!("codex-live-suite-{digest:016x}.lock"));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening the stack lock {}", path.display()))?;
        // SAFETY: flock on a file descriptor we own.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            waiting(format!(
                "compose: {} sets parallel = false and another run ({}) holds the lock {}: \
                 waiting for it to finish",
                config.display(),
                match holder.trim() {
                    "" => "pid unknown".to_owned(),
                    pid => format!("pid {pid}"),
                },
                path.display()
            ));
            // SAFETY: as above; blocks until the holder releases or exits.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
                return Err(std::io::Error::last_os_error())
                    .with_context(|| format!("locking {}", path.display()));
            }
        }
        file.set_len(0)?;
        file.rewind()?;
        writeln!(file, "{}", std::process::id())?;
        Ok(HostLock { _file: file, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_second_holder_waits_says_so_and_gets_it_after_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("live-suite.toml");
        std::fs::write(&config, "parallel = false\n").unwrap();
        let first = HostLock::acquire(&config, |_| panic!("free lock")).unwrap();
        let (said, heard) = mpsc::channel();
        let (got, acquired) = mpsc::channel();
        let c = config.clone();
        let waiter = std::thread::spawn(move || {
            let lock = HostLock::acquire(&c, |line| said.send(line).unwrap()).unwrap();
            got.send(()).unwrap();
            drop(lock);
        });
        let line = heard.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(
            line.contains("parallel = false")
                && line.contains(&format!("pid {}", std::process::id())),
            "{line}"
        );
        assert!(acquired.try_recv().is_err(), "acquired while held");
        drop(first);
        acquired.recv_timeout(Duration::from_secs(10)).unwrap();
        waiter.join().unwrap();
    }
}
