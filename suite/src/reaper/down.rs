//! `down`: what the runs of this user left, `--keep-up` stacks included, removed one line
//! per thing; and the compose projects of runs that no journal names any more.

use super::{found, remove, whose, Thing};
use crate::model::events::Events;
use crate::stack::docker::{self, project::project_pid};
use crate::sys::bounded_read::read_text;
use crate::sys::journal::{self, Claimed, Left};
use std::collections::BTreeSet;
use std::path::Path;

/// What `down` did (or, with `--dry-run`, would do).
#[derive(Debug, Default)]
pub struct Down {
    /// Things removed (or to remove).
    pub things: usize,
    /// The runs they were left by.
    pub runs: usize,
    /// The compose projects removed (or to remove), for a caller that tags images per
    /// project.
    pub projects: Vec<String>,
    /// What could not be looked at or removed.
    pub problems: Vec<String>,
}

/// `down`: removes everything the runs of this user left (`--keep-up` stacks included), a
/// line per thing; with `dry_run` only lists. Runs that live are left alone, with a line.
pub(crate) fn down(dry_run: bool, events: &Events) -> Down {
    let mut report = Down::default();
    let done = if dry_run { "would remove" } else { "removed" };
    let mut named = BTreeSet::new();
    let registry = match journal::registry() {
        Ok(r) => Some(r),
        Err(e) => {
            report.problems.push(format!("the runs' journals: {e}"));
            None
        }
    };
    for path in registry.iter().flat_map(|r| journal::journals(r)) {
        let claimed = match Claimed::take(&path, false) {
            Ok(Some(c)) => c,
            Ok(None) => {
                let left = read_text(&path, journal::JOURNAL_LIMIT).map(|t| Left::read(&t));
                if let Ok(left) = left {
                    named.extend(left.projects.iter().cloned());
                    events.line(format!(
                        "down: left alone: the run with {} is still running",
                        whose(&left)
                    ));
                }
                continue;
            }
            Err(e) => {
                report
                    .problems
                    .push(format!("reading {}: {e}", path.display()));
                continue;
            }
        };
        named.extend(claimed.left.projects.iter().cloned());
        let (things, problems) = found(&claimed.left);
        report.problems.extend(problems);
        let whose = whose(&claimed.left);
        for thing in &things {
            events.line(format!(
                "down: {done} {thing} (left by the run with {whose})"
            ));
        }
        report.things += things.len();
        report.runs += usize::from(!things.is_empty());
        report
            .projects
            .extend(claimed.left.projects.iter().cloned());
        if dry_run {
            continue;
        }
        let problems = remove(&claimed.left);
        if problems.is_empty() {
            claimed.finish();
        }
        report.problems.extend(problems);
    }
    unjournaled(dry_run, &named, events, &mut report);
    report
}

/// The compose projects of runs that no journal names (a journal lost with the temporary
/// folder, on a reboot say) whose pid runs no process: removed as the journals' are. A
/// live pid keeps its project, whatever process has that pid now.
fn unjournaled(dry_run: bool, named: &BTreeSet<String>, events: &Events, report: &mut Down) {
    if let Err(why) = docker::probe_engine() {
        events.line(format!("down: no containers were looked for: {why}"));
        return;
    }
    let projects = match docker::labelled_projects() {
        Ok(p) => p,
        Err(e) => {
            report.problems.push(format!("{e:#}"));
            return;
        }
    };
    let done = if dry_run { "would remove" } else { "removed" };
    for project in projects.iter().filter(|p| !named.contains(*p)) {
        let Some(pid) = project_pid(project) else {
            continue;
        };
        if Path::new(&format!("/proc/{pid}")).exists() {
            events.line(format!(
                "down: left alone: compose project {project}, whose run (pid {pid}) may still \
                 be running"
            ));
            continue;
        }
        let objects = match docker::project_objects(project) {
            Ok(o) => o,
            Err(e) => {
                report.problems.push(format!("{e:#}"));
                continue;
            }
        };
        for o in &objects {
            events.line(format!(
                "down: {done} {} (left by the run with pid {pid})",
                Thing::Docker(o.clone())
            ));
        }
        report.things += objects.len();
        report.runs += 1;
        report.projects.push(project.clone());
        if !dry_run {
            if let Err(e) = docker::remove_project(project) {
                report.problems.push(format!("{e:#}"));
            }
        }
    }
}
