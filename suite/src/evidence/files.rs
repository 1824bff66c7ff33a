//! The names of a run folder's own files, each once: every writer and reader of the run
//! folder, the zip and `verify`-style checks use these.

/// Every event of the run, one JSON line each (`report/structured.rs`).
pub const EVENTS: &str = "events.jsonl";
/// What the target offers (`target/target_profile.rs`).
pub(crate) const TARGET: &str = "target.json";
/// Why the run stopped before its ladders, when it did.
pub(crate) const SETUP_ERROR: &str = "setup_error.txt";
/// The report for a person (`report/html.rs`).
pub(crate) const REPORT_HTML: &str = "report.html";
/// The report's screenshot (`report/screenshot.rs`).
pub(crate) const REPORT_PNG: &str = "report.png";
/// The verdicts as text, in the run folder and in the mocked smoke's folder.
pub(crate) const SUMMARY: &str = "summary.txt";
/// The machine-readable record a later run compares with (`compare/record.rs`).
pub(crate) const RUN_JSON: &str = "run.json";
/// The verdicts for CI (`report/junit.rs`).
pub(crate) const JUNIT: &str = "junit.xml";
/// Every other file with its size and sha256, written last (`report/archive.rs`).
pub(crate) const MANIFEST: &str = "manifest.json";
/// A scenario's notes for the reviewer, in its own folder.
pub(crate) const NOTES: &str = "notes.txt";
