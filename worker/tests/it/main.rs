//! The worker's one integration-test binary: each module runs the real `codex-worker`
//! binary on a temporary workspace (`workspace::Workspace`).
// A test that cannot run here says why on stdout, where libtest shows it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod workspace;

mod agent_engine;
mod bad_input;
mod builtin_flow;
mod late_result;
