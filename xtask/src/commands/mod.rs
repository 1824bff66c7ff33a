//! One module per command (`cargo xtask <command>`), each an `impl <Command>Args { fn run }`.
//! `live-suite` and `smoke` share one run skeleton (`run.rs`). A returned `Err` is a setup
//! error (exit 2).

pub mod bench;
pub mod compare;
pub mod down;
pub mod health;
pub mod images;
pub mod list;
pub mod live_suite;
pub mod logs;
pub mod run;
pub mod smoke;
pub mod up;

use crate::events::Events;
use crate::secrets::Secrets;

/// Exit codes.
pub const EXIT_PASS: i32 = 0;
pub const EXIT_FAIL: i32 = 1;
pub const EXIT_SETUP: i32 = 2;

/// The reporters of a command without a run folder: terminal lines (and GitHub's).
pub fn console(secrets: &Secrets) -> Events {
    Events::new(crate::report::console(secrets.redactor()))
}
