//! `cargo xtask down`: removes the developer's compose stack (local stacks stop with their
//! xtask, Ctrl-C on `up`).

use super::EXIT_PASS;
use crate::cli::DownArgs;
use crate::stacks::{self, StackKind};
use anyhow::Result;
use codex_live_suite::Events;

impl DownArgs {
    pub fn run(self, events: &Events) -> Result<i32> {
        let (kind, why) = stacks::choose(self.stack);
        match kind {
            StackKind::Local => events.line(format!(
                "down: local stack ({why}): nothing to stop; a local stack runs only while its \
                 xtask runs (`up` until Ctrl-C; `--keep-up` prints the `kill` command)"
            )),
            StackKind::Compose => stacks::dev::down(events)?,
        }
        Ok(EXIT_PASS)
    }
}
