//! The suite's integration tests, one binary: the `codex-live-suite` binary as another
//! repository uses it, from a folder of its own.

mod process_stack;
mod support;
