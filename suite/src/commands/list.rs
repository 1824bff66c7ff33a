//! `list`: the scenarios in order, each with its acceptance.

use super::EXIT_PASS;
use crate::ladder::{live, mocked, Scenario};
use crate::model::events::Events;

/// Every scenario in the order a run meets them: L01–L08, ROLLBACK, M01–M04.
pub fn all_scenarios() -> impl Iterator<Item = &'static Scenario> {
    live::LADDER
        .iter()
        .chain([&mocked::ROLLBACK])
        .chain(mocked::SMOKE.iter())
}

/// Two lines a scenario: id, suite and title, then its acceptance indented (a terminal
/// wraps it to its width).
pub fn run(events: &Events) -> i32 {
    for s in all_scenarios() {
        events.line(format!("{:<9} {:<13} {}", s.id, s.suite.as_str(), s.title));
        events.line(format!(
            "{:10}passes when: {}",
            "",
            crate::model::outcome::one_line(s.acceptance)
        ));
    }
    EXIT_PASS
}
