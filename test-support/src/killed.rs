//! A run killed by SIGKILL, which no handler sees, at one phase, and what of it is left.
//!
//! A [`Trace`] makes everything a run starts findable after its death, whatever the stack:
//! a variable every process of its tree inherits, and a private temporary folder (`TMPDIR`)
//! that holds its journal, its private and scratch folders and the workers' workspaces (a worker with a
//! cleared environment is found by its working folder there). Compose objects are found by
//! their project's labels ([`compose_left`]).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// The variable that marks a traced run's processes.
const VAR: &str = "CODEX_KILL_TRACE";

/// A run's phases where a kill is tried, in the order a run passes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The stack is being started: a build, a compose `up`, a wrapper script's first steps.
    StackStarting,
    /// The backend runs and the suite waits for it to answer healthy.
    HealthGate,
    /// The first live scenario runs.
    L01,
    /// L08's long job runs.
    L08,
    /// The stack is restarted in mocked mode.
    Rollback,
    /// The mocked smoke runs.
    MockedSmoke,
    /// The stack is down and the reports are written (a browser takes report.png).
    Reports,
}

/// How much of the run the kill reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The run's own process alone.
    Run,
    /// The run's whole process group, as a CI runner ends a job.
    Group,
    /// Every process of the run's session, as a runner that ends a job's session does.
    Session,
}

/// What makes one run's leftovers findable.
pub struct Trace {
    value: String,
    tmp: tempfile::TempDir,
}

impl Default for Trace {
    fn default() -> Self {
        Trace::new()
    }
}

impl Trace {
    pub fn new() -> Trace {
        let tmp = tempfile::Builder::new()
            .prefix("kill-trace-")
            .tempdir()
            .expect("a temporary folder");
        let value = tmp
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        Trace { value, tmp }
    }

    /// The private temporary folder (the run's `TMPDIR`).
    pub fn tmp(&self) -> &Path {
        self.tmp.path()
    }

    /// Marks `cmd`'s process tree and gives it the private temporary folder; it leads a
    /// session (and so a process group) of its own, so that [`Reach::Group`] and
    /// [`Reach::Session`] reach only the run.
    pub fn mark(&self, cmd: &mut Command) {
        // SAFETY: setsid is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(cmd, || {
                libc::setsid();
                Ok(())
            });
        }
        cmd.env(VAR, &self.value).env("TMPDIR", self.tmp.path());
    }

    /// The processes of the run still there (not zombies): marked, or working in its
    /// temporary folder. Each as `pid comm cmdline`.
    pub fn processes(&self) -> Vec<String> {
        let mark = format!("{VAR}={}", self.value);
        let mut found = Vec::new();
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            if stat
                .rsplit_once(')')
                .is_none_or(|(_, r)| r.trim_start().starts_with('Z'))
            {
                continue;
            }
            let environ = std::fs::read(e.path().join("environ")).unwrap_or_default();
            let marked = environ.split(|b| *b == 0).any(|v| v == mark.as_bytes());
            let cwd = std::fs::read_link(e.path().join("cwd")).unwrap_or_default();
            if marked || cwd.starts_with(self.tmp.path()) {
                let cmdline = std::fs::read(e.path().join("cmdline"))
                    .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
                    .unwrap_or_default();
                found.push(format!("{name} {cmdline}"));
            }
        }
        found
    }

    /// What the run left in its temporary folder: every entry, and the journals in the
    /// suite's registry there (`codex-live-suite-<uid>/`, which may stay, empty).
    pub fn folders(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for e in std::fs::read_dir(self.tmp.path()).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("codex-live-suite-") {
                found.extend(
                    std::fs::read_dir(e.path())
                        .unwrap()
                        .flatten()
                        .map(|j| j.path()),
                );
            } else {
                found.push(e.path());
            }
        }
        found
    }

    /// The pid of the traced run's reaper (the suite's binary in its reaper mode).
    pub fn reaper(&self) -> Option<i32> {
        self.processes()
            .iter()
            .find(|p| p.contains("__codex-live-suite-reaper"))
            .and_then(|p| p.split_whitespace().next()?.parse().ok())
    }

    /// Everything of the run still there: processes, folders, and (given its project) the
    /// compose project's containers, networks, volumes and image tags.
    pub fn left(&self, project: Option<&str>) -> Vec<String> {
        let mut left: Vec<String> = self.processes();
        left.extend(self.folders().iter().map(|f| f.display().to_string()));
        if let Some(p) = project {
            left.extend(compose_left(p));
        }
        left
    }
}

/// Sends SIGKILL to the run (its whole group, every process of its session) and reaps it.
pub fn kill(run: &mut Child, reach: Reach) {
    let pid = run.id() as i32;
    let targets = match reach {
        Reach::Run => vec![pid],
        Reach::Group => vec![-pid],
        Reach::Session => session(pid),
    };
    for target in targets {
        // SAFETY: kill(2) on our own child, the process group it leads, or a process of
        // the session it leads.
        unsafe {
            libc::kill(target, libc::SIGKILL);
        }
    }
    let status = run.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL)
    );
}

