//! The outputs of a run, in nextest's shape: one [`Reporter`] with a field per live output
//! (JSON lines, event log, GitHub log, terminal), and at the end of the run every report written from
//! the final `RunReport` in one visible order.
//!
//! - live, in this order: `ndjson` (`--message-format json`: the lines of events.jsonl on
//!   stdout), `structured` (`events.jsonl`, one JSON line per event), `github` (groups,
//!   annotations, masks; at the end the step summary and outputs, GitHub Actions only),
//!   `terminal` (spinner and lines for a person, on stdout, or stderr under
//!   `--message-format json`, with the settings of `terminal::Console`);
//! - at the end: `html` (`report.html`), `screenshot` (`report.png` from it, at the page's
//!   measured height), `summary` (`summary.txt`), `compare::RunRecord` (`run.json`, what a later run
//!   compares with), GitHub's step summary and outputs, `junit` (`junit.xml`) and `archive`
//!   (`manifest.json` and the zip, which seal the others).
//!
//! Architecture invariant: the ladder does not import this module; it emits events.

pub(crate) mod archive;
pub(crate) mod copies;
pub(crate) mod github;
pub(crate) mod github_summary;
pub(crate) mod html;
pub(crate) mod junit;
pub(crate) mod ndjson;
pub(crate) mod screenshot;
pub(crate) mod structured;
pub(crate) mod summary;
pub(crate) mod terminal;
pub(crate) mod text;
pub(crate) mod zip;

use crate::compare::RunRecord;
use crate::evidence::{files, Evidence};
use crate::model::events::Events;
use crate::model::events::{add_once, Event};
use crate::model::outcome::RunReport;
use crate::model::secrets::Redactor;
use std::sync::{Arc, Mutex};
use terminal::Console;

/// Every output of a command: the live ones get each event in field order (the JSON lines
/// first, GitHub's group markers before a scenario's lines); a run's reports are written by
/// [`Reporter::finish`].
pub(crate) struct Reporter {
    /// `--message-format json`: the record on stdout (a run only).
    json: Option<ndjson::JsonLines>,
    /// `events.jsonl` (a run only).
    log: Option<structured::EventLog>,
    github: Option<github::GitHub>,
    terminal: Option<terminal::Terminal>,
    /// The run folder the end reports go into (a run only).
    run: Option<Evidence>,
    /// Where a report's own line goes (the screenshot's).
    console: Console,
    /// The copies of a run's reports at fixed paths, and `<out>/latest`.
    copies: copies::Copies,
}

impl Reporter {
    /// Terminal lines only (commands without a run folder: `up`, `list`, `health`, …). Their
    /// lines are their answer: `--quiet`, which keeps a run's failures and tally, keeps them
    /// all.
    pub(crate) fn console(redactor: Redactor, console: &Console) -> Self {
        let mut console = console.clone();
        console.level = console.level.max(terminal::Level::Normal);
        Reporter::with_console(redactor, console)
    }

    fn with_console(redactor: Redactor, console: Console) -> Self {
        Reporter {
            json: None,
            log: None,
            github: Some(github::GitHub::new(redactor.clone(), console.stream)),
            terminal: Some(terminal::Terminal::new(redactor, console.clone())),
            run: None,
            console,
            copies: copies::Copies::default(),
        }
    }

    /// Every output of a run whose folder is `ev`, its reports also copied to `copies`.
    pub(crate) fn for_run(ev: &Evidence, console: &Console, copies: copies::Copies) -> Self {
        let redactor = ev.redactor().clone();
        Reporter {
            json: console
                .json
                .then(|| ndjson::JsonLines::new(redactor.clone())),
            log: Some(structured::EventLog::new(ev.clone())),
            run: Some(ev.clone()),
            copies,
            ..Reporter::with_console(redactor, console.clone())
        }
    }

    /// A run's files only: no terminal, no GitHub output (the tests of what a run writes).
    #[cfg(test)]
    pub(crate) fn files_only(ev: &Evidence) -> Self {
        Reporter {
            log: Some(structured::EventLog::new(ev.clone())),
            run: Some(ev.clone()),
            ..Reporter::silent()
        }
    }

    /// No output at all.
    #[cfg(test)]
    pub(crate) fn silent() -> Self {
        let mut console = Console::default();
        console.level = terminal::Level::Quiet;
        Reporter {
            json: None,
            log: None,
            github: None,
            terminal: None,
            run: None,
            console,
            copies: copies::Copies::default(),
        }
    }

    /// Hands one event to each live output in turn; returns what could not be written.
    pub(crate) fn write_event(&mut self, event: &Event) -> Vec<anyhow::Error> {
        let results = [
            self.json.as_mut().map(|j| j.event(event)),
            self.log.as_mut().map(|l| l.event(event)),
            self.github.as_mut().map(|g| g.event(event)),
            self.terminal.as_mut().map(|t| t.event(event)),
        ];
        results
            .into_iter()
            .flatten()
            .filter_map(Result::err)
            .collect()
    }

