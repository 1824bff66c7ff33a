//! `cargo xtask list`: the scenarios, one line each, with their acceptance.

use super::EXIT_PASS;
use crate::events::Events;
use crate::ladder::{live, mocked, Scenario};

/// Every scenario in the order a run meets them: L01–L08, ROLLBACK, M01–M04.
pub fn all_scenarios() -> impl Iterator<Item = &'static Scenario> {
    live::LADDER
        .iter()
        .chain([&mocked::ROLLBACK])
        .chain(mocked::SMOKE.iter())
}

pub fn run(events: &Events) -> i32 {
    for s in all_scenarios() {
        events.line(format!(
            "{:<9} {:<13} {:<30} {}",
            s.id,
            s.suite.as_str(),
            s.title,
            s.acceptance
        ));
    }
    EXIT_PASS
}
