//! The structured reporter: every event of the run as one JSON line in `events.jsonl`
//! (progress text and spinner messages left out), for tools that read a run after the fact
//! (a timeline, a comparison). Written through the redactor like every file of the run.

use crate::events::{Event, Reporter};
use crate::evidence::Evidence;

pub struct EventLog {
    ev: Evidence,
}

impl EventLog {
    pub fn new(ev: Evidence) -> Self {
        EventLog { ev }
    }
}

impl Reporter for EventLog {
    fn event(&mut self, event: &Event) -> anyhow::Result<()> {
        if matches!(event, Event::Line { .. } | Event::Waiting { .. }) {
            return Ok(());
        }
        let line = serde_json::to_string(event)?;
        self.ev.append("events.jsonl", &format!("{line}\n"))?;
        Ok(())
    }
}
