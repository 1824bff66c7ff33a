//! SIGINT, SIGTERM and SIGHUP while a scenario runs (L03, L08) leave a partial
//! report (summary.txt, junit.xml valid against the schema, manifest.json, the zip) with the
//! interrupted scenario as error and the rest skipped, exit 128 + signal, and nothing
//! running: no backend or worker process, no temporary folder, no container, network or
//! volume (compose). Each case prints its measured time from the signal to the zip.

use crate::support::{assert_junit_valid, assert_verified, without_ambient};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod compose;
pub(crate) mod local;

/// Polls `check` every 10 ms until it returns `Some`, or panics after `limit` with `what`.
pub(super) fn wait_for<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Pids of processes whose command line contains `needle`, or whose process group is
/// `pgid`.
pub(super) fn processes(needle: Option<&str>, pgid: Option<i32>) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let cmdline = std::fs::read(e.path().join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        // pid (comm) state ppid pgrp …: the fields after the last ')'.
        let group = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(2))
            .and_then(|g| g.parse::<i32>().ok());
        let zombie = stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
        if zombie {
            continue;
        }
        if needle.is_some_and(|n| cmdline.contains(n)) || (pgid.is_some() && group == pgid) {
            found.push(format!("{name}: {cmdline}"));
        }
    }
    found
}

pub(super) struct Running {
    pub(super) child: Child,
    pub(super) out: tempfile::TempDir,
    pub(super) logs: tempfile::TempDir,
}

impl Running {
    pub(super) fn start(args: &[&str], envs: &[(&str, &str)]) -> Running {
        Running::start_with(args, envs, |_| {})
    }

    /// `start`, the command first changed by `change` (e.g. a process group of its own).
    pub(super) fn start_with(
        args: &[&str],
        envs: &[(&str, &str)],
        change: impl FnOnce(&mut Command),
    ) -> Running {
        let out = tempfile::tempdir().unwrap();
        let logs = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.args(args)
            .arg("--out")
            .arg(out.path())
            .current_dir(out.path())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(logs.path().join("stdout")).unwrap())
            .stderr(std::fs::File::create(logs.path().join("stderr")).unwrap());
        without_ambient(&mut cmd);
        cmd.envs(envs.iter().copied());
        change(&mut cmd);
        Running {
            child: cmd.spawn().unwrap(),
            out,
            logs,
        }
    }

    pub(super) fn output(&self) -> String {
        let read = |n: &str| std::fs::read_to_string(self.logs.path().join(n)).unwrap_or_default();
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            read("stdout"),
            read("stderr")
        )
    }

    fn run_dir(&self) -> Option<PathBuf> {
        std::fs::read_dir(self.out.path())
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.is_dir())
    }

    /// Waits until `scenario` has submitted its job (the backend runs it now).
    pub(super) fn wait_job_of(&mut self, scenario: &str, limit: Duration) -> PathBuf {
        let needle = format!("\"event\":\"job_submitted\",\"scenario\":\"{scenario}\"");
        wait_for(&format!("{scenario}'s job to be submitted"), limit, || {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the xtask exited ({status}) early\n{}", self.output());
            }
            let dir = self.run_dir()?;
            let events = std::fs::read_to_string(dir.join("events.jsonl")).ok()?;
            events.contains(&needle).then_some(dir)
        })
    }

    /// Sends `signal`; returns the exit code, the time to the zip and the time to the exit.
    pub(super) fn interrupt(&mut self, signal: i32, zip: &Path) -> (i32, Duration, Duration) {
        let t0 = Instant::now();
        // SAFETY: kill(2) on our own child.
        unsafe {
            libc::kill(self.child.id() as i32, signal);
        }
        let mut zip_at = None;
        let status = wait_for("the xtask to exit", Duration::from_secs(60), || {
            if zip_at.is_none() && zip.exists() {
                zip_at = Some(t0.elapsed());
            }
            self.child.try_wait().unwrap()
        });
        let exited = t0.elapsed();
        let zip_at = zip_at.unwrap_or(exited);
        (status.code().unwrap_or(-1), zip_at, exited)
    }
}

/// The summary.txt row of `id`: (verdict, reason).
fn row(summary: &str, id: &str) -> (String, String) {
    let line = summary
        .lines()
        .find(|l| l.split_whitespace().next() == Some(id))
        .unwrap_or_else(|| panic!("no row {id} in\n{summary}"));
    let parts: Vec<&str> = line.split_whitespace().collect();
    (parts[1].to_owned(), parts[3..].join(" "))
}

const ORDER: [&str; 13] = [
    "L01", "L02", "L03", "L04", "L05", "L06", "L07", "L08", "ROLLBACK", "M01", "M02", "M03", "M04",
];

/// What every interrupted run leaves: the partial report, valid and complete.
pub(super) fn assert_partial_report(run: &Running, dir: &Path, at: &str, signal_name: &str) {
    let summary = std::fs::read_to_string(dir.join("summary.txt"))
        .unwrap_or_else(|e| panic!("summary.txt: {e}\n{}", run.output()));
    let (verdict, reason) = row(&summary, at);
    assert_eq!(verdict, "ERROR", "{summary}");
    assert!(
        reason.starts_with(&format!("interrupted by {signal_name} after ")),
        "{summary}"
    );
    let after = ORDER.iter().skip_while(|id| **id != at).skip(1);
    for id in after {
        let (verdict, reason) = row(&summary, id);
        assert_eq!(verdict, "SKIP", "{id}\n{summary}");
        assert_eq!(
            reason, "not run: the run was interrupted",
            "{id}\n{summary}"
        );
    }
    assert!(summary.contains(&format!("interrupted by {signal_name} after")));
    let junit = dir.join("junit.xml");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(&format!("interrupted by {signal_name}")),
        "{xml}"
    );
    assert_junit_valid(&junit);
    let zip = dir.with_extension("zip");
    let mut z = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let run_id = dir.file_name().unwrap().to_string_lossy().into_owned();
    for f in ["summary.txt", "junit.xml", "manifest.json", "events.jsonl"] {
        let mut entry = z
            .by_name(&format!("{run_id}/{f}"))
            .unwrap_or_else(|_| panic!("{f} not in the zip"));
        let mut s = String::new();
        entry.read_to_string(&mut s).unwrap();
        assert!(!s.is_empty(), "{f} is empty in the zip");
    }
    let stdout = std::fs::read_to_string(run.logs.path().join("stdout")).unwrap();
    assert!(
        stdout.contains(&format!("partial report: interrupted by {signal_name}")),
        "{}",
        run.output()
    );
    assert_verified(&zip);
}
