//! `codex-live-suite`: the live validation suite of the Codex Workspace Orchestrator.
//!
//! It brings a backend up (or connects to one), climbs the gated ladder of live scenarios
//! L01–L08, rolls back to mocked mode, re-runs the mocked smoke M01–M04, and writes evidence,
//! JUnit, an HTML report and a zip. The binary `codex-live-suite` and a repository's own
//! automation both call [`commands`]; a caller with stacks
//! of its own hands them in through [`stack::Launcher`].
// A unit test that cannot run here says why on stdout, where libtest shows it.
#![cfg_attr(test, allow(clippy::print_stdout))]
#![warn(unreachable_pub)]

pub mod cli;
pub mod commands;
pub mod compare;
pub mod doctor;
pub mod evidence;
pub mod ladder;
pub mod model;
pub mod report;
pub mod stack;
pub mod sys;
pub mod target;
#[cfg(test)]
mod test_backend;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod verify;
