//! The reporters: each turns the run's events (`crate::events`) into one output.
//!
//! - `terminal`: spinner and lines on stdout;
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

/// Terminal lines only (commands without a run folder: `up`, `list`, `health`, …).
pub fn console(redactor: Redactor) -> Vec<Box<dyn Reporter>> {
    vec![
        Box::new(github::GitHub::new(redactor.clone())),
        Box::new(terminal::Terminal::new(redactor)),
    ]
}

/// Every reporter of a run, in the order their outputs depend on each other: the files
/// before the archive that lists and zips them, JUnit the last of them (it names every report
/// that could not be written before it: `RunReport::unwritten`); the terminal last, so that
/// it prints the paths once they exist (and GitHub's group markers come before a scenario's
/// lines).
pub fn for_run(ev: &Evidence) -> Vec<Box<dyn Reporter>> {
    let redactor = ev.redactor().clone();
    vec![
        Box::new(structured::EventLog::new(ev.clone())),
        Box::new(summary::SummaryFile::new(ev.clone())),
        Box::new(record::RunJson::new(ev.clone())),
        Box::new(html::HtmlReport::new(ev.clone())),
        Box::new(github::GitHub::new(redactor.clone())),
        Box::new(junit::JunitFile::new(ev.clone())),
        Box::new(archive::Archive::new(ev.clone())),
        Box::new(terminal::Terminal::new(redactor)),
    ]
}
