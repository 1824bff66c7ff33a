//! The xtask's integration tests, one binary (each binary links the whole dependency tree):
//! the real `xtask` binary against real stacks and test doubles.
// A test that cannot run here says why on stdout, where libtest shows it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod action_evidence;
mod adopter;
mod browser;
mod byo_compose;
mod compose;
mod dist;
mod encoded_leaks;
mod failed_calls;
mod full_disk;
mod github;
mod hardening;
mod hostile;
mod install_script;
mod interrupt;
mod killed;
mod local_lifecycle;
mod local_pipeline;
mod other_backends;
mod pre_build;
mod read_back;
mod release_check;
mod retries_and_baselines;
mod support;
mod terminal;
mod verify;
