//! `compare OLD NEW`: two runs' records (`run.json`, read from run folders or
//! zips) compared; exit 1 when a scenario regressed.

use super::{EXIT_FAIL, EXIT_PASS};
use crate::cli::CompareArgs;
use crate::model::events::Events;
use anyhow::Result;

impl CompareArgs {
    pub fn run(self, events: &Events) -> Result<i32> {
        let comparison = crate::compare::run(&self.old, &self.new)?;
        for line in comparison.render_text().lines() {
            events.line(line);
        }
        Ok(if comparison.regressed() {
            EXIT_FAIL
        } else {
            EXIT_PASS
        })
    }
}
