//! The xtask's integration tests, one binary (each binary links the whole dependency tree):
//! the real `xtask` binary against real stacks and test doubles.

mod browser;
mod byo_compose;
mod compose;
mod full_disk;
mod github;
mod hardening;
mod interrupt;
mod local_lifecycle;
mod local_pipeline;
mod other_backends;
mod pre_build;
mod read_back;
mod support;
