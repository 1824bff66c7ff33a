//! `run.json`: the machine-readable record of the run (`compare::RunRecord`) that a later
//! run, or `cargo xtask compare`, compares with.

use crate::compare::RunRecord;
use crate::events::{Event, Reporter};
use crate::evidence::Evidence;

/// The reporter that writes `run.json` when the run finishes.
pub struct RunJson {
    ev: Evidence,
}

impl RunJson {
    pub fn new(ev: Evidence) -> Self {
        RunJson { ev }
    }
}

impl Reporter for RunJson {
    fn event(&mut self, event: &Event) -> anyhow::Result<()> {
        if let Event::RunFinished { report } = event {
            RunRecord::from_report(report).write(&self.ev)?;
        }
        Ok(())
    }
}
