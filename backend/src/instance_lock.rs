//! One backend per database. Two backends on one SQLite file each run their own queue and
//! restart recovery over the other's jobs (one flipped a job from `error` back to
//! `completed`), so the second one refuses to start.
//!
//! The lock is an exclusive `flock` on `<database>.lock`, held for the life of the process
//! (the kernel releases it when the process dies, even by `kill -9`, so it never goes
//! stale). The file holds the holder's pid, for the refusal message only.

use anyhow::Context;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held while the backend runs; dropping it releases the lock.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
}

/// `<database>.lock`, beside the database file.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the lock of `database` or says who holds it and what to do.
pub fn acquire(database: &Path) -> anyhow::Result<InstanceLock> {
    let path = lock_path(database);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| {
            format!(
                "opening the lock file {} (its folder must be writable, as for DATABASE_URL)",
                path.display()
            )
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = match holder.trim() {
                "" => "another process".to_string(),
                pid => format!("another codex-backend (pid {pid})"),
            };
            anyhow::bail!(
                "the database {} is in use: {holder} holds its lock {}. Two backends on one \
                 database would overwrite each other's jobs. Stop the other backend first, or \
                 give this one its own DATABASE_URL (the lock is released when its holder \
                 exits; the file may stay and needs no cleanup)",
                database.display(),
                path.display()
            );
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
    // Best effort: the pid only improves the message a second backend prints.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()));
    Ok(InstanceLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_naming_the_lock_and_the_first_pid() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("codex.db");
        let first = acquire(&db).unwrap();
        let msg = format!("{:#}", acquire(&db).unwrap_err());
        let lock = dir.path().join("codex.db.lock");
        assert!(msg.contains(&lock.display().to_string()), "{msg}");
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        assert!(msg.contains("DATABASE_URL"), "{msg}");
        drop(first);
        acquire(&db).expect("free again once the holder is gone");
    }
}
