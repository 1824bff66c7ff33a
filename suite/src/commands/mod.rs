//! One module per command, each an `impl <Command>Args { fn run }`.
//! `live-suite` and `smoke` share one run skeleton (`run.rs`). A returned `Err` is a setup
//! error (exit 2).

pub mod compare;
pub mod health;
pub mod list;
pub mod live_suite;
pub mod run;
pub mod smoke;

use crate::events::Events;
use crate::report::text::eprint_line;
use crate::secrets::Secrets;

/// Exit codes.
pub const EXIT_PASS: i32 = 0;
pub const EXIT_FAIL: i32 = 1;
pub const EXIT_SETUP: i32 = 2;

/// The reporters of a command without a run folder: terminal lines (and GitHub's).
pub fn console(secrets: &Secrets) -> Events {
    Events::new(crate::report::console(secrets.redactor()))
}

/// The process exit code of a command's result. An `Err` is a setup error (exit 2), unless a
/// signal made the start-up fail (its teardown killed the backend): then 128 + n, once the
/// teardown is done.
pub fn exit_code(result: anyhow::Result<i32>, secrets: &Secrets) -> i32 {
    let e = match result {
        Ok(code) => return code,
        Err(e) => e,
    };
    let msg = secrets.redactor().redact(&format!("{e:#}")).text;
    if let Some(i) = crate::interrupt::requested() {
        eprint_line(&format!(
            "interrupted by {} while starting: {msg}",
            i.name()
        ));
        crate::interrupt::conclude(i);
    }
    eprint_line(&format!("setup error (exit 2): {msg}"));
    crate::report::github_summary::report_setup_error(&msg);
    EXIT_SETUP
}