/// The processes of session `sid`.
fn session(sid: i32) -> Vec<i32> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        // pid (comm) state ppid pgrp session …
        let in_session = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(3)?.parse::<i32>().ok())
            == Some(sid);
        if in_session {
            found.push(pid);
        }
    }
    found
}

/// Polls `left` until it is empty; the time that took, or what was still there after
/// `limit`.
pub fn gone_within(
    limit: Duration,
    mut left: impl FnMut() -> Vec<String>,
) -> Result<Duration, Vec<String>> {
    let t0 = Instant::now();
    loop {
        let now = left();
        if now.is_empty() {
            return Ok(t0.elapsed());
        }
        if t0.elapsed() >= limit {
            return Err(now);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `reached` every 10 ms for up to `limit`; panics with `output()` when the run ends
/// first or the time passes.
pub fn wait_for(
    what: &str,
    run: &mut Child,
    limit: Duration,
    output: impl Fn() -> String,
    mut reached: impl FnMut() -> bool,
) {
    let t0 = Instant::now();
    while !reached() {
        if let Ok(Some(status)) = run.try_wait() {
            panic!("the run ended ({status}) before {what}\n{}", output());
        }
        assert!(
            t0.elapsed() < limit,
            "{what} not reached within {limit:?}\n{}",
            output()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The text of the events.jsonl of every run folder under `out` (one run's, in a test).
pub fn run_events(out: &Path) -> String {
    std::fs::read_dir(out)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| std::fs::read_to_string(e.path().join("events.jsonl")).ok())
        .collect()
}

/// Whether the run's events (events.jsonl's text) say `phase` has begun, for the phases
/// events mark: a scenario started, L08's job submitted, the rollback, the stack down.
pub fn in_events(phase: Phase, events: &str) -> bool {
    let has = |s: &str| events.contains(s);
    match phase {
        Phase::StackStarting | Phase::HealthGate => false,
        Phase::L01 => has(r#""event":"scenario_started","id":"L01""#),
        Phase::L08 => has(r#""event":"job_submitted","scenario":"L08""#),
        Phase::Rollback => has(r#""event":"rollback""#),
        Phase::MockedSmoke => has(r#""event":"scenario_started","id":"M01""#),
        Phase::Reports => has(r#""phase":"down""#),
    }
}

/// Whether a browser of the traced run is running (report.png being taken).
pub fn browser_running(trace: &Trace) -> bool {
    trace
        .processes()
        .iter()
        .any(|p| p.contains("headless") || p.contains("chrom"))
}

/// The compose project's containers (workers included), networks, volumes and the run's
/// own image tags (`codex-backend:<project>`, `codex-worker:<project>`).
pub fn compose_left(project: &str) -> Vec<String> {
    let by_project = format!("label=com.docker.compose.project={project}");
    let by_stack = format!("label=codex.stack={project}");
    let backend_tag = format!("reference=codex-backend:{project}");
    let worker_tag = format!("reference=codex-worker:{project}");
    let tag = "{{.Repository}}:{{.Tag}}";
    let mut left = Vec::new();
    for args in [
        vec!["ps", "-aq", "--filter", &by_project],
        vec!["ps", "-aq", "--filter", &by_stack],
        vec!["volume", "ls", "-q", "--filter", &by_project],
        vec!["network", "ls", "-q", "--filter", &by_project],
        vec!["image", "ls", "--format", tag, "--filter", &backend_tag],
        vec!["image", "ls", "--format", tag, "--filter", &worker_tag],
    ] {
        let o = Command::new("docker").args(&args).output().unwrap();
        assert!(
            o.status.success(),
            "docker {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        );
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        left.extend(out.lines().map(|l| format!("{}: {l}", args[0])));
    }
    left
}

/// The compose project a run names in its start-up line ("compose: project <name> with …").
pub fn compose_project(output: &str) -> Option<String> {
    output.lines().find_map(|l| {
        let rest = l.split_once("compose: project ")?.1;
        Some(rest.split_whitespace().next()?.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traced_process_and_its_folder_are_found_until_they_are_gone() {
        let trace = Trace::new();
        let folder = trace.tmp().join("codex-process-x");
        std::fs::create_dir(&folder).unwrap();
        let mut cmd = Command::new("sleep");
        cmd.arg("60");
        trace.mark(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        let left = trace.left(None);
        assert!(left.iter().any(|l| l.contains("sleep 60")), "{left:?}");
        assert!(
            left.iter().any(|l| l.ends_with("codex-process-x")),
            "{left:?}"
        );
        kill(&mut child, Reach::Group);
        std::fs::remove_dir(&folder).unwrap();
        let gone = gone_within(Duration::from_secs(2), || trace.left(None));
        assert!(gone.is_ok(), "{gone:?}");
    }

    #[test]
    fn phases_are_read_from_the_events() {
        let events = r#"{"event":"scenario_started","id":"L01","title":"x"}"#;
        assert!(in_events(Phase::L01, events));
        assert!(!in_events(Phase::MockedSmoke, events));
        assert!(!in_events(Phase::StackStarting, events));
        assert_eq!(
            compose_project("stack: compose\ncompose: project codex-a-1 with docker-compose 1.29"),
            Some("codex-a-1".into())
        );
    }
}
