//! Stacks: what runs the backend under test. The ladder only sees this trait.
//!
//! - `local`: the backend as a child process with the process runner (`stack/local.rs`).
//! - `compose`: docker compose with worker containers (`stack/compose.rs`).
//! - `external`: an already running backend given by `--base-url` (`stack/external.rs`).

use codex_contract::Mode;

/// A running backend that the suite can test, roll back and tear down.
pub trait Stack {
    /// `local`, `compose` or `external`, as printed and recorded in the JUnit properties.
    fn name(&self) -> &'static str;

    /// Root URL of the backend, without the API prefix, e.g. `http://127.0.0.1:41234`.
    fn base_url(&self) -> String;

    /// The mode the stack was last started in.
    fn mode(&self) -> Mode;

    /// Rollback (plan section 8): restart the backend in mocked mode on the same data and
    /// wait until it answers healthy in mocked mode. Afterwards `base_url()` may differ.
    fn rollback_to_mocked(&mut self) -> anyhow::Result<()>;

    /// Backend log output produced since the previous call (raw; the caller redacts it
    /// before writing). `None` when this stack cannot see the backend's logs.
    fn take_logs(&mut self) -> anyhow::Result<Option<String>>;

    /// Stop everything this stack started (idempotent; honours `--keep-up`).
    fn shutdown(&mut self) -> anyhow::Result<()>;
}
