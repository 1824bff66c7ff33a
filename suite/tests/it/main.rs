//! The suite's integration tests, one binary: the `codex-live-suite` binary as another
//! repository uses it, from a folder of its own.
// A test that cannot run here says why on stdout, where libtest shows it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod killed;
mod process_stack;
mod setup_errors;
mod support;
