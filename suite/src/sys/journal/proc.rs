//! What `/proc` says about a process: who it is (pid, start time, boot), whether a process
//! group's leader is still the process a journal names, and who is in a group.

/// A process as the kernel knows it: pid, start time (clock ticks since boot) and boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub pid: i32,
    pub start: u64,
    pub boot: String,
}

impl Identity {
    /// The running process `pid`, if there is one.
    pub(crate) fn of(pid: i32) -> Option<Identity> {
        Some(Identity {
            pid,
            start: start_time(pid)?,
            boot: boot_id(),
        })
    }

    /// This process.
    pub(crate) fn own() -> Option<Identity> {
        Identity::of(std::process::id() as i32)
    }

    pub(super) fn line(&self) -> String {
        format!("{} {} {}", self.pid, self.start, self.boot)
    }

    pub(super) fn parse(text: &str) -> Option<Identity> {
        let mut words = text.split(' ');
        let identity = Identity {
            pid: words.next()?.parse().ok().filter(|p| *p > 1)?,
            start: words.next()?.parse().ok()?,
            boot: words.next()?.to_owned(),
        };
        words.next().is_none().then_some(identity)
    }
}

/// Field 22 of `/proc/<pid>/stat` (after the command name, which may hold spaces).
fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()
}

/// This boot's id, read once: start times of another boot say nothing about today's
/// processes.
fn boot_id() -> String {
    static BOOT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BOOT.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .map(|b| b.trim().to_owned())
            .unwrap_or_default()
    })
    .clone()
}

/// What kind of process `group`'s leader is now.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Leader {
    /// The process the journal names: the group is the run's.
    Same,
    /// Gone; members left in its group (if any) are the run's.
    Gone,
    /// Another process has the pid now (recycled), or the journal is of another boot.
    Other,
}

pub(crate) fn leader(group: &Identity) -> Leader {
    if group.boot != boot_id() {
        return Leader::Other;
    }
    match start_time(group.pid) {
        None => Leader::Gone,
        Some(start) if start == group.start => Leader::Same,
        Some(_) => Leader::Other,
    }
}

/// The processes of group `pgid`: pid and command name.
pub(crate) fn members(pgid: i32) -> Vec<(i32, String)> {
    living(|_, stat| {
        // state ppid pgrp …, after the command name
        stat.split_whitespace()
            .nth(2)
            .and_then(|g| g.parse::<i32>().ok())
            == Some(pgid)
    })
}

/// The processes whose environment holds `var=value`: pid and command name. Another
/// user's processes cannot be read, and are not ours.
pub(crate) fn marked(var: &str, value: &str) -> Vec<(i32, String)> {
    let needle = format!("{var}={value}");
    living(|dir, _| {
        let environ = std::fs::read(dir.join("environ")).unwrap_or_default();
        environ.split(|b| *b == 0).any(|v| v == needle.as_bytes())
    })
}

/// The processes (zombies aside) for which `keep(its /proc folder, its stat after the
/// command name)` holds: pid and command name, by pid.
fn living(mut keep: impl FnMut(&std::path::Path, &str) -> bool) -> Vec<(i32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // pid (comm) state …: the command name may hold spaces and parentheses.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if rest.split_whitespace().next() != Some("Z") && keep(&e.path(), rest) {
            let comm = head.split_once('(').map_or("", |(_, c)| c);
            found.push((pid, comm.to_owned()));
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_process_is_found_by_its_mark_and_no_other() {
        let value = format!("proc-test-{}", std::process::id());
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .env("CODEX_PROC_TEST_MARK", &value)
            .spawn()
            .unwrap();
        let found = marked("CODEX_PROC_TEST_MARK", &value);
        assert_eq!(found, [(child.id() as i32, "sleep".to_owned())]);
        assert!(marked("CODEX_PROC_TEST_MARK", "another-run").is_empty());
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(marked("CODEX_PROC_TEST_MARK", &value).is_empty());
    }

    fn me() -> Identity {
        Identity::own().unwrap()
    }

    #[test]
    fn a_group_is_the_runs_only_while_its_leader_is_the_same_process_or_gone() {
        let own = me();
        assert_eq!(leader(&own), Leader::Same);
        let recycled = Identity {
            start: own.start + 1,
            ..own.clone()
        };
        assert_eq!(leader(&recycled), Leader::Other);
        let other_boot = Identity {
            boot: "another boot".into(),
            ..own.clone()
        };
        assert_eq!(leader(&other_boot), Leader::Other);
        // A pid above the kernel's largest is never a process.
        let gone = Identity {
            pid: i32::MAX,
            ..own
        };
        assert_eq!(leader(&gone), Leader::Gone);
    }
}
