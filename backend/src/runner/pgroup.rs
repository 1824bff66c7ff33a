//! Worker processes that cannot outlive the backend: each worker leads its own process
//! group (so its children go with it), gets `SIGKILL` when the backend dies
//! (`PR_SET_PDEATHSIG`), and the whole group is killed on timeout, shutdown or drop.
//!
//! Parent death is signalled when the *thread* that spawned the worker exits. Workers are
//! spawned from tokio's runtime threads, which live as long as the backend (nothing here
//! uses `block_in_place`, which would retire one). The death signal reaches the worker
//! only, not what the worker started: the next backend kills the rest of the group at
//! start-up (`orphans.rs`), which is why the pid and its start time are recorded. (An agent
//! command leads a group of its own and gets its own death signal from the worker.)

use std::io;

/// Sets up `cmd` so that the worker leads a new process group and dies with the backend.
pub fn die_with_backend(cmd: &mut tokio::process::Command) {
    let backend = std::process::id() as libc::pid_t;
    cmd.process_group(0);
    // SAFETY: the closure runs in the child between fork and exec and calls only
    // async-signal-safe functions (prctl, getppid); it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The backend died between fork and prctl: the signal will never come.
            if libc::getppid() != backend {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// Sends `SIGKILL` to every process of the group `pgid`; `false` when none was left.
pub fn kill_group(pgid: u32) -> bool {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else {
        return false;
    };
    if pgid <= 1 {
        return false; // Never signal "every process" (0, -1) or init's group.
    }
    // SAFETY: kill(2) with a negative pid signals that process group; no memory involved.
    unsafe { libc::kill(-pgid, libc::SIGKILL) == 0 }
}

/// The start time of `pid` in clock ticks since boot (field 22 of `/proc/<pid>/stat`), which
/// together with the pid names one process for ever; `None` when it does not exist.
pub fn start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_field(&stat, 22)?.parse().ok()
}

/// Whether a live (not zombie) process of the group `pgid` exists, read from `/proc`.
pub fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|e| {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            return false;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return false;
        };
        stat_field(&stat, 5) == Some(&pgid.to_string()) && stat_field(&stat, 3) != Some("Z")
    })
}

/// Field `n` (1-based, as in proc(5)) of a `/proc/<pid>/stat` line. The command name (field
/// 2) may hold spaces and parentheses, so counting starts after its last `)`.
fn stat_field(stat: &str, n: usize) -> Option<&str> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(n.checked_sub(3)?)
}

/// Kills the worker's group when dropped, unless the group was already dealt with: a
/// runner future dropped half way (a panic, an aborted task) leaves nothing running.
pub struct GroupGuard {
    pgid: Option<u32>,
}

impl GroupGuard {
    pub fn new(pgid: Option<u32>) -> GroupGuard {
        GroupGuard { pgid }
    }

    /// Kills the group now (whatever the worker left running) and disarms the guard.
    pub fn kill_now(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            kill_group(pgid);
        }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_command_name() {
        let stat = "4242 (a (b) c) S 1 4242 4242 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 987654 0";
        assert_eq!(stat_field(stat, 3), Some("S"));
        assert_eq!(stat_field(stat, 5), Some("4242"));
        assert_eq!(stat_field(stat, 22), Some("987654"));
    }

    #[test]
    fn our_own_start_time_is_stable_and_a_missing_pid_has_none() {
        let me = std::process::id();
        assert!(start_ticks(me).is_some());
        assert_eq!(start_ticks(me), start_ticks(me));
        assert_eq!(start_ticks(u32::MAX), None);
        assert!(!kill_group(0) && !kill_group(1));
    }
}
