//! `cargo xtask logs`: the backend output of the developer's compose stack, redacted.

use super::EXIT_PASS;
use anyhow::Result;
use codex_live_suite::Events;

pub fn run(events: &Events) -> Result<i32> {
    let out = crate::stacks::dev::logs()?;
    for line in out.lines() {
        events.line(line);
    }
    Ok(EXIT_PASS)
}
