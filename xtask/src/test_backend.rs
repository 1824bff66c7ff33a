//! Backends for the unit tests of the modules that talk to one: the test double of the
//! original (`tests/support/fake_backend.rs`, shared with the integration tests) and ours,
//! started as the local stack in mocked mode.

#[path = "../tests/support/fake_backend.rs"]
mod fake_backend;

pub use fake_backend::{Config as FakeConfig, Fake};

use crate::progress::Progress;
use crate::secrets::Secrets;
use crate::stack::local::LocalStack;
use crate::stack::StackOptions;
use codex_contract::Mode;

/// The test double of the original, on a free port.
pub fn fake(config: FakeConfig) -> Fake {
    fake_backend::start(config)
}

/// Our backend in mocked mode (process runner, temporary data), healthy; stopped on drop.
pub fn ours() -> LocalStack {
    let secrets = Secrets::default();
    let opts = StackOptions {
        mode: Mode::Mocked,
        keep_up: false,
        secrets: secrets.clone(),
        run_id: format!("unit-{}", std::process::id()),
    };
    LocalStack::start(&opts, &Progress::plain(secrets.redactor())).expect("starting our backend")
}
