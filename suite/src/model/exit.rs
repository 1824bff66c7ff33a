//! The exit codes of every command: the verdict a CI job and the Action read.

/// Every scenario that ran passed (or the command did what it was asked).
pub const EXIT_PASS: i32 = 0;
pub const EXIT_FAIL: i32 = 1;
pub const EXIT_SETUP: i32 = 2;
/// The run finished (its verdicts are known) but a report could not be written.
pub const EXIT_REPORT: i32 = 3;
