//! The worker that runs inside a container for every live job: reads
//! `.codex/request.json`, changes the workspace with an engine (built-in templates or an
//! external agent command), and writes `.codex/result.json` whose file lists come from a
//! before/after snapshot of the workspace.
// A unit test that cannot run here says why on stdout, where libtest shows it.
#![cfg_attr(test, allow(clippy::print_stdout))]

pub mod changeset;
pub mod config;
pub mod engine;
pub mod job;
pub mod request;
pub mod result;
pub mod secrets;
pub mod snapshot;
pub mod timing;

pub use job::{run, Exit};
