//! The names of a run folder's own files, each once: every writer and reader of the run
//! folder, the zip and `verify`-style checks use these.

/// Every event of the run, one JSON line each (`report/structured.rs`).
pub const EVENTS: &str = "events.jsonl";
/// What the target offers (`target/target_profile.rs`).
pub const TARGET: &str = "target.json";
/// Why the run stopped before its ladders, when it did.
pub const SETUP_ERROR: &str = "setup_error.txt";
/// The report for a person (`report/html.rs`).
pub const REPORT_HTML: &str = "report.html";
/// The report's screenshot (`report/screenshot.rs`).
pub const REPORT_PNG: &str = "report.png";
/// The verdicts as text, in the run folder and in the mocked smoke's folder.
pub const SUMMARY: &str = "summary.txt";
/// The machine-readable record a later run compares with (`compare/record.rs`).
pub const RUN_JSON: &str = "run.json";
/// The verdicts for CI (`report/junit.rs`).
pub const JUNIT: &str = "junit.xml";
/// Every other file with its size and sha256, written last (`report/archive.rs`).
pub const MANIFEST: &str = "manifest.json";
/// A scenario's notes for the reviewer, in its own folder.
pub const NOTES: &str = "notes.txt";
