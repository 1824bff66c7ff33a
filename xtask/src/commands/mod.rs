//! This repository's own commands, each an `impl <Command>Args { fn run }`; the suite's
//! (`list`, `health`, `compare`, the run skeleton) are `codex_live_suite::commands`.

pub mod bench;
pub mod down;
pub mod images;
pub mod logs;
pub mod up;

pub use codex_live_suite::{begin, completions, console, exit_code, list, EXIT_PASS};
