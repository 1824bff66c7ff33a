//! The reporters: each turns the run's events (`crate::events`) into one output.
//!
//! - `terminal`: spinner and lines for a person (stdout, or stderr under
//!   `--message-format json`), with the settings of `terminal::Console`;
//! - `ndjson`: `--message-format json`, the events as JSON lines on stdout;
//! - `github`: groups, annotations, masks, step summary and outputs (GitHub Actions only);
//! - `summary`: `summary.txt`;
//! - `junit`: `junit.xml`;
//! - `structured`: `events.jsonl`, one JSON line per event;
//! - `record`: `run.json`, what a later run compares with;
//! - `html`: `report.html` (header, timeline, a row per scenario, app.py diffs), then
//!   `report.png` (`screenshot`);
//! - `archive`: `manifest.json` and the zip (last: it seals what the others wrote).
//!
//! Architecture invariant: the ladder does not import this module; it emits events.

pub mod archive;
pub mod github;
pub mod github_summary;
pub mod html;
pub mod junit;
pub mod ndjson;
pub mod record;
pub mod screenshot;
pub mod structured;
pub mod summary;
pub mod terminal;
pub mod text;
pub mod zip;

use crate::events::Reporter;
use crate::evidence::Evidence;
use crate::secrets::Redactor;
use terminal::Console;

/// Terminal lines only (commands without a run folder: `up`, `list`, `health`, …). Their
/// lines are their answer: `--quiet`, which keeps a run's failures and tally, keeps them all.
pub fn console(redactor: Redactor, console: &Console) -> Vec<Box<dyn Reporter>> {
    let mut console = console.clone();
    console.level = console.level.max(terminal::Level::Normal);
    vec![
        Box::new(github::GitHub::new(redactor.clone(), console.stream)),
        Box::new(terminal::Terminal::new(redactor, console)),
    ]
}

/// Every reporter of a run, in the order their outputs depend on each other: the files
/// before the archive that lists and zips them, JUnit the last of them (it names every report
/// that could not be written before it: `RunReport::unwritten`); the terminal last, so that
/// it prints the paths once they exist (and GitHub's group markers come before a scenario's
/// lines). With `--message-format json` the events also go to stdout as they happen, first.
pub fn for_run(ev: &Evidence, console: &Console) -> Vec<Box<dyn Reporter>> {
    let redactor = ev.redactor().clone();
    let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
    if console.json {
        reporters.push(Box::new(ndjson::JsonLines::new(redactor.clone())));
    }
    reporters.extend([
        Box::new(structured::EventLog::new(ev.clone())) as Box<dyn Reporter>,
        Box::new(summary::SummaryFile::new(ev.clone())),
        Box::new(record::RunJson::new(ev.clone())),
        Box::new(html::HtmlReport::new(ev.clone(), console.clone())),
        Box::new(github::GitHub::new(redactor.clone(), console.stream)),
        Box::new(junit::JunitFile::new(ev.clone())),
        Box::new(archive::Archive::new(ev.clone())),
        Box::new(terminal::Terminal::new(redactor, console.clone())),
    ]);
    reporters
}