    /// The end of a run, from its final report, in this order: the last line of the JSON
    /// lines and of the event log, report.html, report.png, summary.txt (and the mocked
    /// smoke's), run.json, GitHub's step summary and outputs, junit.xml (which names every
    /// report before it that could not be written), the manifest and the zip, and the
    /// terminal's last lines, once the files exist. A report that cannot be written is added
    /// to `report.unwritten`, which every later one sees; junit.xml is then written again to
    /// name them all.
    pub(crate) fn finish(&mut self, report: &mut RunReport) {
        let finished = |report: &RunReport| Event::RunFinished {
            report: Box::new(report.clone()),
        };
        if let Some(json) = &mut self.json {
            step(report, |r| json.event(&finished(r)));
        }
        if let Some(log) = &mut self.log {
            step(report, |r| log.event(&finished(r)));
        }
        if let Some(ev) = &self.run {
            if step(report, |r| html::write(ev, r)).is_some() {
                self.console.note(&screenshot::best_effort(&ev.dir));
            }
            step(report, |r| summary::write(ev, r));
            step(report, |r| summary::write_smoke(ev, r));
            step(report, |r| RunRecord::from_report(r).write(ev));
        }
        if let Some(github) = &mut self.github {
            step(report, |r| github.event(&finished(r)));
        }
        if let Some(ev) = &self.run {
            step(report, |r| junit::write(ev, r));
            step(report, |r| archive::write(ev, r));
            step(report, |r| copies::write(ev, r, &self.copies));
        }
        if let Some(terminal) = &mut self.terminal {
            step(report, |r| terminal.event(&finished(r)));
        }
        if let Some(ev) = self.run.clone().filter(|_| !report.unwritten.is_empty()) {
            if let Some(text) = settle_junit(&ev, report) {
                self.write_event(&Event::Line { text });
            }
        }
    }

    /// Masks every value of `secrets` in the GitHub log (for secrets a run adds, e.g. from a
    /// config's `env_file`; `commands::begin` masks the caller's).
    pub(crate) fn mask(secrets: &crate::model::secrets::Secrets, console: &Console) {
        github::add_masks(secrets, console.stream);
    }

    /// A setup error (exit 2): on GitHub an annotation and `verdict=ERROR` in the outputs.
    pub(crate) fn setup_error(reason: &str) {
        github_summary::report_setup_error(reason);
    }
}

/// A reporter shared by a run's events, which hand each event to its live outputs, and the
/// end of the run, which writes every report ([`Shared::finish`]).
#[derive(Clone)]
pub(crate) struct Shared(Arc<Mutex<Reporter>>);

impl Shared {
    pub(crate) fn new(reporter: Reporter) -> Self {
        Shared(Arc::new(Mutex::new(reporter)))
    }

    /// Events whose every event goes to this reporter's live outputs.
    pub(crate) fn events(&self) -> Events {
        let reporter = self.clone();
        Events::new(Box::new(move |event| reporter.lock().write_event(event)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Reporter> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ends the run: what could not be written during the run (`events`' errors) goes into
    /// `report.unwritten`, then the reporter writes every end report in its order (each
    /// sees the failures before it). Returns the reports that could not be written, each
    /// naming the file and why, each once.
    pub(crate) fn finish(&self, events: &Events, mut report: RunReport) -> Vec<String> {
        for e in events.take_errors() {
            add_once(&mut report.unwritten, e);
        }
        self.lock().finish(&mut report);
        report.unwritten
    }
}

/// What a run that stopped with a setup error after its run folder was made leaves for a
/// reviewer: setup_error.txt, a junit.xml with the error, and on GitHub the step summary
/// and outputs. Returns what could not be written.
pub(crate) fn setup_error(ev: &Evidence, reason: &str) -> Vec<String> {
    let written = [
        ev.write(files::SETUP_ERROR, &format!("{reason}\n"))
            .map(|_| ()),
        junit::render_setup_error(&ev.run_id, reason)
            .and_then(|xml| ev.write(files::JUNIT, &xml).map(|_| ())),
        github_summary::setup_summary(&ev.run_id, &ev.dir, reason),
    ];
    written
        .into_iter()
        .filter_map(Result::err)
        .map(|e| format!("{e:#}"))
        .collect()
}

/// After a report failed: junit.xml names every report that could not be written (an
/// error), so that it never says the run passed; when even that cannot be written, no
/// junit.xml is left. Returns what the user should know when it could not be rewritten.
fn settle_junit(ev: &Evidence, report: &RunReport) -> Option<String> {
    let e = junit::write(ev, report).err()?;
    Some(match ev.remove(files::JUNIT) {
        Ok(()) => format!("junit.xml removed: it could not record the missing reports ({e:#})"),
        Err(r) => format!("junit.xml may not record the missing reports: {r:#}"),
    })
}

/// Writes one report (or begins one); its failure is named in `report.unwritten` (once).
/// What it gave when it was written.
fn step<T>(
    report: &mut RunReport,
    write: impl FnOnce(&RunReport) -> anyhow::Result<T>,
) -> Option<T> {
    write(report)
        .map_err(|e| add_once(&mut report.unwritten, format!("{e:#}")))
        .ok()
}

#[cfg(test)]
mod tests;
