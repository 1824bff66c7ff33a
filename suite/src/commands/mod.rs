//! One module per command, each an `impl <Command>Args { fn run }`.
//! `live-suite` and `smoke` share one run skeleton (`run.rs`). A returned `Err` is a setup
//! error (exit 2), unless it is [`ReportNotWritten`] (exit 3).

pub(crate) mod compare;
pub mod completions;
pub(crate) mod doctor;
pub(crate) mod down;
pub(crate) mod health;
pub(crate) mod init;
pub mod list;
pub(crate) mod live_suite;
pub(crate) mod run;
pub(crate) mod smoke;
pub(crate) mod verify;

use crate::model::events::Events;
use crate::model::secrets::Secrets;
use crate::report::terminal::Console;
use crate::report::terminal::{stderr_width, Styled};
use crate::report::text::{eprint_line, escape_controls};
use crate::report::{Reporter, Shared};

pub use crate::model::exit::{EXIT_FAIL, EXIT_PASS, EXIT_REPORT, EXIT_SETUP};

/// The error of a run whose ladders ran but whose reports are not all written: each entry
/// names the report and why (`Events::finish`).
#[derive(Debug)]
pub(crate) struct ReportNotWritten(pub Vec<String>);

impl std::fmt::Display for ReportNotWritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the run finished but a report could not be written: {}",
            self.0.join("; ")
        )
    }
}

impl std::error::Error for ReportNotWritten {}

/// What every command does first, in this order: reads the secrets (from the environment,
/// else the current directory's `.env.live`; a failure exits 2), strips them from the
/// process environment so that no child inherits one, installs the signal handler (before
/// any other thread), and on GitHub masks every value before anything else is printed.
/// Returns the current directory and the secrets.
pub fn begin(console: &Console) -> (std::path::PathBuf, Secrets) {
    let dir = match std::env::current_dir() {
        Ok(dir) => dir,
        Err(e) => {
            let e = anyhow::Error::from(e).context("reading the current directory");
            std::process::exit(exit_code(Err(e), &Secrets::default()))
        }
    };
    let secrets = match Secrets::load(&dir) {
        Ok(s) => s,
        // No secrets to redact yet: the error is about reading them.
        Err(e) => std::process::exit(exit_code(Err(e), &Secrets::default())),
    };
    crate::sys::process::remove_secrets_from_environment();
    crate::sys::interrupt::install(eprint_line);
    crate::report::github::add_masks(&secrets, console.stream);
    (dir, secrets)
}

/// The reporters of a command without a run folder: terminal lines (and GitHub's).
pub fn console(secrets: &Secrets, console: &Console) -> Events {
    Shared::new(Reporter::console(secrets.redactor(), console)).events()
}

/// The process exit code of a command's result. An `Err` is a setup error (exit 2), unless a
/// signal made the start-up fail (its teardown killed the backend): then 128 + n, once the
/// teardown is done; or unless it is [`ReportNotWritten`]: exit 3 (the verdicts stand, a
/// report is missing).
pub fn exit_code(result: anyhow::Result<i32>, secrets: &Secrets) -> i32 {
    let e = match result {
        Ok(code) => return code,
        Err(e) => e,
    };
    let msg = secrets.redactor().redact(&format!("{e:#}")).text;
    if let Some(i) = crate::sys::interrupt::requested() {
        eprint_line(&format!(
            "interrupted by {} while starting: {msg}",
            i.name()
        ));
        crate::sys::interrupt::conclude(i);
    }
    if e.is::<ReportNotWritten>() {
        eprint_line(&format!("report error (exit {EXIT_REPORT}): {msg}"));
        return EXIT_REPORT;
    }
    let line = Styled::plain(escape_controls(&format!("setup error (exit 2): {msg}")));
    match stderr_width(|name| std::env::var(name).ok()) {
        Some(width) => line.wrap(width).iter().for_each(|l| eprint_line(&l.text())),
        None => eprint_line(&line.text()),
    }
    Reporter::setup_error(&msg);
    EXIT_SETUP
}
