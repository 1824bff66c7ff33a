//! Test doubles for the tests of `codex-live-suite` and of this repository's xtask (a
//! dev-dependency only, as cargo's `cargo-test-support`): `fake_backend`, a backend in the
//! image of the original orchestrator; `process`, fake programs as scripts and the process
//! stack's start-up line read back; `killed`, a run killed at a phase and what it left.

pub mod fake_backend;
pub mod killed;
pub mod process;
